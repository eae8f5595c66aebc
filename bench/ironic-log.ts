/**
 * @module bench/ironic-log: when Ironic itself says a node reached a state.
 *
 * The conductor logs every provision state change ("Node <uuid> moved to
 * provision state …") and every completed power action ("Successfully set
 * node <uuid> power state to …") with millisecond timestamps, at the moment
 * it saves the node. That is the exact start of a reaction-latency interval,
 * with no polling of our own (which would add load and resolution error).
 * Pure parser; timestamps are the conductor's local time, as Node parses an
 * ISO string without a zone.
 */

export type IronicLogEvent =
  | { at: number; node: string; kind: 'provision'; state: string; from: string; target: string }
  | { at: number; node: string; kind: 'power'; state: string };

const STAMP = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}\.\d{3}) /;
const MOVED = /Node ([0-9a-f-]{36}) moved to provision state "([^"]*)" from state "([^"]*)"; target provision state is "([^"]*)"/;
const POWER = /Successfully set node ([0-9a-f-]{36}) power state to ([a-z ]+?) by /;

/** Parses the lines of an Ironic log; lines that are neither kind are skipped. */
export function parseIronicLog(text: string): IronicLogEvent[] {
  const out: IronicLogEvent[] = [];
  for (const line of text.split('\n')) {
    const stamp = STAMP.exec(line);
    if (!stamp) continue;
    const at = Date.parse(`${stamp[1]}T${stamp[2]}`);
    const moved = MOVED.exec(line);
    if (moved) {
      out.push({ at, node: moved[1]!, kind: 'provision', state: moved[2]!, from: moved[3]!, target: moved[4]! });
      continue;
    }
    const power = POWER.exec(line);
    if (power) out.push({ at, node: power[1]!, kind: 'power', state: power[2]! });
  }
  return out;
}

/** The first event of `node` at or after `since` matching `match`; undefined when none. */
export function firstIronicEvent(events: readonly IronicLogEvent[], node: string, since: number, match: (e: IronicLogEvent) => boolean): IronicLogEvent | undefined {
  return events.find((e) => e.node === node && e.at >= since && match(e));
}
