/** @module canonical-json: JSON with object keys sorted, so an object read back from the API server (which sorts keys) compares equal to the one we wrote. */
export const canonicalJson = (v: unknown): string => JSON.stringify(v, (_k, x: unknown) =>
  x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => a.localeCompare(b))) : x);
