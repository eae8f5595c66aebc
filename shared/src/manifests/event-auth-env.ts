/**
 * @module manifests/event-auth-env: a function's event-authentication
 * settings (shared/src/handler/config.ts): TokenReview on, its audience, and
 * who may deliver which types, from the policy table.
 */
import { allowedTypes, functionAudience, functionSenders } from '../eventauth/policy.ts';
import type { FunctionName } from './names.ts';
import type { ManifestOptions } from './options.ts';

export function eventAuthEnv(fn: FunctionName, o: ManifestOptions): { name: string; value: string }[] {
  const senders = Object.fromEntries([...allowedTypes(functionSenders(fn, o.namespace))].map(([identity, types]) => [identity, [...types]]));
  return [
    { name: 'EVENT_AUTH', value: 'tokenreview' },
    { name: 'EVENT_AUDIENCE', value: functionAudience(fn, o.namespace) },
    { name: 'EVENT_NAMESPACE', value: o.namespace },
    // the external function has no sender table: RBAC decides per request
    ...(fn === 'external' ? [] : [{ name: 'EVENT_SENDERS', value: JSON.stringify(senders) }]),
  ];
}
