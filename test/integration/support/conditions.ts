/**
 * @module support/conditions: a host's upstream conditions as a CAPM3 or kubectl user reads them
 * (`kubectl get bmh -o jsonpath='{.status.conditions}'`), one `Status/Reason` string per type.
 */
import type { StoredHost } from '../../../shared/src/k8s/host-store.ts';

const UPSTREAM = ['Manageable', 'AvailableForProvisioning', 'Provisioned', 'Ready', 'Progressing', 'Healthy'] as const;

/** `{ Ready: 'True/Provisioned', … }` for upstream's six condition types found on the host. */
export function upstreamConditionsOf(host: StoredHost | undefined): Partial<Record<(typeof UPSTREAM)[number], string>> {
  const conditions = (host?.status?.conditions as Array<{ type: string; status: string; reason: string }> | undefined) ?? [];
  return Object.fromEntries(conditions.filter((c) => (UPSTREAM as readonly string[]).includes(c.type)).map((c) => [c.type, `${c.status}/${c.reason}`]));
}
