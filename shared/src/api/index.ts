/** @module api: the metal3.io/v1alpha1 API: schemas, types, vocabulary, CRDs, validation. */
export * from './constants.ts';
export * from './common.ts';
export * from './hardware-details.ts';
export * from './baremetalhost.ts';
export * from './hardwaredata.ts';
export * from './hostclaim.ts';
export * from './firmware.ts';
export * from './crd.ts';
export * from './to-crd-schema.ts';
export * from './validate-host.ts';
export * from './unsupported-fields.ts';
export * from './yaml.ts';
