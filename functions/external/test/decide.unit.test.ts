/**
 * The external catalogue: each request parses into exactly one write that a user could make by hand,
 * with the API permission that write needs; malformed requests list their issues; no request can
 * reach status or any annotation outside upstream's two.
 */
import { describe, expect, it } from '@jest/globals';
import { EXTERNAL_REQUESTS, ExternalEventType, parseExternalEvent } from '../../../events/src/external.ts';
import { isEventValidationError } from '../../../shared/src/errors.ts';
import { ExternalTriggers, decideExternal } from '../src/decide.ts';

const event = (type: string, data: unknown, extra: Record<string, unknown> = {}) => ({ specversion: '1.0', id: 'e1', source: '/ops/bot', type, datacontenttype: 'application/json', data, ...extra });
const host = { namespace: 'metal3-hosts', name: 'worker-0' };
const claim = { namespace: 'team-a', name: 'm1' };

describe('decideExternal', () => {
  it.each([
    { case: 'reboot (hard)', type: ExternalEventType.reboot, data: { host, mode: 'hard' }, access: { verb: 'patch', resource: 'baremetalhosts', name: 'worker-0', namespace: 'metal3-hosts' }, write: { do: 'annotateHost', annotation: 'reboot.metal3.io', value: '{"mode":"hard"}' } },
    { case: 'reboot (no mode)', type: ExternalEventType.reboot, data: { host }, access: { verb: 'patch', resource: 'baremetalhosts', name: 'worker-0' }, write: { do: 'annotateHost', annotation: 'reboot.metal3.io', value: '' } },
    { case: 'inspect', type: ExternalEventType.inspect, data: { host }, access: { verb: 'patch', resource: 'baremetalhosts', name: 'worker-0' }, write: { do: 'annotateHost', annotation: 'inspect.metal3.io', value: '' } },
    { case: 'power off', type: ExternalEventType.power, data: { host, online: false }, access: { verb: 'patch', resource: 'baremetalhosts' }, write: { do: 'setHostOnline', online: false } },
    { case: 'claim (create: authorised without a name)', type: ExternalEventType.claim, data: { claim, spec: { online: true, hostSelector: { matchLabels: { pool: 'gold' } } } }, access: { verb: 'create', resource: 'hostclaims', name: '', namespace: 'team-a' }, write: { do: 'createClaim', spec: { online: true, hostSelector: { matchLabels: { pool: 'gold' } } } } },
    { case: 'release', type: ExternalEventType.release, data: { claim }, access: { verb: 'delete', resource: 'hostclaims', name: 'm1', namespace: 'team-a' }, write: { do: 'deleteClaim' } },
  ])('$case → $write.do, needs $access.verb on $access.resource', ({ type, data, access, write }) => {
    const change = decideExternal(parseExternalEvent(event(type, data)));
    expect(change.access).toMatchObject({ group: 'metal3.io', ...access });
    expect(change.access.subresource).toBeUndefined();
    expect(change.write).toEqual(write);
  });

  it('has one row per catalogue type, and no row writes status or another annotation', () => {
    expect(Object.keys(ExternalTriggers).sort()).toEqual([...EXTERNAL_REQUESTS].sort());
    for (const r of EXTERNAL_REQUESTS) expect(['baremetalhosts', 'hostclaims']).toContain(ExternalTriggers[r].resource);
    const annotations = [decideExternal(parseExternalEvent(event(ExternalEventType.reboot, { host, mode: 'soft' }))), decideExternal(parseExternalEvent(event(ExternalEventType.inspect, { host })))]
      .map((c) => (c.write.do === 'annotateHost' ? c.write.annotation : ''));
    expect(annotations).toEqual(['reboot.metal3.io', 'inspect.metal3.io']);
  });
});

describe('parseExternalEvent', () => {
  const issuesOf = (ev: unknown): string[] => {
    try {
      parseExternalEvent(ev);
    } catch (e) {
      if (isEventValidationError(e)) return e.issues.map((i) => i.path);
      throw e;
    }
    return [];
  };
  it.each([
    { case: 'an unknown type', ev: event('io.metal3.external.delete.requested', { host }), paths: ['type'] },
    { case: 'a host event type of the Broker', ev: event('io.metal3.baremetalhost.power.requested', { host }), paths: ['type'] },
    { case: 'an extra field (say, an annotation to set)', ev: event(ExternalEventType.reboot, { host, annotations: { x: 'y' } }), paths: ['data'] },
    { case: 'a status field in a claim spec', ev: event(ExternalEventType.claim, { claim, spec: { online: true, status: { phase: 'Bound' } } }), paths: ['data.spec'] },
    { case: 'a bad reboot mode', ev: event(ExternalEventType.reboot, { host, mode: 'gentle' }), paths: ['data.mode'] },
    { case: 'online as a string', ev: event(ExternalEventType.power, { host, online: 'false' }), paths: ['data.online'] },
    { case: 'a name that is no Kubernetes name', ev: event(ExternalEventType.inspect, { host: { namespace: 'metal3-hosts', name: '../secrets' } }), paths: ['data.host.name'] },
    { case: 'no data', ev: event(ExternalEventType.inspect, undefined), paths: ['data'] },
    { case: 'data that is not JSON', ev: event(ExternalEventType.inspect, '{'), paths: ['data'] },
    { case: 'a subject naming another object', ev: event(ExternalEventType.inspect, { host }, { subject: 'metal3-hosts/other' }), paths: ['subject'] },
    { case: 'specversion 0.3', ev: { ...event(ExternalEventType.inspect, { host }), specversion: '0.3' }, paths: ['specversion'] },
  ])('refuses $case', ({ ev, paths }) => {
    const found = issuesOf(ev);
    expect(found.length).toBeGreaterThan(0);
    for (const p of paths) expect(found.some((f) => f.startsWith(p))).toBe(true);
  });

  it('accepts a subject naming the same object and data as a JSON string', () => {
    expect(parseExternalEvent(event(ExternalEventType.power, JSON.stringify({ host, online: true }), { subject: 'metal3-hosts/worker-0' }))).toMatchObject({ request: 'power', data: { host, online: true } });
  });
});
