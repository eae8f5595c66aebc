/**
 * @module ironic/client: the HTTP implementation of `IronicClient` (ky 2).
 *
 * @example
 * const ironic = createIronicClient({ url: process.env.IRONIC_URL });
 * const node = await ironic.getNode('metal3~host-0', ['uuid', 'provision_state']);
 */
import { IronicRequestError } from '../errors.ts';
import { createIronicHttp, type IronicCall, type IronicHttpOptions } from './http.ts';
import { negotiateMicroversion, IRONIC_MAX_MICROVERSION, IRONIC_MIN_MICROVERSION } from './microversion.ts';
import {
  IronicBiosListSchema, IronicFirmwareListSchema, IronicInventorySchema, IronicNodeFieldsSchema, IronicNodeListSchema, IronicNodeSchema, IronicPortListSchema, IronicPortSchema,
  IronicRootSchema, IronicValidationSchema,
} from './node-schema.ts';
import * as z from 'zod';
import type {
  CreateNodeRequest, IronicBiosSetting, IronicClient, IronicFirmwareComponent, IronicNode, IronicPort, JsonPatchOp, PowerTarget, ProvisionStateExtras,
  ProvisionTarget, ValidationResult,
} from './types.ts';

export type { IronicRequestInfo } from './http.ts';

export interface IronicClientOptions extends IronicHttpOptions {
  /**
   * `'negotiate'`: read `GET /` once and speak the server's newest version up to
   * IRONIC_MAX_MICROVERSION. Or a fixed version such as `'1.82'`.
   */
  microversion?: 'negotiate' | `${number}.${number}`;
}

/** Ironic's page size cap (`[api] max_limit`) is 1000; a loop guard far above any real fleet. */
const MAX_PAGES = 10_000;

