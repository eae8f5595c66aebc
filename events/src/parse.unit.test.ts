/** parseEvent / decodeHttpEvent: the only door events come in through. */
import { describe, expect, it } from '@jest/globals';
import { CloudEvent, HTTP } from 'cloudevents';
import { aHost } from '../../test/builders/host.ts';
import { EventUnauthorizedError, EventValidationError } from '../../shared/src/errors.ts';
import { toReply } from '../../shared/src/handler/reply.ts';
import { TRANSITION_NAMES } from '../../shared/src/state-machine/states.ts';
import type { ProvisioningState } from '../../shared/src/state-machine/states.ts';
import { buildRequestedEvent } from './build.ts';
import { loadFixture } from './fixtures.ts';
import { cloudEventToRecord, decodeHttpEvent, MAX_EVENT_BYTES, parseEvent } from './parse.ts';
import { ALL_EVENT_TYPES, EventType } from './types.ts';

const STATE_OF: Record<string, ProvisioningState> = {
  enroll: '', inspect: 'inspecting', provision: 'provisioning', power: 'provisioned', deprovision: 'deprovisioning',
};

/** What parseEvent throws, or fails the test. */
function rejection(event: unknown, options?: Parameters<typeof parseEvent>[1]): EventValidationError | EventUnauthorizedError {
  try {
    parseEvent(event, options);
  } catch (e) {
    return e as EventValidationError;
  }
  throw new Error('parseEvent accepted the event');
}

const pathsOf = (e: unknown): string[] => ((e as EventValidationError).issues ?? []).map((i) => i.path);

describe('parseEvent', () => {
  describe.each(TRANSITION_NAMES.map((t) => ({ t })))('round trip of the $t event', ({ t }) => {
    const host = aHost(STATE_OF[t]).withOnline(true).build();
    const built = buildRequestedEvent({ host, transition: t, reason: 'state-changed', source: '/metal3/watcher/default' });

    it.each([
      { case: 'binary', encode: (e: CloudEvent<unknown>) => HTTP.binary(e) },
      { case: 'structured', encode: (e: CloudEvent<unknown>) => HTTP.structured(e) },
    ])('survives HTTP $case mode', ({ encode }) => {
      // Prepare
      const message = encode(built);
      // Act
      const decoded = decodeHttpEvent(message.headers as Record<string, string>, message.body as string);
      const parsed = parseEvent(decoded, { acceptTypes: [EventType[t]] });
      // Assess
      expect(parsed).toEqual({
        id: built.id, source: built.source, type: EventType[t], transition: t, subject: built.subject, data: built.data, traceparent: built.traceparent,
      });
    });

    it('parses the CloudEvent object as given to handle()', () => {
      expect(parseEvent(cloudEventToRecord(built)).data).toEqual(built.data);
    });
  });

  describe('fixtures', () => {
    it('has one fixture per catalogue type', () => {
      for (const type of ALL_EVENT_TYPES) expect(loadFixture(type).type).toBe(type);
    });

    it.each(ALL_EVENT_TYPES.map((type) => ({ case: type, type })))('parses $case, also through the SDK', ({ type }) => {
      // Prepare
      const fixture = loadFixture(type);
      // Act
      const direct = parseEvent(fixture);
      const viaSdk = parseEvent(decodeHttpEvent(HTTP.binary(new CloudEvent(fixture)).headers as Record<string, string>, HTTP.binary(new CloudEvent(fixture)).body as string));
      // Assess
      expect(direct.type).toBe(type);
      expect(viaSdk).toEqual(direct);
    });

    it('returns a fresh copy on every load', () => {
      const a = loadFixture(EventType.power);
      (a.data as { reason: string }).reason = 'changed';
      expect((loadFixture(EventType.power).data as { reason: string }).reason).not.toBe('changed');
    });
  });

  describe('rejects', () => {
    const valid = () => loadFixture(EventType.provision);
    const data = (e: Record<string, unknown>) => e.data as Record<string, Record<string, unknown>>;

    it.each([
      { case: 'wrong specversion', mutate: (e: Record<string, unknown>) => { e.specversion = '0.3'; }, path: 'specversion' },
      { case: 'an unknown type', mutate: (e: Record<string, unknown>) => { e.type = 'io.metal3.baremetalhost.reboot.requested'; }, path: 'type' },
      { case: 'a missing subject', mutate: (e: Record<string, unknown>) => { delete e.subject; }, path: 'subject' },
      { case: 'a missing id', mutate: (e: Record<string, unknown>) => { e.id = ''; }, path: 'id' },
      { case: 'a missing source', mutate: (e: Record<string, unknown>) => { delete e.source; }, path: 'source' },
      { case: 'a subject that is not <ns>/<name>', mutate: (e: Record<string, unknown>) => { e.subject = 'worker-0'; }, path: 'subject' },
      { case: 'a subject naming another host than data', mutate: (e: Record<string, unknown>) => { e.subject = 'metal3/worker-1'; }, path: 'subject' },
      { case: 'a bmhuid other than data.host.uid', mutate: (e: Record<string, unknown>) => { e.bmhuid = 'other'; }, path: 'bmhuid' },
      { case: 'an extra data field (a password)', mutate: (e: Record<string, unknown>) => { (e.data as Record<string, unknown>).password = 'p'; }, path: 'data' },
      { case: 'an extra field in data.host', mutate: (e: Record<string, unknown>) => { data(e).host!.bmcPassword = 'p'; }, path: 'data.host' },
      { case: 'a bad reason', mutate: (e: Record<string, unknown>) => { (e.data as Record<string, unknown>).reason = 'because'; }, path: 'data.reason' },
      { case: 'a negative generation', mutate: (e: Record<string, unknown>) => { data(e).host!.generation = -1; }, path: 'data.host.generation' },
      { case: 'non-JSON string data', mutate: (e: Record<string, unknown>) => { e.data = '{not json'; }, path: 'data' },
      { case: 'no data', mutate: (e: Record<string, unknown>) => { delete e.data; }, path: 'data' },
      { case: 'datacontenttype text/plain', mutate: (e: Record<string, unknown>) => { e.datacontenttype = 'text/plain'; }, path: 'datacontenttype' },
      { case: 'a malformed traceparent', mutate: (e: Record<string, unknown>) => { e.traceparent = '01-xyz'; }, path: 'traceparent' },
    ])('$case', ({ mutate, path }) => {
      // Prepare
      const ev = valid();
      mutate(ev);
      // Act
      const err = rejection(ev);
      // Assess
      expect(err).toBeInstanceOf(EventValidationError);
      expect(pathsOf(err)).toContain(path);
      expect(toReply({ kind: 'invalid', message: err.message, issues: (err as EventValidationError).issues })).toMatchObject({ statusCode: 400 });
    });

    it('something that is not an object', () => {
      expect(rejection('hello')).toBeInstanceOf(EventValidationError);
      expect(rejection(null)).toBeInstanceOf(EventValidationError);
    });

    it('lists every issue at once', () => {
      // Prepare
      const ev = valid();
      ev.specversion = '0.3';
      ev.datacontenttype = 'text/xml';
      ev.traceparent = 'x';
      // Act + Assess
      expect(pathsOf(rejection(ev)).sort()).toEqual(['datacontenttype', 'specversion', 'traceparent']);
    });

    it('a type this endpoint does not accept (a function accepts only its own trigger)', () => {
      const err = rejection(valid(), { acceptTypes: [EventType.power] });
      expect(pathsOf(err)).toEqual(['type']);
    });

    it('a source outside the allowed prefixes, as unauthorised (403), after validation', () => {
      // Prepare
      const ev = valid();
      ev.source = '/somebody/else';
      // Act
      const err = rejection(ev, { allowedSources: ['/metal3/watcher', '/metal3/functions'] });
      // Assess
      expect(err).toBeInstanceOf(EventUnauthorizedError);
      expect(toReply({ kind: 'unauthorized', message: err.message })).toMatchObject({ statusCode: 403 });
    });

    it('a source that only shares a prefix string with an allowed one', () => {
      const ev = valid();
      ev.source = '/metal3/watcher-evil/x';
      expect(rejection(ev, { allowedSources: ['/metal3/watcher'] })).toBeInstanceOf(EventUnauthorizedError);
    });

    it('accepts an allowed source and its sub-paths', () => {
      const ev = valid();
      ev.source = '/metal3/watcher/cluster-a';
      expect(parseEvent(ev, { allowedSources: ['/metal3/watcher'] }).source).toBe('/metal3/watcher/cluster-a');
    });

    it('never echoes a password put into the data back in full detail beyond the key name', () => {
      // Prepare
      const ev = valid();
      (ev.data as Record<string, unknown>).password = 'hunter2-very-secret';
      // Act
      const err = rejection(ev);
      // Assess
      expect(JSON.stringify({ message: err.message, issues: (err as EventValidationError).issues })).not.toContain('hunter2-very-secret');
    });
  });
});

