/**
 * @module events/catalogue: the Markdown event catalogue, generated from the
 * event types, their zod schemas, our extensions and the transition table.
 */
import * as z from 'zod';
import { ALL_CLAIM_PHASES, ClaimEdges, ClaimPhaseTable, Edges, StateTable } from '../../shared/src/state-machine/transitions.ts';
import { ALL_STATES, TRANSITION_NAMES } from '../../shared/src/state-machine/states.ts';
import type { TransitionName } from '../../shared/src/state-machine/states.ts';
import { Extension } from './attributes.ts';
import { ClaimRequestedDataSchema, Schemas } from './schemas.ts';
import { ClaimEventType, EventType } from './types.ts';

const quote = (s: string): string => `\`${s === '' ? '(none)' : s}\``;

/** States in which `t` acts: the states it owns, and those whose intents or power maintenance it takes. */
export function statesOf(t: TransitionName): string[] {
  const owned = ALL_STATES.filter((s) => StateTable[s].owner === t);
  const started = Edges.filter((e) => e.by === t && (e.on === 'intent' || e.on === 'maintain')).map((e) => e.from);
  return ALL_STATES.filter((s) => owned.includes(s) || started.includes(s));
}

/** `path: type` for every leaf of a zod object schema; optional and nullable marked. */
export function schemaFields(schema: z.ZodType, prefix = ''): string[] {
  let inner: z.ZodType = schema;
  const marks: string[] = [];
  for (;;) {
    if (inner instanceof z.ZodOptional) { marks.push('optional'); inner = inner.unwrap() as z.ZodType; continue; }
    if (inner instanceof z.ZodNullable) { marks.push('nullable'); inner = inner.unwrap() as z.ZodType; continue; }
    break;
  }
  if (inner instanceof z.ZodObject) {
    const own = marks.length > 0 && prefix ? [`${prefix}: object (${marks.join(', ')})`] : [];
    return [...own, ...Object.entries(inner.shape as Record<string, z.ZodType>).flatMap(([k, v]) => schemaFields(v, prefix ? `${prefix}.${k}` : k))];
  }
  const type = inner instanceof z.ZodEnum ? (inner.options as string[]).join(' \\| ') : inner.def.type;
  return [`${prefix}: ${type}${marks.length > 0 ? ` (${marks.join(', ')})` : ''}`];
}

/** The catalogue as Markdown: one row per event type, then the envelope's extensions. */
export function renderEventCatalogue(): string {
  const rows = TRANSITION_NAMES.map((t) =>
    `| \`${EventType[t]}\` | \`${t}\` | ${statesOf(t).map(quote).join(', ')} | ${schemaFields(Schemas[EventType[t]]).map((f) => `\`${f}\``).join('<br>')} |`);
  const claimPhases = ALL_CLAIM_PHASES.filter((p) => ClaimPhaseTable[p].work !== null || ClaimEdges.some((e) => e.from === p && e.on === 'intent'));
  rows.push(`| \`${ClaimEventType.claim}\` | \`claim\` | HostClaim phases ${claimPhases.map(quote).join(', ')} | ${schemaFields(ClaimRequestedDataSchema).map((f) => `\`${f}\``).join('<br>')} |`);
  const extensions = Object.entries(Extension).map(([k, v]) => `| \`${v}\` | ${k} |`);
  return [
    '| Type | Consumer function | States | `data` fields |',
    '|---|---|---|---|',
    ...rows,
    '',
    'Every event: CloudEvents 1.0, `subject` = `<namespace>/<name>`, `datacontenttype` = `application/json`, deterministic `id`. Extension attributes:',
    '',
    '| Attribute | Meaning |',
    '|---|---|',
    ...extensions,
    '',
  ].join('\n');
}
