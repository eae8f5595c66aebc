/** @module kube-api/kubeconfig: client-node KubeConfig objects and kubeconfig files pointing at the fixture. */
import { writeFile } from 'node:fs/promises';
import { KubeConfig } from '@kubernetes/client-node';

export interface KubeConfigOptions {
  server: string;
  token: string;
  namespace?: string;
}

/** `skipTLSVerify` is required by client-node for plain `http://` servers. */
export function fixtureKubeConfig({ server, token, namespace }: KubeConfigOptions): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'fixture', server, skipTLSVerify: true }],
    users: [{ name: 'fixture-user', token }],
    contexts: [{ name: 'fixture', cluster: 'fixture', user: 'fixture-user', ...(namespace ? { namespace } : {}) }],
    currentContext: 'fixture',
  });
  return kc;
}

/** A kubeconfig file for kubectl and `KubeConfig.loadFromFile` (JSON is valid YAML; client-node needs the skip flag for http). */
export async function writeKubeconfigFile(path: string, { server, token, namespace }: KubeConfigOptions): Promise<string> {
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'fixture', cluster: { server, 'insecure-skip-tls-verify': true } }],
    users: [{ name: 'fixture-user', user: { token } }],
    contexts: [{ name: 'fixture', context: { cluster: 'fixture', user: 'fixture-user', ...(namespace ? { namespace } : {}) } }],
    'current-context': 'fixture',
  };
  await writeFile(path, JSON.stringify(config, null, 2), { mode: 0o600 });
  return path;
}
