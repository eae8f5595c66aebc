import { describe, expect, it } from '@jest/globals';
import { addressesOf, forTenant, hardwareSummaryOf, matchesSelector, namespaceAllowed, toLabelSelector } from './claim-rules.ts';

describe('claim rules', () => {
  it.each([
    { case: 'matchLabels equal', labels: { a: '1' }, selector: { matchLabels: { a: '1' } }, want: true },
    { case: 'matchLabels differ', labels: { a: '2' }, selector: { matchLabels: { a: '1' } }, want: false },
    { case: 'In', labels: { a: '2' }, selector: { matchExpressions: [{ key: 'a', operator: 'In' as const, values: ['1', '2'] }] }, want: true },
    { case: 'NotIn with the key absent', labels: {}, selector: { matchExpressions: [{ key: 'a', operator: 'NotIn' as const, values: ['1'] }] }, want: true },
    { case: 'Exists', labels: { a: '' }, selector: { matchExpressions: [{ key: 'a', operator: 'Exists' as const, values: [] }] }, want: true },
    { case: 'DoesNotExist', labels: { a: '' }, selector: { matchExpressions: [{ key: 'a', operator: 'DoesNotExist' as const, values: [] }] }, want: false },
    { case: 'empty selector', labels: {}, selector: undefined, want: true },
  ])('matchesSelector: $case', ({ labels, selector, want }) => {
    expect(matchesSelector(labels as Record<string, string>, selector)).toBe(want);
  });

  it('writes the selector as the API server\'s labelSelector query', () => {
    expect(toLabelSelector({ matchLabels: { pool: 'a' }, matchExpressions: [{ key: 'z', operator: 'In', values: ['1', '2'] }, { key: 'y', operator: 'DoesNotExist', values: [] }] }))
      .toBe('pool=a,z in (1,2),!y');
  });

  it.each([
    { case: 'unset admits none', c: undefined, ns: 't', labels: {}, want: false },
    { case: '{} admits all', c: {}, ns: 't', labels: {}, want: true },
    { case: 'names', c: { names: ['a', 'b'] }, ns: 'b', labels: {}, want: true },
    { case: 'names, other namespace', c: { names: ['a'] }, ns: 'b', labels: {}, want: false },
    { case: 'nameMatches is a search (unanchored)', c: { nameMatches: 'prod' }, ns: 'not-prod', labels: {}, want: true },
    { case: 'nameMatches anchored', c: { nameMatches: '^prod$' }, ns: 'not-prod', labels: {}, want: false },
    { case: 'invalid nameMatches admits nobody', c: { nameMatches: '(' }, ns: 'x', labels: {}, want: false },
    { case: 'hasLabels with value', c: { hasLabels: [{ name: 'team', value: 'a' }] }, ns: 'x', labels: { team: 'a' }, want: true },
    { case: 'hasLabels, wrong value', c: { hasLabels: [{ name: 'team', value: 'a' }] }, ns: 'x', labels: { team: 'b' }, want: false },
    { case: 'hasLabels, name only', c: { hasLabels: [{ name: 'team' }] }, ns: 'x', labels: { team: 'b' }, want: true },
  ])('namespaceAllowed: $case', ({ c, ns, labels, want }) => {
    expect(namespaceAllowed(c, ns, labels as Record<string, string>)).toBe(want);
  });
});

describe('what a tenant sees of a host', () => {
  const host = (extra: Record<string, unknown>) => ({ metadata: { name: 'h', namespace: 'n' }, spec: { online: true, bmc: { address: 'redfish+https://bmc-7.example:8443/redfish/v1/Systems/1', credentialsName: 'c' } }, status: extra }) as never;

  it('summarises the hardware without serial numbers or MACs', () => {
    // Act
    const summary = hardwareSummaryOf(host({ hardware: {
      cpu: { arch: 'aarch64', count: 64 }, ramMebibytes: 262144,
      storage: [{ sizeBytes: 480_000_000_000, serialNumber: 'S1' }, { sizeBytes: 1_920_000_000_000, serialNumber: 'S2' }],
      nics: [{ mac: 'aa:bb:cc:dd:ee:ff', ip: '198.51.100.4' }, { mac: 'aa:bb:cc:dd:ee:00' }],
      systemVendor: { manufacturer: 'Acme', productName: 'X1', serialNumber: 'SN-123' }, hostname: 'node-7',
    } }));
    // Assess
    expect(summary).toEqual({ cpuArch: 'aarch64', cpuCount: 64, ramMebibytes: 262144, storageGigabytes: 2400, nicCount: 2, manufacturer: 'Acme', productName: 'X1' });
    expect(addressesOf(host({ hardware: { nics: [{ ip: '198.51.100.4' }, { ip: '198.51.100.4' }, {}], hostname: 'node-7' } })))
      .toEqual([{ type: 'InternalIP', address: '198.51.100.4' }, { type: 'Hostname', address: 'node-7' }]);
    expect(hardwareSummaryOf(host({}))).toBeUndefined();
  });

  it('replaces the BMC address and its host name in messages', () => {
    expect(forTenant('failed on redfish+https://bmc-7.example:8443/redfish/v1/Systems/1 (bmc-7.example)', host({}))).toBe('failed on [BMC] ([BMC])');
  });
});
