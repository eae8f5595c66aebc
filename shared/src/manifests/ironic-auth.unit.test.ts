import { describe, expect, it } from '@jest/globals';
import { buildIronicDeployment, IRONIC_CREDENTIALS_SECRET, renderClusterIronicConf } from './ironic.ts';
import { withDefaults } from './options.ts';
import { buildAllFunctionServices, buildFunctionConfig } from './serving.ts';
import { buildWatcher } from './watcher.ts';

const o = withDefaults();

describe('bundled Ironic: HTTP basic auth over TLS', () => {
  it('runs Ironic with http_basic and its own TLS certificate', () => {
    const conf = renderClusterIronicConf(['ipmi']);
    expect(conf).toMatch(/^auth_strategy = http_basic$/m);
    expect(conf).toMatch(/^http_basic_auth_user_file = \/etc\/ironic-auth\/htpasswd$/m);
    expect(conf).toMatch(/^enable_ssl_api = true$/m);
    expect(conf).toMatch(/^\[ssl\]\ncert_file = \/etc\/ironic-tls\/tls.crt\nkey_file = \/etc\/ironic-tls\/tls.key$/m);
    expect(conf).not.toMatch(/noauth/);
    const probe = buildIronicDeployment(o).spec!.template.spec!.containers[0]!.readinessProbe!;
    expect(probe.httpGet!.scheme).toBe('HTTPS');
  });

  it('gives every function that talks to Ironic and the watcher an https URL, the CA, and credentials from the Secret (never in the ConfigMap)', () => {
    // the claim and external functions talk to Kubernetes only: they get nothing of Ironic's
    for (const name of ['bmh-claim', 'bmh-external']) {
      const spec = buildAllFunctionServices(o).find((s) => s.metadata!.name === name)!.spec!.template!.spec!;
      expect((spec.containers[0]!.env ?? []).filter((e) => e.name.startsWith('IRONIC_'))).toEqual([]);
      expect([spec.containers[0]!.volumeMounts, spec.volumes]).toEqual([undefined, undefined]);
    }
    const containers = [
      ...buildAllFunctionServices(o).filter((s) => !['bmh-dead-letter', 'bmh-claim', 'bmh-external'].includes(s.metadata!.name!)).map((s) => s.spec!.template!.spec!.containers[0]!),
      buildWatcher(o).spec!.template.spec!.containers[0]!,
    ];
    expect(containers.length).toBeGreaterThanOrEqual(6);
    for (const c of containers) {
      const env = Object.fromEntries((c.env ?? []).map((e) => [e.name, e]));
      expect(env.IRONIC_URL?.value).toMatch(/^https:\/\//);
      expect(env.IRONIC_CA_BUNDLE?.value).toBe('/etc/ironic-ca/ca.crt');
      expect(env.IRONIC_PASSWORD?.valueFrom?.secretKeyRef).toEqual({ name: IRONIC_CREDENTIALS_SECRET, key: 'password' });
      expect(env.IRONIC_PASSWORD?.value).toBeUndefined();
      expect(c.volumeMounts).toEqual(expect.arrayContaining([expect.objectContaining({ mountPath: '/etc/ironic-ca', readOnly: true })]));
    }
    expect(Object.keys(buildFunctionConfig(o).data ?? {})).not.toEqual(expect.arrayContaining(['IRONIC_PASSWORD']));
    expect(Object.keys(buildFunctionConfig(o).data ?? {})).not.toContain('IRONIC_URL');
  });
});
