import { describe, expect, it } from '@jest/globals';
import { MissingPackageError } from './errors.ts';
import { ensurePackages } from './install.ts';
import { lanConf } from './ipmi-sim-files.ts';

const missing = { binaries: ['/nonexistent/bin/ironic-x'], packages: ['python3-ironic', 'ironic-common'] };

describe('ensurePackages', () => {
  it('does nothing when every binary exists', async () => {
    // Prepare
    const calls: string[][] = [];
    // Act
    await ensurePackages({ binaries: ['/bin/sh'], packages: ['dash'] }, { isRoot: () => true, aptGet: async (a) => { calls.push([...a]); } });
    // Assess
    expect(calls).toEqual([]);
  });

  it('throws MissingPackageError naming the packages when not root', async () => {
    // Act
    const attempt = ensurePackages(missing, { isRoot: () => false, aptGet: async () => { throw new Error('must not run'); } });
    // Assess
    await expect(attempt).rejects.toBeInstanceOf(MissingPackageError);
    await expect(attempt).rejects.toThrow(/python3-ironic ironic-common/);
  });

  it('runs a no-recommends apt-get install as root, then reports binaries still missing', async () => {
    // Prepare: an apt-get that "succeeds" without installing anything
    const calls: string[][] = [];
    // Act
    const attempt = ensurePackages(missing, { isRoot: () => true, aptGet: async (a) => { calls.push([...a]); } });
    // Assess
    await expect(attempt).rejects.toThrow(/still missing/);
    expect(calls).toContainEqual(['install', '-y', '--no-install-recommends', 'python3-ironic', 'ironic-common']);
  });

  it('refreshes the package lists once and retries when the first install fails', async () => {
    // Prepare
    const calls: string[] = [];
    let installs = 0;
    const aptGet = async (a: readonly string[]): Promise<void> => {
      calls.push(a[0]!);
      if (a[0] === 'install' && ++installs === 1) throw Object.assign(new Error('exit 100'), { stderr: 'E: Unable to locate package python3-ironic' });
    };
    // Act
    await expect(ensurePackages(missing, { isRoot: () => true, aptGet })).rejects.toThrow(/still missing/);
    // Assess: install, update, install (an initial update only if the lists are empty)
    expect(calls.slice(-3)).toEqual(['install', 'update', 'install']);
  });

  it('wraps an apt-get failure in MissingPackageError quoting its last stderr lines', async () => {
    // Prepare
    const aptGet = async (): Promise<void> => { throw Object.assign(new Error('exit 100'), { stderr: 'E: Could not get lock /var/lib/dpkg/lock-frontend' }); };
    // Act + Assess
    await expect(ensurePackages(missing, { isRoot: () => true, aptGet })).rejects.toThrow(/Could not get lock/);
  });
});

describe('lanConf', () => {
  const base = { name: 'bmc-1', port: 16001, guid: 'a'.repeat(32), username: 'admin', password: 's3cret-pw', chassisScript: '/d/chassis.sh', chassisDir: '/d/chassis' };

  it('binds the BMC to loopback at the port with an admin user and the chassis_control program', () => {
    // Act
    const text = lanConf(base);
    // Assess
    expect(text).toContain('addr 127.0.0.1 16001');
    expect(text).toContain('chassis_control "/d/chassis.sh /d/chassis"');
    expect(text).toContain('user 2 true "admin" "s3cret-pw" admin 10 md5');
  });

  it.each([
    { case: 'a quote in the password', patch: { password: 'a"b' }, msg: /password/ },
    { case: 'a password over 20 bytes', patch: { password: 'x'.repeat(21) }, msg: /password/ },
    { case: 'a space in the user name', patch: { username: 'ad min' }, msg: /username/ },
    { case: 'a short guid', patch: { guid: 'abc' }, msg: /guid/ },
  ])('refuses $case without echoing the password', ({ patch, msg }) => {
    // Act
    let message = '';
    try { lanConf({ ...base, ...patch }); } catch (e) { message = (e as Error).message; }
    // Assess
    expect(message).toMatch(msg);
    if (patch.password !== undefined) expect(message).not.toContain(patch.password);
  });
});