export function createIronicClient({ microversion = 'negotiate', ...httpOptions }: IronicClientOptions): IronicClient {
  const http = createIronicHttp(httpOptions);
  let negotiated: Promise<string> | undefined;

  /** The microversion for every request: fixed, or negotiated once and cached (a failure is retried next call). */
  function versionToSpeak(): Promise<string> {
    if (microversion !== 'negotiate') return Promise.resolve(microversion);
    negotiated ??= negotiate().catch((err: unknown) => {
      negotiated = undefined;
      throw err;
    });
    return negotiated;
  }

  async function negotiate(): Promise<string> {
    const range = await versions();
    const chosen = negotiateMicroversion(range);
    if (chosen === undefined) {
      throw new IronicRequestError(
        `Ironic at ${http.baseUrl} supports API ${range.min}–${range.max}; this client needs ${IRONIC_MIN_MICROVERSION}–${IRONIC_MAX_MICROVERSION}`,
        406,
        { context: { operation: 'GET /' } },
      );
    }
    return chosen;
  }

  async function call(c: Omit<IronicCall, 'microversion'>) {
    return http.send({ ...c, microversion: await versionToSpeak() });
  }

  async function callJson<T>(c: Omit<IronicCall, 'microversion'>, schema: z.ZodType<T>): Promise<T | null> {
    const answer = await call(c);
    if (answer === 'not-found') return null;
    return http.parse(`${c.method} ${c.path}`, answer.text, schema);
  }

  async function callOk(c: Omit<IronicCall, 'microversion'>): Promise<void> {
    await call(c);
  }

  const nodePath = (id: string): string => `/v1/nodes/${encodeURIComponent(id)}`;
  /** Ironic omits unrequested fields, `uuid` included; we always need it. */
  const withUuid = (fields: readonly string[]): string => [...new Set(['uuid', ...fields])].join(',');

  /**
   * GET a collection and every further page. Ironic's `next` link is followed by its
   * marker only: Ironic builds it from its own public URL, which a proxy in between
   * (or a path prefix) would not match.
   */
  async function collectPages<P extends { next?: string | undefined }, T>(
    path: string, params: Record<string, string>, schema: z.ZodType<P>, itemsOf: (page: P) => T[],
  ): Promise<T[]> {
    const items: T[] = [];
    let marker: string | undefined;
    for (let n = 0; n < MAX_PAGES; n++) {
      const page = await callJson({ method: 'GET', path, searchParams: marker ? { ...params, marker } : params }, schema);
      if (page === null) break;
      items.push(...itemsOf(page));
      const next = page.next ? new URL(page.next, http.baseUrl).searchParams.get('marker') ?? undefined : undefined;
      if (next === undefined || next === marker) break;
      marker = next;
    }
    return items;
  }

  async function versions(): Promise<{ min: string; max: string }> {
    const answer = await http.send({ method: 'GET', path: '/' });
    if (answer === 'not-found') throw new IronicRequestError('GET / failed: 404', 404);
    const root = http.parse('GET /', answer.text, IronicRootSchema);
    const v1 = root.default_version ?? root.versions?.find((v) => v.id === 'v1');
    if (!v1) throw new IronicRequestError(`GET / failed: ${http.baseUrl} names no v1 API version`, 200);
    return { min: v1.min_version, max: v1.version };
  }

  return {
    versions,

    async getNode(idOrName, fields) {
      const node = await callJson(
        { method: 'GET', path: nodePath(idOrName), allowNotFound: true, searchParams: fields ? { fields: withUuid(fields) } : undefined },
        fields ? IronicNodeFieldsSchema : IronicNodeSchema,
      );
      return node as IronicNode | null;
    },

    async listNodes({ fields, limit } = {}) {
      const schema = z.looseObject({ nodes: z.array(fields ? IronicNodeFieldsSchema : IronicNodeSchema), next: z.string().optional() });
      const params: Record<string, string> = fields ? { fields: withUuid(fields) } : { detail: 'True' };
      if (limit !== undefined) params.limit = String(limit);
      return (await collectPages('/v1/nodes', params, schema, (page) => page.nodes)) as IronicNode[];
    },

    async lastWrittenNode(fields) {
      const page = await callJson(
        { method: 'GET', path: '/v1/nodes', searchParams: { fields: withUuid(fields), limit: '1', sort_key: 'updated_at', sort_dir: 'desc' } },
        IronicNodeListSchema,
      );
      return (page?.nodes[0] as IronicNode | undefined) ?? null;
    },

    async createNode(body: CreateNodeRequest) {
      return (await callJson({ method: 'POST', path: '/v1/nodes', json: body }, IronicNodeSchema)) as IronicNode;
    },

    async patchNode(id: string, ops: readonly JsonPatchOp[]) {
      return (await callJson({ method: 'PATCH', path: nodePath(id), json: ops }, IronicNodeSchema)) as IronicNode;
    },

    async deleteNode(id) {
      await callOk({ method: 'DELETE', path: nodePath(id), allowNotFound: true });
    },

    async setProvisionState(id: string, target: ProvisionTarget, extras: ProvisionStateExtras = {}) {
      const json = { target, ...definedOnly(extras) };
      await callOk({ method: 'PUT', path: `${nodePath(id)}/states/provision`, json });
    },

    async setPowerState(id: string, target: PowerTarget, timeoutSeconds?: number) {
      const json = timeoutSeconds === undefined ? { target } : { target, timeout: timeoutSeconds };
      await callOk({ method: 'PUT', path: `${nodePath(id)}/states/power`, json });
    },

    async setMaintenance(id, on, reason) {
      if (on) await callOk({ method: 'PUT', path: `${nodePath(id)}/maintenance`, json: reason === undefined ? {} : { reason } });
      else await callOk({ method: 'DELETE', path: `${nodePath(id)}/maintenance` });
    },

    async createPort(port): Promise<IronicPort> {
      return (await callJson({ method: 'POST', path: '/v1/ports', json: port }, IronicPortSchema)) as IronicPort;
    },

    async listPorts({ node, address }) {
      const params: Record<string, string> = { fields: 'uuid,address,node_uuid,pxe_enabled' };
      if (node !== undefined) params.node = node;
      if (address !== undefined) params.address = address;
      return collectPages('/v1/ports', params, IronicPortListSchema, (page) => page.ports);
    },

    async deletePort(uuid) {
      // a port already gone is success, like deleteNode
      await callOk({ method: 'DELETE', path: `/v1/ports/${encodeURIComponent(uuid)}`, allowNotFound: true });
    },

    async getInventory(id) {
      return callJson({ method: 'GET', path: `${nodePath(id)}/inventory`, allowNotFound: true }, IronicInventorySchema);
    },

    async getBiosSettings(id): Promise<IronicBiosSetting[]> {
      const page = await callJson({ method: 'GET', path: `${nodePath(id)}/bios`, searchParams: { detail: 'True' } }, IronicBiosListSchema);
      return (page?.bios ?? []) as IronicBiosSetting[];
    },

    async getFirmwareComponents(id): Promise<IronicFirmwareComponent[]> {
      const page = await callJson({ method: 'GET', path: `${nodePath(id)}/firmware` }, IronicFirmwareListSchema);
      return (page?.firmware ?? []) as IronicFirmwareComponent[];
    },

    async validate(id): Promise<ValidationResult> {
      return (await callJson({ method: 'GET', path: `${nodePath(id)}/validate` }, IronicValidationSchema)) as ValidationResult;
    },

    async setTargetRaidConfig(id, config) {
      await callOk({ method: 'PUT', path: `${nodePath(id)}/states/raid`, json: config });
    },

    async setBootDevice(id, device, persistent = false) {
      await callOk({ method: 'PUT', path: `${nodePath(id)}/management/boot_device`, json: { boot_device: device, persistent } });
    },
  };
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
