/**
 * @module events/attributes: our CloudEvent extension attributes. Names follow
 * the CloudEvents rule (lowercase a-z0-9, ≤ 20 characters, enforced by the SDK).
 */

export const Extension = {
  /** BareMetalHost metadata.uid */
  hostUid: 'bmhuid',
  /** BareMetalHost metadata.generation at emission */
  hostGeneration: 'bmhgeneration',
  /** BareMetalHost metadata.resourceVersion at emission */
  hostResourceVersion: 'bmhrv',
  /** HostClaim metadata.uid (claim events only, instead of the bmh* attributes) */
  claimUid: 'claimuid',
  /** Kafka-style ordering key: the host uid (the claim uid for claim events) */
  partitionKey: 'partitionkey',
  /** W3C trace context, propagated from trigger to reply */
  traceparent: 'traceparent',
} as const;

export const EXTENSION_NAME = /^[a-z0-9]{1,20}$/;

/** W3C traceparent: version-traceid-parentid-flags */
export const TRACEPARENT = /^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

/** `<namespace>/<name>` with Kubernetes name rules (DNS subdomain for names, label for namespaces). */
export const SUBJECT = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\/[a-zA-Z0-9]([-a-zA-Z0-9._]{0,251}[a-zA-Z0-9])?$/;
