/**
 * End to end: the demo's pool (`npm run demo -- --claims N`) as a test. The embedded bed (API
 * fixture with the claim CRDs, real Ironic) and the all-in-one runner with the claim function;
 * two fake:// hosts join the pool and a tenant asks for three machines at once. Asserted: each
 * claim is bound and provisioned, given back and gone; the hosts are deprovisioned and bound again
 * (one serves two claims in turn); no host is ever bound to two claims at a time; the pool ends
 * available and unclaimed, with nothing dead-lettered.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createLogger } from '../../shared/src/log.ts';
import { startAllInOne } from '../../shared/src/runner/all-in-one.ts';
import type { AllInOne } from '../../shared/src/runner/all-in-one.ts';
import { startBed } from '../bed/stack.ts';
import type { Bed } from '../bed/stack.ts';
import { renderPool, runClaimScenario } from './claim-scenario.ts';
import type { PoolView } from './claim-scenario.ts';
import type { ScenarioHost } from './scenario.ts';

const NS = 'metal3';

describe('the demo\'s pool end to end (bed + all-in-one runner with claims)', () => {
  let bed: Bed;
  let app: AllInOne;
  const logLines: string[] = [];

  beforeAll(async () => {
    bed = await startBed();
    const log = createLogger({ level: 'info', write: (l) => logLines.push(l) });
    app = await startAllInOne({
      kubeConfig: bed.kube.kubeConfig(), ironicUrl: bed.ironic.url, log, namespace: NS, claims: true,
      env: { ...bed.functionEnv, BACKOFF_BASE_MS: '2000' }, pollActiveMs: 300, resyncMs: 5_000, metricsPort: 'off',
    });
  }, 180_000);

  afterAll(async () => {
    await app?.stop();
    await bed?.stop();
  });

  it('binds, provisions, releases and reuses two hosts for three claims', async () => {
    // Prepare
    const hosts = [0, 1].map((i): ScenarioHost => ({
      name: `pool-${i}`, address: `fake://pool-${i}`, username: 'admin', password: `pool-pass-${i}-k2`, bootMACAddress: `52:54:00:50:00:0${i + 1}`,
    }));
    const image = { url: bed.files.urls['/images/host.qcow2'] ?? '', checksum: 'd41d8cd98f00b204e9800998ecf8427e', checksumType: 'md5', format: 'qcow2' };
    const views: PoolView[] = [];

    // Act
    const result = await runClaimScenario({
      kubeConfig: bed.kube.kubeConfig(), namespace: NS, tenant: 'demo-tenant', hosts, claims: 3, image, timeoutMs: 300_000, tickMs: 200,
      onTick: (v) => views.push(v),
    });

    // Assess: every claim bound, provisioned and released
    expect(result.claims.map((c) => [c.name, c.ok, c.failed])).toEqual([['claim-0', true, undefined], ['claim-1', true, undefined], ['claim-2', true, undefined]]);
    expect(result.claims.every((c) => c.host !== undefined && c.provisionedAt !== undefined && c.releasedAt! >= c.provisionedAt!)).toBe(true);
    // reuse: three claims on two hosts, so one host served two in turn, the second only after the first was released
    expect(Object.values(result.served).map((c) => c.length).sort()).toEqual([1, 2]);
    expect(result.reused).toHaveLength(1);
    const [first, second] = result.served[result.reused[0]!]!.map((n) => result.claims.find((c) => c.name === n)!);
    expect(second!.provisionedAt!).toBeGreaterThan(first!.releasedAt! - 1);
    // never two bound claims on one host, in any view the live table showed
    expect(views.length).toBeGreaterThan(10);
    for (const v of views) {
      const bound = v.claims.filter((c) => c.phase === 'Bound').map((c) => c.host);
      expect(new Set(bound).size).toBe(bound.length);
    }
    // the live table showed hosts claimed and the pool given back
    expect(views.some((v) => v.hosts.every((h) => h.claim !== '-'))).toBe(true);
    expect(views.some((v) => v.claims.some((c) => c.phase === 'Pending'))).toBe(true);
    expect(renderPool(views.at(-1)!)).toMatch(/CLAIMS SERVED/);
    // and its last view is the pool given back: every host available, unclaimed, the claims gone
    expect(views.at(-1)!.hosts.map((h) => [h.state, h.claim])).toEqual([['available', '-'], ['available', '-']]);
    expect(views.at(-1)!.claims.map((c) => c.phase)).toEqual(['gone', 'gone', 'gone']);
    expect(result.poolRestored).toBe(true);
    expect(result.ok).toBe(true);
    expect(app.broker.deadLetters).toEqual([]);
    expect(logLines.filter((l) => /unexpected failure/i.test(l))).toEqual([]);
  }, 400_000);
});
