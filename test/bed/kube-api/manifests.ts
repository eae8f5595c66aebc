/**
 * @module kube-api/manifests: read Kubernetes YAML as plain JSON objects.
 *
 * Not client-node's `loadYaml`: that deserialises into generated models and renames fields
 * (`enum` → `_enum`, `x-kubernetes-preserve-unknown-fields` → `xKubernetesPreserveUnknownFields`),
 * which breaks CRD schemas. js-yaml is client-node's own YAML dependency.
 */
import { readFile } from 'node:fs/promises';
import { loadAll } from 'js-yaml';

/** Every non-empty document of a YAML (or JSON) text. */
export function parseManifests(text: string): Record<string, unknown>[] {
  return (loadAll(text) as unknown[]).filter((d): d is Record<string, unknown> => typeof d === 'object' && d !== null);
}

export async function readManifests(path: string): Promise<Record<string, unknown>[]> {
  return parseManifests(await readFile(path, 'utf8'));
}

/** The namespace every sample (manifests/samples) puts its hosts and Secrets in. */
export const SAMPLES_NAMESPACE = 'metal3-hosts';

/** A sample's text with its objects moved to `namespace` (a test's own), everything else unchanged. */
export async function readSampleInto(path: string, namespace: string): Promise<string> {
  const text = await readFile(path, 'utf8');
  return text.replaceAll(`\n  namespace: ${SAMPLES_NAMESPACE}\n`, `\n  namespace: ${namespace}\n`);
}
