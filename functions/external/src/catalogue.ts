/**
 * @module external/catalogue: the external event catalogue as Markdown (README and docs/events.md are
 * generated from it): for each type, the write it stands for, the permission its sender needs and
 * its `data` fields, from the table in ./decide.ts and the schemas in events/src/external.ts.
 */
import { schemaFields } from '../../../events/src/catalogue.ts';
import { EXTERNAL_REQUESTS, ExternalEventType, ExternalSchemas } from '../../../events/src/external.ts';
import { ExternalTriggers } from './decide.ts';

export function renderExternalCatalogue(): string {
  const rows = EXTERNAL_REQUESTS.map((r) => {
    const row = ExternalTriggers[r];
    const object = row.resource === 'baremetalhosts' ? 'that host' : row.verb === 'create' ? 'in the claim\'s namespace' : 'that claim';
    return `| \`${ExternalEventType[r]}\` | ${row.why} | \`${row.kubectl.replace(/\|/g, '\\|')}\` | \`${row.verb}\` \`${row.resource}\` (\`metal3.io\`) ${object} | ${schemaFields(ExternalSchemas[r]).map((f) => `\`${f}\``).join('<br>')} |`;
  });
  return [
    '| Type | Asks to | The same change by hand | The sender must be allowed | `data` fields |',
    '|---|---|---|---|---|',
    ...rows,
    '',
    'Sent to the `external` function (`bmh-external`), not to the Broker: CloudEvents 1.0 in binary or structured mode, `Authorization: Bearer <token>` for its audience; `subject`, when set, must be `<namespace>/<name>` of the object in `data`. Unknown fields are refused.',
    '',
  ].join('\n');
}
