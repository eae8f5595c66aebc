/**
 * @module eventauth/function-auth: a function's EventAuth from its
 * configuration: the audience it answers to and who may deliver what,
 * from the policy table unless EVENT_SENDERS names the identities.
 */
import * as z from 'zod';
import { CATALOGUE_EVENT_TYPES } from '../../../events/src/types.ts';
import type { FunctionConfig } from '../handler/config.ts';
import type { FunctionName } from '../manifests/names.ts';
import type { EventAuth } from './authorize.ts';
import { allowedTypes, functionAudience, functionSenders } from './policy.ts';
import type { TokenVerifier } from './verifier.ts';

const SendersSchema = z.record(z.string().min(1), z.array(z.string().refine((t) => (CATALOGUE_EVENT_TYPES as readonly string[]).includes(t), 'not a catalogue event type')));

export function functionEventAuth(fn: FunctionName, config: Pick<FunctionConfig, 'EVENT_AUDIENCE' | 'EVENT_NAMESPACE' | 'EVENT_SENDERS'>, verifier: TokenVerifier): EventAuth {
  let allowed: EventAuth['allowed'];
  if (config.EVENT_SENDERS.trim() === '') {
    allowed = allowedTypes(functionSenders(fn, config.EVENT_NAMESPACE));
  } else {
    let parsed: unknown;
    try {
      parsed = JSON.parse(config.EVENT_SENDERS);
    } catch (e) {
      throw new Error(`invalid function configuration: EVENT_SENDERS is not JSON (${(e as Error).message})`);
    }
    const r = SendersSchema.safeParse(parsed);
    if (!r.success) throw new Error(`invalid function configuration: EVENT_SENDERS must map identities to event types:\n${z.prettifyError(r.error)}`);
    allowed = new Map(Object.entries(r.data).map(([identity, types]) => [identity, new Set(types)]));
  }
  return { verifier, audience: config.EVENT_AUDIENCE || functionAudience(fn, config.EVENT_NAMESPACE), allowed };
}
