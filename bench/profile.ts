/**
 * @module bench/profile: the top of a V8 `.cpuprofile` (as written by
 * `node --cpu-prof`): functions by self time. Pure (`summarizeCpuProfile`);
 * `summarizeProfileDir` reads the newest profile in a directory.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

export interface CpuProfile {
  nodes: ProfileNode[];
  samples?: number[];
  timeDeltas?: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileEntry {
  /** `name (file:line)` */
  function: string;
  selfMs: number;
  /** share of all sampled time, in % */
  selfPct: number;
}

export interface ProfileSummary {
  totalMs: number;
  top: ProfileEntry[];
  /** self time by where the code lives: ours, node_modules, node internals, GC/idle */
  byArea: Record<string, number>;
}

export function areaOf(url: string, functionName: string): string {
  if (functionName === '(idle)') return 'idle';
  if (functionName === '(garbage collector)') return 'gc';
  if (functionName === '(program)' || url === '') return 'v8/native';
  if (url.includes('/node_modules/')) return `dep:${/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1] ?? '?'}`;
  if (url.startsWith('node:')) return 'node internals';
  return 'ours';
}

/** Self time per function (samples × their time deltas), top `limit`, idle excluded from shares. */
export function summarizeCpuProfile(profile: CpuProfile, { limit = 12, root = '' }: { limit?: number; root?: string } = {}): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  if (samples.length > 0 && deltas.length === samples.length) {
    // a sample's time is the delta to the next sample
    for (let i = 0; i < samples.length; i++) selfUs.set(samples[i]!, (selfUs.get(samples[i]!) ?? 0) + Math.max(0, deltas[i + 1] ?? 0));
  } else {
    const per = profile.nodes.reduce((a, n) => a + (n.hitCount ?? 0), 0);
    const totalUs = profile.endTime - profile.startTime;
    for (const n of profile.nodes) selfUs.set(n.id, per > 0 ? ((n.hitCount ?? 0) / per) * totalUs : 0);
  }
  const byFunction = new Map<string, number>();
  const byArea: Record<string, number> = {};
  let busyUs = 0;
  for (const [id, us] of selfUs) {
    const n = byId.get(id);
    if (!n) continue;
    const { functionName, url, lineNumber } = n.callFrame;
    const area = areaOf(url, functionName);
    byArea[area] = (byArea[area] ?? 0) + us / 1000;
    if (area === 'idle') continue;
    busyUs += us;
    const file = url.replace(/^file:\/\//, '');
    const where = file ? `${root ? relative(root, file) : file}:${lineNumber + 1}` : '';
    const key = `${functionName || '(anonymous)'}${where ? ` (${where})` : ''}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + us);
  }
  const top = [...byFunction.entries()].sort((a, b) => b[1] - a[1]).slice(0, limit)
    .map(([fn, us]) => ({ function: fn, selfMs: Math.round(us / 100) / 10, selfPct: busyUs > 0 ? Math.round((us / busyUs) * 1000) / 10 : 0 }));
  for (const k of Object.keys(byArea)) byArea[k] = Math.round(byArea[k]!);
  return { totalMs: Math.round(busyUs / 1000), top, byArea };
}

/** Summary of the newest `.cpuprofile` in `dir`; undefined when there is none. */
export async function summarizeProfileDir(dir: string, root = ''): Promise<(ProfileSummary & { file: string }) | undefined> {
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.cpuprofile'));
  if (files.length === 0) return undefined;
  const withTime = await Promise.all(files.map(async (f) => ({ f, t: (await stat(join(dir, f))).mtimeMs })));
  const newest = withTime.sort((a, b) => b.t - a.t)[0]!.f;
  const profile = JSON.parse(await readFile(join(dir, newest), 'utf8')) as CpuProfile;
  return { file: join(dir, newest), ...summarizeCpuProfile(profile, { root }) };
}
