/**
 * @module events/fixtures: one canonical CloudEvent per catalogue type, in
 * structured-mode JSON (`events/fixtures/<type>.json`). Tests load one and vary
 * it; each call returns a fresh copy.
 *
 * @example
 * const ev = loadFixture(EventType.provision);
 * (ev.data as { reason: string }).reason = 'resync';
 */
import { readFileSync } from 'node:fs';
import type { CatalogueEventType } from './types.ts';

export const FIXTURES_DIR = new URL('../fixtures/', import.meta.url);

export function loadFixture(type: CatalogueEventType): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`${type}.json`, FIXTURES_DIR), 'utf8')) as Record<string, unknown>;
}
