/**
 * @module bmc/redfish/task-monitor: wait for a 202 answer's task monitor to finish.
 *
 * The monitor (Location) answers 202 while running and 200/204 when done; it may vanish (404)
 * once done. A final Task in Exception/Killed/Cancelled is a failure with its Messages.
 */
import { BmcCommandError, BmcUnreachableError } from '../../errors.ts';
import { parseRetryAfter, type RedfishResponse, type RedfishTransport } from './transport.ts';
import { TaskSchema } from './schemas.ts';

export interface TaskWaitOptions {
  timeoutMs: number;
  /** poll delay when the BMC gives no Retry-After; Retry-After is capped by maxPollMs */
  pollMs?: number;
  maxPollMs?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

const FAILED = new Set(['Exception', 'Killed', 'Cancelled', 'Interrupted']);

const defaultSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function failIfTaskFailed(operation: string, body: unknown): void {
  const task = TaskSchema.safeParse(body);
  if (!task.success || !task.data.TaskState || !FAILED.has(task.data.TaskState)) return;
  const msgs = (task.data.Messages ?? []).map((m) => m.Message).filter(Boolean).join('; ');
  throw new BmcCommandError(`${operation}: task ended ${task.data.TaskState}${msgs ? `: ${msgs}` : ''}`, 500);
}

/** Resolves when the task behind `accepted` (a 202) is done; throws on failure or deadline. */
export async function waitForTask(transport: RedfishTransport, operation: string, accepted: RedfishResponse, {
  timeoutMs, pollMs = 500, maxPollMs = 5_000, sleep = defaultSleep, now = Date.now,
}: TaskWaitOptions): Promise<void> {
  const monitor = accepted.headers.get('location');
  if (!monitor) return; // accepted without a monitor: nothing to follow
  const deadline = now() + timeoutMs;
  let last = accepted;
  for (;;) {
    const wait = Math.min(parseRetryAfter(last.headers.get('retry-after')) ?? pollMs, maxPollMs);
    if (now() + wait > deadline) throw new BmcUnreachableError(`${operation}: task not finished within ${timeoutMs} ms`);
    await sleep(wait);
    last = await transport.request('GET', monitor, { allow: [404] });
    if (last.status === 202) continue;
    if (last.status === 404) return; // monitors may be deleted once the task completed
    failIfTaskFailed(operation, last.body);
    return;
  }
}