describe('decodeHttpEvent', () => {
  const binary = () => HTTP.binary(new CloudEvent(loadFixture(EventType.inspect)));

  it('refuses an oversized body before parsing it', () => {
    // Prepare
    const msg = binary();
    const body = JSON.stringify({ ...JSON.parse(msg.body as string), pad: 'x'.repeat(MAX_EVENT_BYTES) });
    // Act + Assess
    expect(() => decodeHttpEvent(msg.headers as Record<string, string>, body)).toThrow(/exceeds/);
  });

  it('refuses batch mode', () => {
    const body = JSON.stringify([loadFixture(EventType.inspect)]);
    expect(() => decodeHttpEvent({ 'content-type': 'application/cloudevents-batch+json' }, body)).toThrow(EventValidationError);
  });

  it('refuses a plain JSON POST without ce-* headers', () => {
    expect(() => decodeHttpEvent({ 'content-type': 'application/json' }, '{"a":1}')).toThrow(/not a CloudEvent/);
  });

  it('refuses a structured body that is not JSON', () => {
    expect(() => decodeHttpEvent({ 'content-type': 'application/cloudevents+json' }, '{oops')).toThrow(EventValidationError);
  });

  it('accepts header names in any case and array values', () => {
    // Prepare
    const msg = binary();
    const headers = Object.fromEntries(Object.entries(msg.headers as Record<string, string>).map(([k, v]) => [k.toUpperCase(), [v]]));
    // Act
    const decoded = decodeHttpEvent(headers, Buffer.from(msg.body as string));
    // Assess
    expect(parseEvent(decoded).type).toBe(EventType.inspect);
  });
});
