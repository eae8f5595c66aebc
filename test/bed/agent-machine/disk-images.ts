/**
 * @module agent-machine/disk-images: small whole-disk images for the agent deploy suites, and
 * reading a machine's disk file back (its GPT and partitions, as sfdisk sees them).
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const MiB = 1024 ** 2;

export interface TestImage {
  raw: Buffer;
  qcow2: Buffer;
  /** the payload written into partition 1 (at PAYLOAD_OFFSET) */
  payload: Buffer;
}

/** Partition 1 starts here (sector 2048) and holds the payload. */
export const PAYLOAD_OFFSET = 1 * MiB;

/** A 16 MiB GPT disk image with one 8 MiB partition full of random bytes, raw and as qcow2. */
export async function makeTestImage(): Promise<TestImage> {
  const dir = await mkdtemp(join(tmpdir(), 'agent-image-'));
  try {
    const rawPath = join(dir, 'disk.raw');
    const payload = randomBytes(8 * MiB);
    await writeFile(rawPath, Buffer.alloc(16 * MiB));
    const sfdisk = run('sfdisk', ['--quiet', rawPath]);
    sfdisk.child.stdin!.end('label: gpt\nstart=2048, size=16384, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4\n');
    await sfdisk;
    const fh = await open(rawPath, 'r+');
    try { await fh.write(payload, 0, payload.length, PAYLOAD_OFFSET); } finally { await fh.close(); }
    await run('qemu-img', ['convert', '-f', 'raw', '-O', 'qcow2', rawPath, join(dir, 'disk.qcow2')]);
    return { raw: await readFile(rawPath), qcow2: await readFile(join(dir, 'disk.qcow2')), payload };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export const digest = (algo: 'md5' | 'sha256' | 'sha512', data: Buffer): string => createHash(algo).update(data).digest('hex');

/** `length` bytes of a (sparse) disk file from `offset`. */
export async function readDisk(file: string, offset: number, length: number): Promise<Buffer> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(length);
    const { bytesRead } = await fh.read(buf, 0, length, offset);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

export interface DiskPartition { start: number; size: number; type?: string; name?: string }

/** The disk's partition table as sfdisk reads it from the file; null when there is none. */
export async function partitionsOf(file: string): Promise<{ label: string; partitions: DiskPartition[] } | null> {
  try {
    const { stdout } = await run('sfdisk', ['--json', file]);
    const table = (JSON.parse(stdout) as { partitiontable: { label: string; partitions?: DiskPartition[] } }).partitiontable;
    return { label: table.label, partitions: table.partitions ?? [] };
  } catch {
    return null;
  }
}
