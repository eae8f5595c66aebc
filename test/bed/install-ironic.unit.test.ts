import { describe, expect, it } from '@jest/globals';
import { mkdtemp, mkdir, rm, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MissingPackageError } from './errors.ts';
import { ensureIronicInstalled, ironicBuildFromEnv, IRONIC_PYPI_VERSION } from './install.ts';

describe('ironicBuildFromEnv', () => {
  it.each([
    { case: 'unset', env: {}, want: 'pypi' },
    { case: 'empty', env: { IRONIC_BED: ' ' }, want: 'pypi' },
    { case: 'pypi', env: { IRONIC_BED: 'pypi' }, want: 'pypi' },
    { case: 'debian', env: { IRONIC_BED: 'debian' }, want: 'debian' },
  ])('answers $want when IRONIC_BED is $case', ({ env, want }) => {
    expect(ironicBuildFromEnv(env)).toBe(want);
  });

  it('refuses an unknown build, naming the value', () => {
    expect(() => ironicBuildFromEnv({ IRONIC_BED: 'devstack' })).toThrow(/"devstack"/);
  });
});

describe('ensureIronicInstalled › pypi build', () => {
  it('points at the venv the installer reports, checking its programs exist', async () => {
    // Prepare: a venv-shaped dir with executable ironic and ironic-dbsync
    const venv = await mkdtemp(join(tmpdir(), 'venv-'));
    await mkdir(join(venv, 'bin'));
    for (const name of ['ironic', 'ironic-dbsync']) {
      await writeFile(join(venv, 'bin', name), '#!/bin/sh\n');
      await chmod(join(venv, 'bin', name), 0o755);
    }
    try {
      // Act
      const inst = await ensureIronicInstalled({ build: 'pypi', installVenv: async () => venv });
      // Assess
      expect(inst).toMatchObject({ build: 'pypi', version: IRONIC_PYPI_VERSION, ironicBin: join(venv, 'bin', 'ironic'), dbsyncBin: join(venv, 'bin', 'ironic-dbsync'), maxMicroversion: '1.115' });
    } finally {
      await rm(venv, { recursive: true, force: true });
    }
  });
});

describe('ensureIronicInstalled › failing installer', () => {
  it('throws MissingPackageError quoting the installer output, and retries on the next call', async () => {
    // Prepare
    let calls = 0;
    const failing = async (): Promise<string> => {
      calls++;
      throw Object.assign(new Error('exit 1'), { stderr: 'ERROR: No matching distribution found for ironic==39.0.0' });
    };
    // Act
    const first = await ensureIronicInstalled({ build: 'pypi', installVenv: failing }).catch((e: unknown) => e);
    await ensureIronicInstalled({ build: 'pypi', installVenv: failing }).catch(() => undefined);
    // Assess
    expect(first).toBeInstanceOf(MissingPackageError);
    expect((first as Error).message).toContain('No matching distribution');
    expect(calls).toBe(2);
  });
});
