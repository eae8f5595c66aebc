/**
 * @module ironic/microversion: comparing and negotiating Ironic API microversions.
 */

/** Oldest microversion we can work with: 1.81 added `GET /v1/nodes/{id}/inventory`. */
export const IRONIC_MIN_MICROVERSION = '1.81';
/**
 * Newest microversion we have verified against: the maximum of Ironic 39.0.0, the bed's
 * default build (Debian 12's Ironic 21.4, the other supported build, tops out at 1.82 and is
 * spoken to at that). A newer server is spoken to at this version, so its behaviour stays the
 * one we tested.
 */
export const IRONIC_MAX_MICROVERSION = '1.115';

/** Compare `1.9` < `1.10` numerically; negative, zero or positive like a sort comparator. */
export function compareMicroversion(a: string, b: string): number {
  const [aMajor = 0, aMinor = 0] = a.split('.').map(Number);
  const [bMajor = 0, bMinor = 0] = b.split('.').map(Number);
  return aMajor - bMajor || aMinor - bMinor;
}

/**
 * The version to speak: the server's max, capped at ours; `undefined` when the ranges
 * do not overlap (server too old for us, or its minimum above our maximum).
 */
export function negotiateMicroversion(
  server: { min: string; max: string },
  ours: { min: string; max: string } = { min: IRONIC_MIN_MICROVERSION, max: IRONIC_MAX_MICROVERSION },
): string | undefined {
  const chosen = compareMicroversion(server.max, ours.max) < 0 ? server.max : ours.max;
  if (compareMicroversion(chosen, ours.min) < 0 || compareMicroversion(chosen, server.min) < 0) return undefined;
  return chosen;
}
