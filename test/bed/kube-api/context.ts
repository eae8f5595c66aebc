/** @module kube-api/context: what request handlers share (registry, store, clock, hooks). */
import { randomUUID } from 'node:crypto';
import type { ResourceRegistry } from './resources.ts';
import type { ObjectStore } from './store.ts';
import type { KubeObject } from './types.ts';

export interface ApiContext {
  registry: ResourceRegistry;
  store: ObjectStore;
  now(): Date;
  uid(): string;
  /** A CRD was created, updated or deleted: (re)register or drop its resource. */
  onCrdChanged(crd: KubeObject, deleted: boolean): void;
  /** A namespace was marked for deletion: the namespace controller's work starts. */
  onNamespaceTerminating(name: string): void;
}

export const defaultIds = { uid: randomUUID };

/** RFC 3339 with whole seconds, like `metav1.Time`. */
export const toRfc3339 = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** Options of a write request (query parameters and patch flags). */
export interface WriteOptions {
  dryRun: boolean;
  fieldValidation: 'Strict' | 'Warn' | 'Ignore' | '';
  fieldManager: string;
  force: boolean;
  /** Collected `Warning` headers. */
  warnings: string[];
}
