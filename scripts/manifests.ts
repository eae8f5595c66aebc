/**
 * @module scripts/manifests: `npm run manifests` regenerates everything under
 * manifests/ (CRDs from the zod schemas, the rest from shared/src/manifests)
 * and the per-function func.yaml, package.json and Dockerfile. A test fails
 * when the committed files differ from what this writes.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderManifests } from '../shared/src/manifests/render.ts';
import { CRD_DIR, writeCrds } from './generate-crds.ts';

export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Writes every generated file under `root`; returns the paths written. */
export async function writeManifests(root: string = REPO_ROOT): Promise<string[]> {
  const written = await writeCrds(root === REPO_ROOT ? CRD_DIR : join(root, 'manifests/crds'));
  for (const [rel, content] of Object.entries(renderManifests())) {
    const path = join(root, rel);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, content);
    written.push(path);
  }
  return written;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const paths = await writeManifests(process.argv[2] ?? REPO_ROOT);
  console.log(`wrote ${paths.length} files`);
}
