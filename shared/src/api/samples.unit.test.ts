import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadAllYaml } from '@kubernetes/client-node';
import { ironicDriverFor } from '../bmc/access-details.ts';
import { BareMetalHostSchema, type BareMetalHost } from './baremetalhost.ts';
import { unsupportedFields } from './unsupported-fields.ts';
import { validateHostSpec } from './validate-host.ts';
import { DEFAULT_OPTIONS } from '../manifests/options.ts';

const SAMPLES_DIR = fileURLToPath(new URL('../../../manifests/samples/', import.meta.url));
const files = readdirSync(SAMPLES_DIR).filter((f) => f.endsWith('.yaml')).sort();

interface Doc { apiVersion: string; kind: string; metadata: { name: string; namespace?: string }; stringData?: Record<string, string> }
const load = (file: string): Doc[] => loadAllYaml(readFileSync(`${SAMPLES_DIR}${file}`, 'utf8')) as Doc[];
const hostsIn = (file: string): BareMetalHost[] => load(file).filter((d) => d.kind === 'BareMetalHost').map((d) => BareMetalHostSchema.parse(d));

describe('manifests/samples', () => {
  it('cover ipmi, redfish, redfish-virtualmedia live-iso, an image with user and network data, and an externally provisioned host', () => {
    // Prepare
    const hosts = files.flatMap(hostsIn);
    // Assess
    expect(files.length).toBeGreaterThanOrEqual(5);
    const schemes = hosts.map((h) => h.spec.bmc?.address.split('://')[0]);
    expect(schemes).toEqual(expect.arrayContaining(['ipmi', 'redfish', 'redfish-virtualmedia+https', 'idrac-virtualmedia']));
    expect(hosts.some((h) => h.spec.image?.format === 'live-iso')).toBe(true);
    expect(hosts.some((h) => h.spec.image?.checksum && h.spec.userData && h.spec.networkData && h.spec.rootDeviceHints)).toBe(true);
    expect(hosts.some((h) => h.spec.externallyProvisioned === true)).toBe(true);
  });

  describe.each(files)('%s', (file) => {
    const docs = load(file);
    const hosts = hostsIn(file);
    const secrets = new Map(docs.filter((d) => d.kind === 'Secret').map((d) => [d.metadata.name, d.stringData ?? {}]));

    it('puts every object in the hosts\' namespace, never the operator\'s', () => {
      // the generated watcher watches this namespace and the Roles cover it (shared/src/manifests/options.ts)
      for (const doc of docs) expect([doc.metadata.name, doc.metadata.namespace]).toEqual([doc.metadata.name, DEFAULT_OPTIONS.hostNamespace]);
      expect(DEFAULT_OPTIONS.hostNamespace).not.toBe(DEFAULT_OPTIONS.namespace);
    });

    it('contains only hosts and Secrets, each host parsing with the schema', () => {
      // Assess
      expect(hosts.length).toBeGreaterThan(0);
      for (const doc of docs) expect(['BareMetalHost', 'Secret']).toContain(doc.kind);
    });

    it('passes the semantic validator and uses only fields we act on', () => {
      for (const host of hosts) {
        // Act
        const result = validateHostSpec(host.spec, { name: host.metadata.name });
        // Assess
        expect([host.metadata.name, result]).toEqual([host.metadata.name, { ok: true }]);
        expect([host.metadata.name, unsupportedFields(host.spec)]).toEqual([host.metadata.name, []]);
      }
    });

    it('ships the Secrets its hosts name, with the keys upstream reads', () => {
      for (const host of hosts) {
        // Assess
        const bmc = secrets.get(host.spec.bmc!.credentialsName);
        expect(bmc).toEqual({ username: expect.any(String), password: expect.any(String) });
        if (host.spec.userData) expect(Object.keys(secrets.get(host.spec.userData.name!) ?? {})).toContain('userData');
        if (host.spec.networkData) expect(JSON.parse(secrets.get(host.spec.networkData.name!)!.networkData!)).toHaveProperty('links');
      }
    });

    it('maps its BMC address to an Ironic driver', () => {
      for (const host of hosts) {
        // Act
        const driver = ironicDriverFor(host.spec.bmc!.address, { username: 'u', password: 'p' }, { image: host.spec.image });
        // Assess
        expect(['ipmi', 'redfish', 'idrac']).toContain(driver.driver);
      }
    });
  });
});
