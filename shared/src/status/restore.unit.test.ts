import { describe, expect, it } from '@jest/globals';
import { restoreStatus } from './restore.ts';

const provisioned = {
  operationalStatus: 'OK', errorMessage: '', errorCount: 0, provisioningFailCount: 0, poweredOn: true,
  provisioning: { state: 'provisioned', ID: '7f9c1b7e-0000-4000-8000-000000000001', image: { url: 'http://images/os.qcow2' } },
  goodCredentials: { credentials: { name: 'bmc', namespace: 'hosts' }, credentialsVersion: '12' },
  triedCredentials: { credentials: { name: 'bmc', namespace: 'hosts' }, credentialsVersion: '12' },
  deployRequest: { image: 'http://images/os.qcow2', attempt: 0, at: '2026-12-01T00:00:00Z' },
  hardware: { hostname: 'h1', ramMebibytes: 4096 },
};

describe('restoreStatus', () => {
  it('keeps what the host is, drops what belonged to the old cluster, and marks it detached until registered again', () => {
    const r = restoreStatus(JSON.stringify(provisioned));
    expect(r.ok).toBe(true);
    const status = (r as { status: Record<string, unknown> }).status;
    expect(status).toMatchObject({ operationalStatus: 'detached', poweredOn: true, hardware: { hostname: 'h1' }, provisioning: { state: 'provisioned', ID: '', image: { url: 'http://images/os.qcow2' } } });
    expect(status).not.toHaveProperty('goodCredentials');
    expect(status).not.toHaveProperty('triedCredentials');
    expect(status).not.toHaveProperty('deployRequest');
  });

  it('does not mark a host in a transient state detached (its owner carries on)', () => {
    const r = restoreStatus(JSON.stringify({ ...provisioned, provisioning: { state: 'inspecting', ID: 'x' } }));
    expect(r).toMatchObject({ ok: true, status: { operationalStatus: 'OK', provisioning: { state: 'inspecting', ID: '' } } });
  });

  it.each([
    ['not JSON', '{"provisioning": ', /is not JSON/],
    ['not a status', JSON.stringify({ provisioning: { state: 'flying', ID: '' } }), /is not a BareMetalHost status/],
    ['no state', JSON.stringify({ ...provisioned, provisioning: { state: '', ID: '' } }), /has no provisioning state/],
  ])('refuses %s with a message naming the annotation', (_case, raw, message) => {
    const r = restoreStatus(raw);
    expect(r.ok).toBe(false);
    expect((r as { message: string }).message).toMatch(message);
    expect((r as { message: string }).message).toMatch(/^baremetalhost\.metal3\.io\/status /);
  });
});
