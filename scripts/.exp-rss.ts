import { join } from 'node:path';
import { startKubeApi } from '../test/bed/kube-api/index.ts';
import { loadEventFixture, postEvent, REPO_ROOT, startFunctionProcess } from '../test/packaging/function-process.ts';
import { EventType } from '../events/src/types.ts';
const api = await startKubeApi({});
const kubeconfig = await api.writeKubeconfig();
const ev0 = await loadEventFixture(EventType.enroll);
const ev = { ...ev0, subject: 'metal3/absent', data: { ...(ev0.data as object), host: { ...(ev0.data as { host: object }).host, name: 'absent' } } };
for (const opts of ['', '--max-semi-space-size=1', '--max-semi-space-size=2', '--max-semi-space-size=1 --v8-pool-size=1', '--max-semi-space-size=1 --max-old-space-size=64', '--jitless']) {
  const rss: number[] = []; const first: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    const fn = await startFunctionProcess({ dir: join(REPO_ROOT, 'functions', 'enroll'), env: { KUBECONFIG: kubeconfig, IRONIC_URL: 'http://127.0.0.1:9', NODE_OPTIONS: opts }, pollMs: 2 });
    const r = await postEvent(fn.url, ev, 'binary');
    first.push(Math.round(performance.now() - t0));
    // a few more events, as a warm function would see
    for (let j = 0; j < 20; j++) await postEvent(fn.url, ev, 'binary');
    rss.push(Math.round((await fn.rssKiB()) / 102.4) / 10);
    if (r.status !== 200) console.log(r.status, r.body);
    await fn.stop();
  }
  console.log(`${opts || '(none)'}: RSS ${rss.join(', ')} MB; first event ${first.join(', ')} ms`);
}
await api.stop();
