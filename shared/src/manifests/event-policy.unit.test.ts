/**
 * EventPolicies and the functions' sender settings come from the one policy
 * table: schema-valid, one per sender, each limited to its types; external
 * senders only when named; every Trigger names the audience its function checks.
 */
import { describe, expect, it } from '@jest/globals';
import { EventPolicy } from '@kubernetes-models/knative/eventing.knative.dev/v1alpha1/EventPolicy';
import { ALL_EVENT_TYPES, CATALOGUE_EVENT_TYPES, EventType } from '../../../events/src/types.ts';
import { brokerSenders, functionSenders, oidcServiceAccountOf, replyTypesOf, triggerOwner } from '../eventauth/policy.ts';
import { TRANSITION_NAMES } from '../state-machine/states.ts';
import { buildAllTriggers } from './eventing.ts';
import { buildAllEventPolicies } from './event-policy.ts';
import { withDefaults } from './options.ts';
import { buildFunctionService } from './serving.ts';

type PolicyJson = { metadata: { name: string }; spec: { to: { ref: { kind: string; name: string } }[]; from: ({ ref?: { kind: string; name: string }; sub?: string })[]; filters: { any: { exact: { type: string } }[] }[] } };
const json = (p: EventPolicy) => p.toJSON() as unknown as PolicyJson;
const typesOf = (p: PolicyJson) => p.spec.filters.flatMap((f) => f.any.map((e) => e.exact.type)).sort();

describe('EventPolicies for the Broker', () => {
  it('validates every policy with @kubernetes-models/knative', () => {
    const policies = buildAllEventPolicies(withDefaults({ externalSenders: [{ namespace: 'ops', serviceAccount: 'reboot-bot', types: [EventType.power] }] }));
    for (const p of policies) expect(() => p.validate()).not.toThrow();
    expect(policies).toHaveLength(1 + TRANSITION_NAMES.length + 1);
  });

  it('rejects a policy whose filter is not a filter expression (the check can fail)', () => {
    const good = json(buildAllEventPolicies(withDefaults())[0]!);
    const bad = new EventPolicy({ ...good, spec: { ...good.spec, filters: [{ exact: 'type' }] } } as never);
    expect(() => bad.validate()).toThrow(/exact/);
  });

  it('admits the watcher for every requested type and nothing else by default', () => {
    const policies = buildAllEventPolicies(withDefaults()).map(json);
    const watcher = policies.find((p) => p.spec.from[0]?.ref?.kind === 'ContainerSource');
    expect(watcher?.spec.from[0]?.ref?.name).toBe('bmh-watcher');
    expect(typesOf(watcher!)).toEqual([...CATALOGUE_EVENT_TYPES].sort());
    expect(policies.every((p) => p.spec.to.length === 1 && p.spec.to[0]!.ref.kind === 'Broker' && p.spec.to[0]!.ref.name === 'bmh')).toBe(true);
    expect(policies.some((p) => p.spec.from.some((f) => f.sub !== undefined))).toBe(false);
  });

  it.each(TRANSITION_NAMES)('admits the replies through the %s Trigger for every type but its own', (fn) => {
    const p = buildAllEventPolicies(withDefaults()).map(json).find((x) => x.spec.from[0]?.ref?.kind === 'Trigger' && x.spec.from[0].ref.name === `bmh-${fn}`);
    expect(typesOf(p!)).toEqual([...replyTypesOf(fn)].sort());
    expect(typesOf(p!)).not.toContain(EventType[fn]);
  });

  it('admits a named external ServiceAccount by its identity, for its types only', () => {
    const policies = buildAllEventPolicies(withDefaults({ externalSenders: [{ namespace: 'ops', serviceAccount: 'reboot-bot', types: [EventType.power] }] })).map(json);
    const ext = policies.filter((p) => p.spec.from.some((f) => f.sub !== undefined));
    expect(ext).toHaveLength(1);
    expect(ext[0]!.spec.from).toEqual([{ sub: 'system:serviceaccount:ops:reboot-bot' }]);
    expect(typesOf(ext[0]!)).toEqual([EventType.power]);
  });

  it('is generated from the policy table: one policy per sender, with the sender\'s types', () => {
    const o = withDefaults();
    const policies = buildAllEventPolicies(o).map(json);
    expect(policies.map(typesOf)).toEqual(brokerSenders(o.namespace).map((s) => [...s.types].sort()));
  });
});

describe('what each function accepts', () => {
  it.each(TRANSITION_NAMES)('%s: its Trigger names the audience the Service checks, and only that Trigger may deliver its type', (fn) => {
    const o = withDefaults();
    const trigger = buildAllTriggers(o).map((t) => t.toJSON() as { metadata: { name: string }; spec: { subscriber: { audience?: string } } }).find((t) => t.metadata.name === `bmh-${fn}`);
    const env = Object.fromEntries(((buildFunctionService(fn, o).toJSON() as { spec: { template: { spec: { containers: { env: { name: string; value?: string }[] }[] } } } })
      .spec.template.spec.containers[0]!.env).map((e) => [e.name, e.value]));
    expect(env.EVENT_AUTH).toBe('tokenreview');
    expect(trigger?.spec.subscriber.audience).toBe(env.EVENT_AUDIENCE);
    const identity = `system:serviceaccount:metal3:${oidcServiceAccountOf(triggerOwner(fn))}`;
    expect(JSON.parse(env.EVENT_SENDERS!)).toEqual({ [identity]: [EventType[fn]] });
    expect(functionSenders(fn, o.namespace).map((s) => s.identity)).toEqual([identity]);
  });

  it('names Trigger identities as Knative does: <name>-oidc-<group>-<kind>', () => {
    expect(oidcServiceAccountOf(triggerOwner('provision'))).toBe('bmh-provision-oidc-eventing.knative.dev-trigger');
  });
});
