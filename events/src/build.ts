/**
 * @module events/build: the one place our CloudEvents are made.
 *
 * Ids are deterministic: the same host change observed twice (watch and
 * resync, or two watcher replicas) yields the same `id`, so consumers may
 * treat equal (source, id) as duplicates (CloudEvents spec §id).
 */
import { createHash, randomBytes } from 'node:crypto';
import { CloudEvent } from 'cloudevents';
import type { HostView } from '../../shared/src/state-machine/host-view.ts';
import type { TransitionName } from '../../shared/src/state-machine/states.ts';
import type { IronicNode } from '../../shared/src/ironic/types.ts';
import { Extension } from './attributes.ts';
import type { ClaimRequestedData, EmitReason, RequestedData } from './schemas.ts';
import { ClaimEventType, EventType } from './types.ts';

const MAX_LAST_ERROR = 2048;

/** What of an Ironic node goes into an event: progress only, nothing from driver_info. */
export function observeIronicNode(node: IronicNode, abandonedSince?: string): NonNullable<RequestedData['observed']['ironic']> {
  return {
    ...(abandonedSince !== undefined ? { abandonedSince } : {}),
    uuid: node.uuid,
    provisionState: node.provision_state,
    targetProvisionState: node.target_provision_state,
    powerState: node.power_state,
    targetPowerState: node.target_power_state,
    lastError: node.last_error === null ? null : node.last_error.slice(0, MAX_LAST_ERROR),
  };
}

/** The fields whose change makes a new event; `reason` and time are deliberately left out. */
export function changeFingerprint(host: HostView, transition: TransitionName, ironic?: RequestedData['observed']['ironic'], credentialsVersion?: string, firmwareChange?: boolean): string {
  const material = JSON.stringify([
    host.metadata.uid,
    transition,
    host.metadata.generation ?? 0,
    host.status?.provisioning?.state ?? '',
    host.status?.errorCount ?? 0,
    Boolean(host.metadata.deletionTimestamp),
    ironic ? [ironic.provisionState, ironic.targetProvisionState, ironic.powerState, ironic.targetPowerState, ironic.lastError, ...(ironic.abandonedSince ? [ironic.abandonedSince] : [])] : null,
    // only part of the material when known, so ids of events that carry no credentials stay as they were
    ...(credentialsVersion !== undefined ? [credentialsVersion] : []),
    ...(firmwareChange === true ? ['firmware'] : []),
  ]);
  return createHash('sha256').update(material).digest('hex').slice(0, 20);
}

export interface BuildRequestedOptions {
  host: HostView;
  transition: TransitionName;
  reason: EmitReason;
  source: string;
  ironic?: IronicNode | undefined;
  /** when the sender found `ironic` abandoned by its conductor */
  ironicAbandonedSince?: string | undefined;
  /** resourceVersion of the host's BMC credentials Secret, when the sender tracks it */
  credentialsVersion?: string | undefined;
  /** the sender saw the host's HostFirmwareSettings ask for a change */
  firmwareChange?: boolean | undefined;
  /** propagated from the event that caused this one; a new trace starts otherwise */
  traceparent?: string | undefined;
  now?: () => Date;
}

export function newTraceparent(): string {
  return `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`;
}

export function buildRequestedEvent({
  host, transition, reason, source, ironic, ironicAbandonedSince, credentialsVersion, firmwareChange, traceparent, now = () => new Date(),
}: BuildRequestedOptions): CloudEvent<RequestedData> {
  const uid = host.metadata.uid ?? '';
  const namespace = host.metadata.namespace ?? 'default';
  const observedIronic = ironic ? observeIronicNode(ironic, ironicAbandonedSince) : undefined;
  const data: RequestedData = {
    host: {
      namespace,
      name: host.metadata.name,
      uid,
      generation: host.metadata.generation ?? 0,
      resourceVersion: host.metadata.resourceVersion ?? '',
    },
    observed: {
      provisioningState: host.status?.provisioning?.state ?? '',
      errorCount: host.status?.errorCount ?? 0,
      ...(observedIronic ? { ironic: observedIronic } : {}),
      ...(credentialsVersion !== undefined ? { credentialsVersion } : {}),
      ...(firmwareChange === true ? { firmwareChange: true as const } : {}),
    },
    reason,
  };
  return new CloudEvent<RequestedData>({
    specversion: '1.0',
    type: EventType[transition],
    source,
    id: `${uid}.${transition}.${changeFingerprint(host, transition, observedIronic, credentialsVersion, firmwareChange)}`,
    subject: `${namespace}/${host.metadata.name}`,
    time: now().toISOString(),
    datacontenttype: 'application/json',
    data,
    [Extension.hostUid]: uid,
    [Extension.hostGeneration]: host.metadata.generation ?? 0,
    [Extension.hostResourceVersion]: host.metadata.resourceVersion ?? '',
    [Extension.partitionKey]: uid,
    [Extension.traceparent]: traceparent ?? newTraceparent(),
  });
}

export interface BuildClaimRequestedOptions {
  claim: { metadata: { name: string; namespace?: string | undefined; uid?: string | undefined; generation?: number | undefined; resourceVersion?: string | undefined }; status?: { phase?: string | undefined } | undefined };
  reason: EmitReason;
  source: string;
  /** `<namespace>/<name>` of the host whose change caused this event, with what of it changed */
  host?: { ref: string; fingerprint: string } | undefined;
  traceparent?: string | undefined;
  now?: () => Date;
}

/**
 * A `io.metal3.hostclaim.claim.requested` event. Its id is deterministic over the claim's
 * generation, phase and (when a host caused it) that host's fingerprint, so the same change seen
 * twice yields the same id.
 */
export function buildClaimRequestedEvent({ claim, reason, source, host, traceparent, now = () => new Date() }: BuildClaimRequestedOptions): CloudEvent<ClaimRequestedData> {
  const uid = claim.metadata.uid ?? '';
  const namespace = claim.metadata.namespace ?? 'default';
  const phase = claim.status?.phase ?? '';
  const material = JSON.stringify([uid, claim.metadata.generation ?? 0, phase, host?.ref ?? null, host?.fingerprint ?? null]);
  const data: ClaimRequestedData = {
    claim: { namespace, name: claim.metadata.name, uid, generation: claim.metadata.generation ?? 0, resourceVersion: claim.metadata.resourceVersion ?? '' },
    observed: { phase, ...(host ? { host: host.ref } : {}) },
    reason,
  };
  return new CloudEvent<ClaimRequestedData>({
    specversion: '1.0',
    type: ClaimEventType.claim,
    source,
    id: `${uid}.claim.${createHash('sha256').update(material).digest('hex').slice(0, 20)}`,
    subject: `${namespace}/${claim.metadata.name}`,
    time: now().toISOString(),
    datacontenttype: 'application/json',
    data,
    [Extension.claimUid]: uid,
    [Extension.partitionKey]: uid,
    [Extension.traceparent]: traceparent ?? newTraceparent(),
  });
}
