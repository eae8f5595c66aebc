/**
 * @module bmc/redfish/virtual-media: find the CD/DVD slot and insert or eject an image.
 *
 * The collection sits under the System (newer) or a Manager from Links.ManagedBy (older
 * iDRAC/iLO). Action targets are used as given (they are not canonical); without actions,
 * PATCH Image/Inserted with If-Match.
 */
import { BmcUnsupportedError } from '../../errors.ts';
import { CollectionSchema, ManagerSchema, VirtualMediaSchema, type RedfishSystem, type RedfishVirtualMedia } from './schemas.ts';
import type { RedfishTransport } from './transport.ts';

export type VirtualMediaKind = 'cd' | 'usb';

const TYPES: Record<VirtualMediaKind, string[]> = { cd: ['CD', 'DVD'], usb: ['USBStick'] };

export interface VirtualMediaSlot { path: string; media: RedfishVirtualMedia; etag?: string }

async function collectionPaths(t: RedfishTransport, system: RedfishSystem): Promise<string[]> {
  if (system.VirtualMedia) return [system.VirtualMedia['@odata.id']];
  const out: string[] = [];
  for (const m of system.Links?.ManagedBy ?? []) {
    const { data } = await t.get(m['@odata.id'], ManagerSchema);
    if (data.VirtualMedia) out.push(data.VirtualMedia['@odata.id']);
  }
  return out;
}

export async function findVirtualMedia(t: RedfishTransport, system: RedfishSystem, kind: VirtualMediaKind): Promise<VirtualMediaSlot> {
  for (const c of await collectionPaths(t, system)) {
    const { data } = await t.get(c, CollectionSchema);
    for (const m of data.Members) {
      const { data: media, etag } = await t.get(m['@odata.id'], VirtualMediaSchema);
      if (media.MediaTypes.some((x) => TYPES[kind].includes(x))) return { path: m['@odata.id'], media, etag };
    }
  }
  throw new BmcUnsupportedError(`virtual media on ${t.host}: no ${kind.toUpperCase()} device found`);
}

export async function ejectMedia(t: RedfishTransport, slot: VirtualMediaSlot): Promise<void> {
  if (!slot.media.Inserted && !slot.media.Image) return;
  const action = slot.media.Actions?.['#VirtualMedia.EjectMedia']?.target;
  if (action) await t.request('POST', action, { json: {} });
  else await t.request('PATCH', slot.path, { json: { Image: null, Inserted: false }, headers: slot.etag ? { 'If-Match': slot.etag } : {} });
}

export async function insertMedia(t: RedfishTransport, slot: VirtualMediaSlot, image: string): Promise<void> {
  const protocol = new URL(image).protocol.replace(':', '').toUpperCase();
  const action = slot.media.Actions?.['#VirtualMedia.InsertMedia']?.target;
  if (action) {
    await t.request('POST', action, { json: { Image: image, Inserted: true, WriteProtected: true, TransferProtocolType: protocol } });
  } else {
    await t.request('PATCH', slot.path, { json: { Image: image, Inserted: true, WriteProtected: true }, headers: slot.etag ? { 'If-Match': slot.etag } : {} });
  }
}
