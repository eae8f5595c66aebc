/**
 * Our BareMetalHost CRD against upstream's, path by path: every field path and type of
 * upstream's schema (upstream-schema-facts.json, written by hand from upstream's CRD) must be
 * in ours with the same type, and every path only one side has must be explained below.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { buildBareMetalHostCrd } from './crd.ts';

interface Facts { paths: Record<string, string>; required: Record<string, string[]> }
type Node = { type?: string; properties?: Record<string, Node>; items?: Node; required?: string[] };

const facts = JSON.parse(readFileSync(new URL('./upstream-schema-facts.json', import.meta.url), 'utf8')) as Facts;
const root = buildBareMetalHostCrd().spec.versions[0]!.schema.openAPIV3Schema as Node;

/** path → type for every node under spec and status, in the facts' notation. */
function flatten(node: Node, path: string, out: Record<string, string>): Record<string, string> {
  out[path] = node.type ?? 'any';
  for (const [k, child] of Object.entries(node.properties ?? {})) flatten(child, `${path}.${k}`, out);
  if (node.items) flatten(node.items, `${path}[]`, out);
  return out;
}
const ours = { ...flatten(root.properties!.spec!, 'spec', {}), ...flatten(root.properties!.status!, 'status', {}) };
const nodeAt = (path: string): Node => path.split('.').reduce<Node>((n, p) => n.properties![p]!, root);

/** Paths only upstream has: fields upstream reports that we do not (yet) write or read. */
const ONLY_UPSTREAM: Record<string, string> = {
  'status.provisioning.currentActivity': 'progress reporting not implemented',
  'status.provisioning.progress': 'progress reporting not implemented',
  'status.provisioning.steps': 'progress reporting not implemented',
  'status.provisioning.steps[]': 'progress reporting not implemented',
  'status.provisioning.steps[].description': 'progress reporting not implemented',
  'status.provisioning.steps[].name': 'progress reporting not implemented',
  'status.provisioning.steps[].state': 'progress reporting not implemented',
};

/** Path prefixes only we have, and why. */
const ONLY_OURS: [string, string][] = [
  ['status.deployRequest', 'ours only: the duplicate-delivery guard for deploy requests'],
  ['status.lastAttemptedCustomDeploy', 'ours only: the custom deploy step of the current attempt, beside lastAttemptedImage, so a changed step cancels it'],
  ['status.provisioningFailCount', 'not in the upstream commit these facts were read from; kept for the provisioning retry limit'],
  ['status.lastAttemptedImage', 'not in the upstream commit these facts were read from; kept for the provisioning retry limit'],
  ['spec.networkInterfaces', 'not in the upstream commit these facts were read from; switch-port intent per NIC'],
  // upstream's current types (apis/metal3.io/v1alpha1/baremetalhost_types.go at 0323439c) have it; the CRD commit above did not
  ['spec.raid.softwareRAIDVolumes[].rootVolume', 'not in the upstream commit these facts were read from; the software RAID volume the installer takes as root'],
  ['status.provisioning.raid.softwareRAIDVolumes[].rootVolume', 'not in the upstream commit these facts were read from; the same field, as applied'],
];

/** Same path, other type, and why. */
const TYPE_DIFFERENCES: Record<string, string> = {};

describe('BareMetalHost CRD against upstream schema facts', () => {
  it('has every upstream path with the same type, or explains why not', () => {
    const missing = Object.keys(facts.paths).filter((p) => !(p in ours) && !(p in ONLY_UPSTREAM));
    const typed = Object.entries(facts.paths).filter(([p, t]) => p in ours && ours[p] !== t && !(p in TYPE_DIFFERENCES)).map(([p, t]) => `${p}: upstream ${t}, ours ${ours[p]}`);
    expect(missing).toEqual([]);
    expect(typed).toEqual([]);
  });

  it('explains every path only we have', () => {
    const extra = Object.keys(ours).filter((p) => !(p in facts.paths) && !ONLY_OURS.some(([prefix]) => p === prefix || p.startsWith(`${prefix}.`) || p.startsWith(`${prefix}[]`)));
    expect(extra).toEqual([]);
  });

  it('keeps the explanations honest: each names a real difference', () => {
    for (const p of Object.keys(ONLY_UPSTREAM)) expect([p, p in ours]).toEqual([p, false]);
    for (const [prefix] of ONLY_OURS) expect([prefix, prefix in ours && !(prefix in facts.paths)]).toEqual([prefix, true]);
  });

  it('requires what upstream requires', () => {
    for (const [path, required] of Object.entries(facts.required)) {
      expect([path, [...(nodeAt(path).required ?? [])].filter((r) => required.includes(r)).sort()]).toEqual([path, [...required].sort()]);
    }
  });
});
