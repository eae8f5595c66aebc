/**
 * @module handler/actions: every side effect a decision can ask for, and the
 * one imperative `perform()` that carries it out. Each action is one call.
 * Action bodies may hold secrets (BMC passwords, config drives): `describe()`
 * is the only thing ever logged.
 */
import type { BmcClientFactory } from '../bmc/factory.ts';
import type { PowerAction } from '../bmc/types.ts';
import type { CreateNodeRequest, IronicClient, IronicNode, JsonPatchOp, PowerTarget, ProvisionStateExtras, ProvisionTarget } from '../ironic/types.ts';
import type { HostStore, StoredHost } from '../k8s/host-store.ts';
import type { FirmwareSchemaSpec, HostFirmwareComponentsStatus, HostFirmwareSettingsStatus } from '../api/firmware.ts';

export type Action =
  | { do: 'createNode'; body: CreateNodeRequest }
  | { do: 'patchNode'; node: string; ops: readonly JsonPatchOp[]; why: string }
  | { do: 'createPort'; node: string; address: string }
  | { do: 'deletePort'; port: string }
  | { do: 'provision'; node: string; target: ProvisionTarget; extras?: ProvisionStateExtras }
  | { do: 'power'; node: string; target: PowerTarget }
  | { do: 'maintenance'; node: string; on: boolean; reason?: string }
  | { do: 'deleteNode'; node: string }
  | { do: 'setFinalizers'; finalizers: readonly string[] }
  | { do: 'setAnnotations'; annotations: Readonly<Record<string, string | undefined>> }
  /** status fields written before the next action (resourceVersion-checked: a concurrent duplicate loses and re-reads) */
  | { do: 'recordStatus'; changes: Readonly<Record<string, unknown>>; why: string }
  | { do: 'hardwareData'; hardware: Record<string, unknown> }
  /** the shared FirmwareSchema (created once per registry) and the host's HostFirmwareSettings status */
  | { do: 'firmwareSettings'; schema: { namespace: string; name: string; spec: FirmwareSchemaSpec }; status: HostFirmwareSettingsStatus }
  /** the host's HostFirmwareComponents status (created, with no updates, when missing) */
  | { do: 'firmwareComponents'; status: HostFirmwareComponentsStatus }
  /** a Kubernetes Event about the host (e.g. desired settings the schema refuses) */
  | { do: 'recordEvent'; type: 'Normal' | 'Warning'; reason: string; note: string }
  /** Ironic's target_raid_config, which the next raid.create_configuration clean step builds */
  | { do: 'targetRaidConfig'; node: string; logicalDisks: readonly Record<string, unknown>[] }
  /** direct BMC power, for hosts without an Ironic node */
  | { do: 'bmcPower'; address: string; credentialsSecret: string; action: PowerAction; disableCertificateVerification?: boolean };

/** `provide` for a manageable node, its automated_clean first brought in line with spec.automatedCleaningMode. */
export function provideActions(host: StoredHost, node: IronicNode): Action[] {
  const wantClean = host.spec.automatedCleaningMode !== 'disabled';
  return [
    ...((node.automated_clean ?? null) !== wantClean
      ? [{ do: 'patchNode', node: node.uuid, why: 'sync automated_clean', ops: [{ op: 'replace', path: '/automated_clean', value: wantClean }] } as const]
      : []),
    { do: 'provision', node: node.uuid, target: 'provide' },
  ];
}

/** A log-safe one-liner: never bodies, driver_info or config drives. */
export function describe(a: Action): string {
  switch (a.do) {
    case 'createNode': return `create Ironic node ${a.body.name} (driver ${a.body.driver})`;
    case 'patchNode': return `patch Ironic node ${a.node} (${a.why})`;
    case 'createPort': return `create port ${a.address} on node ${a.node}`;
    case 'deletePort': return `delete port ${a.port}`;
    case 'provision': return `provision node ${a.node} → ${a.target}`;
    case 'power': return `power node ${a.node} → ${a.target}`;
    case 'maintenance': return `maintenance ${a.on ? 'on' : 'off'} for node ${a.node}`;
    case 'deleteNode': return `delete Ironic node ${a.node}`;
    case 'setFinalizers': return `set finalizers [${a.finalizers.join(', ')}]`;
    case 'setAnnotations': return `set annotations ${Object.keys(a.annotations).join(', ')}`;
    case 'recordStatus': return `record ${a.why} in status`;
    case 'hardwareData': return 'write HardwareData';
    case 'firmwareSettings': return `write HostFirmwareSettings status (schema ${a.schema.name})`;
    case 'firmwareComponents': return 'write HostFirmwareComponents status';
    case 'recordEvent': return `record Event ${a.reason}`;
    case 'bmcPower': return `BMC power ${a.action}`;
    case 'targetRaidConfig': return `set target RAID config of node ${a.node} (${a.logicalDisks.length} logical disks)`;
  }
}

export interface PerformDeps {
  hosts: HostStore;
  ironic: IronicClient;
  bmc?: BmcClientFactory | undefined;
}

/** Performs one action; returns the host as it is after a Kubernetes write (else unchanged). */
export async function perform(action: Action, host: StoredHost, deps: PerformDeps): Promise<StoredHost> {
  switch (action.do) {
    case 'createNode': await deps.ironic.createNode(action.body); return host;
    case 'patchNode': await deps.ironic.patchNode(action.node, action.ops); return host;
    case 'createPort': await deps.ironic.createPort({ node_uuid: action.node, address: action.address, pxe_enabled: true }); return host;
    case 'deletePort': await deps.ironic.deletePort(action.port); return host;
    case 'provision': await deps.ironic.setProvisionState(action.node, action.target, action.extras); return host;
    case 'power': await deps.ironic.setPowerState(action.node, action.target); return host;
    case 'maintenance': await deps.ironic.setMaintenance(action.node, action.on, action.reason); return host;
    case 'deleteNode': await deps.ironic.deleteNode(action.node); return host;
    case 'targetRaidConfig': await deps.ironic.setTargetRaidConfig(action.node, { logical_disks: action.logicalDisks }); return host;
    case 'setFinalizers': return deps.hosts.setFinalizers(host, action.finalizers);
    case 'setAnnotations': return deps.hosts.setAnnotations(host, action.annotations);
    case 'recordStatus': return deps.hosts.replaceStatus(host, { ...(host.status ?? {}), ...action.changes } as NonNullable<StoredHost['status']>);
    case 'hardwareData': await deps.hosts.upsertHardwareData(host, action.hardware); return host;
    case 'firmwareSettings':
      await deps.hosts.ensureFirmwareSchema(action.schema.namespace, action.schema.name, action.schema.spec);
      await deps.hosts.writeFirmwareSettingsStatus(host, action.status);
      return host;
    case 'firmwareComponents': await deps.hosts.writeFirmwareComponentsStatus(host, action.status); return host;
    case 'recordEvent': await deps.hosts.recordEvent(host, { type: action.type, reason: action.reason, action: 'Prepare', note: action.note }); return host;
    case 'bmcPower': {
      if (!deps.bmc) throw new Error('no BMC client factory configured for direct power');
      const client = await deps.bmc.forHost(host, action.address, action.credentialsSecret, { disableCertificateVerification: action.disableCertificateVerification });
      await client.setPower(action.action);
      return host;
    }
  }
}
