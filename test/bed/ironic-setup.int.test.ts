/**
 * startIronic's set-up contract: bad set-ups fail loud, fast and leave no process behind;
 * instances run side by side; a kept dir survives a restart with its database.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NotReadyError, PortInUseError } from './errors.ts';
import { startIronic, type IronicInstance } from './ironic.ts';
import { expectStatus, ironicRequest } from './ironic-rest.ts';
import { isPidAlive, runningChildren } from './processes.ts';

/** Resolve with the rejection of `p` (fails the test if it resolves). */
async function rejectionOf(p: Promise<unknown>): Promise<Error> {
  try {
    const value = await p;
    if (typeof (value as IronicInstance | undefined)?.stop === 'function') await (value as IronicInstance).stop();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection, got success');
}

describe('startIronic › bad set-ups', () => {
  it('rejects a port already in use, naming it, before starting anything', async () => {
    // Prepare: hold a TCP port ourselves
    const holder: Server = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as { port: number }).port;
    const childrenBefore = runningChildren().size;
    try {
      // Act
      const t0 = Date.now();
      const err = await rejectionOf(startIronic({ port }));
      // Assess
      expect(err).toBeInstanceOf(PortInUseError);
      expect(err.message).toContain(String(port));
      expect(Date.now() - t0).toBeLessThan(2_000);
      expect(runningChildren().size).toBe(childrenBefore);
    } finally {
      await new Promise<void>((resolve) => holder.close(() => resolve()));
    }
  });

  it('throws NotReadyError within the bound and kills the process when Ironic does not answer in time', async () => {
    // Prepare: far too short a deadline for a real start (≥ 1.2 s)
    const readyTimeoutMs = 300;
    // Act
    const t0 = Date.now();
    const err = await rejectionOf(startIronic({ hardwareTypes: ['fake-hardware'], readyTimeoutMs }));
    const elapsed = Date.now() - t0;
    // Assess: schema creation (≤ ~10 s on a loaded box) + deadline + stop grace bound it
    expect(err).toBeInstanceOf(NotReadyError);
    expect(err.message).toContain(`within ${readyTimeoutMs} ms`);
    // generous: schema creation alone took up to ~20 s with several Ironics starting at once on 2 cores
    expect(elapsed).toBeLessThan(45_000);
    const pid = (err as NotReadyError).context.pid as number;
    expect(pid).toBeGreaterThan(1);
    expect(isPidAlive(pid)).toBe(false);
  }, 60_000);

  it('throws NotReadyError quoting the Ironic log when the configuration makes it exit', async () => {
    // Prepare: a hardware type Ironic does not know makes the conductor refuse to start
    const extraConfig = { DEFAULT: { enabled_hardware_types: 'no-such-hardware' } };
    // Act
    const err = await rejectionOf(startIronic({ hardwareTypes: ['fake-hardware'], extraConfig, readyTimeoutMs: 45_000 }));
    // Assess
    expect(err).toBeInstanceOf(NotReadyError);
    expect(err.message).toContain('exited before answering');
    expect(err.message).toContain('no-such-hardware');
    expect(isPidAlive((err as NotReadyError).context.pid as number)).toBe(false);
  }, 60_000);
});

describe('startIronic › instances', () => {
  const started: IronicInstance[] = [];
  let keptDir = '';

  afterAll(async () => {
    await Promise.all(started.map((i) => i.stop()));
    if (keptDir !== '') await rm(keptDir, { recursive: true, force: true });
  }, 30_000);

  it('runs two instances side by side with separate ports, dirs and databases', async () => {
    // Prepare
    keptDir = await mkdtemp(join(tmpdir(), 'bed-ironic-kept-'));
    // Act
    const [a, b] = await Promise.all([
      startIronic({ hardwareTypes: ['fake-hardware'], dir: keptDir }),
      startIronic({ hardwareTypes: ['fake-hardware'] }),
    ]);
    started.push(a, b);
    await expectStatus(a.url, 'POST', '/v1/nodes', 201, { name: 'only-in-a', driver: 'fake-hardware' });
    // Assess
    expect(a.port).not.toBe(b.port);
    expect(a.dir).not.toBe(b.dir);
    expect((await ironicRequest(a.url, 'GET', '/v1/nodes/only-in-a')).status).toBe(200);
    expect((await ironicRequest(b.url, 'GET', '/v1/nodes/only-in-a')).status).toBe(404);
  }, 120_000);

  it('keeps the database, the dir and the port when restarted on the same dir and port', async () => {
    // Prepare
    const a = started.shift()!;
    expect(a.dir).toBe(keptDir);
    // Act
    await a.stop();
    const stoppedPid = a.pid;
    const again = await startIronic({ hardwareTypes: ['fake-hardware'], dir: keptDir, port: a.port });
    started.push(again);
    // Assess: old process gone, no new schema, the node still there
    expect(isPidAlive(stoppedPid)).toBe(false);
    expect(existsSync(join(keptDir, 'ironic.sqlite'))).toBe(true);
    expect(again.timings.schemaMs).toBe(0);
    expect(again.url).toBe(a.url);
    expect((await ironicRequest(again.url, 'GET', '/v1/nodes/only-in-a')).status).toBe(200);
  }, 120_000);

  it('removes a dir it created itself when stopped', async () => {
    // Prepare
    const b = started.find((i) => i.dir !== keptDir)!;
    // Act
    await b.stop();
    // Assess
    expect(existsSync(b.dir)).toBe(false);
    expect(isPidAlive(b.pid)).toBe(false);
  }, 30_000);
});
