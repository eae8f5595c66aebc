/** @module kube-api/writes: the write verbs, one file each (create, update/patch, delete). */
export type { WriteResult } from './write-common.ts';
export { createObject } from './write-create.ts';
export { patchObject, updateObject } from './write-update.ts';
export { type DeleteOptions, deleteObject, parseDeleteOptions } from './write-delete.ts';
