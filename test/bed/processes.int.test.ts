/**
 * Managed child processes: log to a file, stop by PID with a bounded SIGTERM → SIGKILL,
 * and are killed when their parent exits or is signalled (no orphans).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { BedSetupError } from './errors.ts';
import { isPidAlive, reapPidFile, runningChildren, spawnManaged, stopPid, type ManagedProcess } from './processes.ts';

const PROCESSES_TS = fileURLToPath(new URL('./processes.ts', import.meta.url));

async function waitGone(pid: number, timeoutMs = 5_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isPidAlive(pid) && Date.now() < deadline) await sleep(25);
  return !isPidAlive(pid);
}

describe('spawnManaged', () => {
  let dir = '';
  const leftovers: ManagedProcess[] = [];
  const strayPids: number[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bed-proc-'));
  });

  afterAll(async () => {
    await Promise.all(leftovers.map((p) => p.stop({ graceMs: 500 })));
    for (const pid of strayPids) await stopPid(pid, { graceMs: 500 });
    await rm(dir, { recursive: true, force: true });
  });

  it('writes stdout and stderr to the log file and reports the exit code when the command ends', async () => {
    // Prepare
    const logPath = join(dir, 'echo.log');
    // Act
    const proc = await spawnManaged({ name: 'echo', command: '/bin/sh', args: ['-c', 'echo out; echo err >&2; exit 3'], logPath });
    const info = await proc.exited;
    // Assess
    expect(info.code).toBe(3);
    expect(proc.isRunning()).toBe(false);
    expect(runningChildren().has(proc.pid)).toBe(false);
    const log = await readFile(logPath, 'utf8');
    expect(log).toContain('out');
    expect(log).toContain('err');
  });

  it('rejects with BedSetupError naming the command when the binary does not exist', async () => {
    // Act + Assess
    await expect(spawnManaged({ name: 'ghost', command: '/nonexistent/ghost-bin', logPath: join(dir, 'ghost.log') }))
      .rejects.toThrow(/cannot start ghost \(\/nonexistent\/ghost-bin\)/);
    await expect(spawnManaged({ name: 'ghost', command: '/nonexistent/ghost-bin', logPath: join(dir, 'ghost.log') }))
      .rejects.toBeInstanceOf(BedSetupError);
  });

  it('stops with SIGTERM and keeps a PID file only while running when the child obeys', async () => {
    // Prepare
    const pidFile = join(dir, 'sleep.pid');
    const proc = await spawnManaged({ name: 'sleep', command: '/bin/sleep', args: ['600'], logPath: join(dir, 'sleep.log'), pidFile });
    leftovers.push(proc);
    expect((await readFile(pidFile, 'utf8')).trim()).toBe(String(proc.pid));
    // Act
    const info = await proc.stop();
    // Assess
    expect(info.signal).toBe('SIGTERM');
    expect(isPidAlive(proc.pid)).toBe(false);
    await expect(readFile(pidFile, 'utf8')).rejects.toThrow();
  });

  it('holds exit and signal hooks only while a child runs', async () => {
    // Prepare
    const before = { exit: process.listenerCount('exit'), term: process.listenerCount('SIGTERM') };
    // Act
    const proc = await spawnManaged({ name: 'sleep', command: '/bin/sleep', args: ['600'], logPath: join(dir, 'hooks.log') });
    leftovers.push(proc);
    const during = { exit: process.listenerCount('exit'), term: process.listenerCount('SIGTERM') };
    await proc.stop();
    // Assess
    expect(during).toEqual({ exit: before.exit + 1, term: before.term + 1 });
    expect({ exit: process.listenerCount('exit'), term: process.listenerCount('SIGTERM') }).toEqual(before);
  });

  it('escalates to SIGKILL after the grace period when the child ignores SIGTERM', async () => {
    // Prepare: a shell that traps TERM, and its own child in the same group
    const proc = await spawnManaged({
      name: 'stubborn', command: '/bin/sh', logPath: join(dir, 'stubborn.log'),
      args: ['-c', "trap '' TERM; sleep 600 & echo ready; while :; do sleep 1; done"],
    });
    leftovers.push(proc);
    await sleep(200);
    // Act
    const t0 = Date.now();
    const info = await proc.stop({ graceMs: 400 });
    // Assess: killed, and not long after the grace period
    expect(info.signal).toBe('SIGKILL');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(350);
    expect(Date.now() - t0).toBeLessThan(5_000);
    // the grandchild `sleep 600` was in the group and went too (reaping takes a moment)
    const inGroup = (): Promise<string> =>
      new Promise((resolve) => execFile('pgrep', ['-g', String(proc.pid)], (_e, out) => resolve(out.trim())));
    const deadline = Date.now() + 5_000;
    while ((await inGroup()) !== '' && Date.now() < deadline) await sleep(50);
    expect(await inGroup()).toBe('');
  });

  it.each([
    { case: 'the parent exits normally', how: 'process.exit(0)', signal: null },
    { case: 'the parent gets SIGTERM', how: "process.kill(process.pid, 'SIGTERM')", signal: 'SIGTERM' },
  ])('kills its children and runs exit cleanups when $case', async ({ how, signal }) => {
    // Prepare: a parent Node process that starts a managed `sleep`, registers removal of a
    // temp dir, and reports the child's PID
    const script = join(dir, `parent-${signal ?? 'exit'}.ts`);
    const marker = join(dir, `marker-${signal ?? 'exit'}`);
    await mkdir(marker);
    await writeFile(script, [
      "import { rmSync } from 'node:fs';",
      `import { onExitCleanup, spawnManaged } from ${JSON.stringify(PROCESSES_TS)};`,
      `onExitCleanup(() => rmSync(${JSON.stringify(marker)}, { recursive: true }));`,
      `const p = await spawnManaged({ name: 'sleep', command: '/bin/sleep', args: ['600'], logPath: ${JSON.stringify(join(dir, 'orphan.log'))} });`,
      'console.log(p.pid);',
      how + ';',
    ].join('\n'));
    // Act
    const { stdout, exitSignal } = await new Promise<{ stdout: string; exitSignal: string | null }>((resolve) => {
      const child = execFile(process.execPath, [script], (_err, out) => resolve({ stdout: out, exitSignal: child.signalCode }));
    });
    const pid = Number.parseInt(stdout.trim(), 10);
    strayPids.push(pid);
    // Assess: the parent died the way asked, and its child did not outlive it
    expect(pid).toBeGreaterThan(1);
    expect(exitSignal).toBe(signal);
    expect(await waitGone(pid)).toBe(true);
    expect(existsSync(marker)).toBe(false);
  }, 30_000);
});

describe('reapPidFile', () => {
  it('kills a leftover process named in a PID file when its command line matches', async () => {
    // Prepare: a "leftover" from a previous run
    const dir = await mkdtemp(join(tmpdir(), 'bed-reap-'));
    const proc = await spawnManaged({ name: 'leftover', command: '/bin/sleep', args: ['601'], logPath: join(dir, 'l.log') });
    const pidFile = join(dir, 'l.pid');
    try {
      await writeFile(pidFile, `${proc.pid}\n`);
      // Act: a wrong expectation must not kill it; the right one must
      const wrong = await reapPidFile(pidFile, '/usr/bin/ironic');
      await writeFile(pidFile, `${proc.pid}\n`);
      const right = await reapPidFile(pidFile, 'sleep 601');
      // Assess
      expect(wrong).toBe(false);
      expect(right).toBe(true);
      expect(await waitGone(proc.pid)).toBe(true);
    } finally {
      await proc.stop({ graceMs: 500 });
      await rm(dir, { recursive: true, force: true });
    }
  });
});
