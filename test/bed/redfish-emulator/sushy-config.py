"""Drive the emulator's BIOS, firmware update and RAID with sushy, the calls Ironic's redfish
bios, firmware and raid interfaces make.

Usage: <python> sushy-config.py <base_url> <system_path> <ca_path|insecure> <step> [args...]
Steps (each prints one JSON object):
  bios-read                      attributes, pending, registry entries, apply times
  bios-set <json attributes>     set_attributes(apply_time=OnReset); prints pending or the error
  bios-reset-defaults            reset_bios()
  bios-status                    the Settings result of the last reset (status and message ids)
  reset <ResetType>              reset_system
  update <image_uri> <target>    simple_update, wait for the task; prints its state and messages
  inventory                      firmware inventory versions
  raid-info                      controller RAID types, drives, volumes, apply-time support
  raid-create <json payload> <Immediate|OnReset>
  raid-delete <volume id> <Immediate|OnReset>
The username and password come from REDFISH_USERNAME / REDFISH_PASSWORD.
"""
import json
import os
import sys

import sushy
from sushy import auth
from sushy import exceptions

base_url, system_path, ca, step = sys.argv[1:5]
args = sys.argv[5:]
verify = False if ca == 'insecure' else ca
root = sushy.Sushy(base_url + '/redfish/v1',
                   auth=auth.SessionAuth(username=os.environ['REDFISH_USERNAME'],
                                         password=os.environ['REDFISH_PASSWORD']),
                   verify=verify)
system = root.get_system(system_path)
out = {}


def error_of(e):
    body = getattr(e, 'body', None) or {}
    infos = body.get('@Message.ExtendedInfo', []) if isinstance(body, dict) else []
    return {'status': getattr(e, 'status_code', None),
            'message_ids': [i.get('MessageId') for i in infos],
            'text': str(e)[:500]}


def attribute_registry(bios):
    # Debian's python3-sushy ships without its packaged standard message registries, so
    # anything that loads sushy's merged registries fails with FileNotFoundError there (Ironic
    # catches it and goes on without a registry); read the service's own registry files then.
    try:
        return bios.get_attribute_registry(), 'bios.get_attribute_registry'
    except FileNotFoundError:
        for f in root._get_registry_collection().get_members():
            if f.registry == bios._attribute_registry:
                return f.get_attribute_registry('en', None), 'MessageRegistryFile.get_attribute_registry'
        return None, 'none'


def apply_time(name):
    return sushy.APPLY_TIME_IMMEDIATE if name == 'Immediate' else sushy.APPLY_TIME_ON_RESET


try:
    if step == 'bios-read':
        bios = system.bios
        registry, out['registry_via'] = attribute_registry(bios)
        out['attributes'] = bios.attributes
        out['pending'] = bios.pending_attributes
        out['supported_apply_times'] = sorted(str(getattr(t, 'value', t)) for t in (bios.supported_apply_times or []))
        out['registry'] = None if registry is None else {
            a.name: {'type': a.attribute_type, 'read_only': a.read_only, 'reset_required': a.reset_required,
                     'lower_bound': a.lower_bound, 'upper_bound': a.upper_bound, 'max_length': a.max_length,
                     'values': [v.get('ValueName') for v in (a.allowable_values or [])]}
            for a in registry.registry_entries.attributes}
    elif step == 'bios-set':
        bios = system.bios
        bios.set_attributes(json.loads(args[0]), apply_time=sushy.APPLY_TIME_ON_RESET)
        bios.refresh()
        out['pending'] = bios.pending_attributes
    elif step == 'bios-reset-defaults':
        system.bios.reset_bios()
        bios = system.bios
        bios.refresh()
        out['pending'] = bios.pending_attributes
    elif step == 'bios-status':
        bios = system.bios
        try:
            update = bios.update_status
            out['status'] = str(getattr(update.status, 'value', update.status))
            out['message_ids'] = [m.message_id for m in (update.messages or [])]
        except FileNotFoundError:
            # as above: sushy's status rule (any Critical message is a failure) on the raw messages
            messages = bios._settings.messages or []
            critical = any(str(getattr(m.severity, 'value', m.severity)).lower() == 'critical' for m in messages)
            out['status'] = 'failure' if critical else 'success'
            out['message_ids'] = [m.message_id for m in messages]
    elif step == 'reset':
        system.reset_system(sushy.ResetType(args[0]))
        system.refresh()
        out['power'] = str(system.power_state.value)
    elif step == 'update':
        service = root.get_update_service()
        monitor = service.simple_update(args[0], targets=[args[1]], transfer_protocol='HTTP')
        monitor.wait(60)
        task = monitor.get_task()
        out['task_state'] = str(getattr(task.task_state, 'value', task.task_state))
        out['task_status'] = str(getattr(task.task_status, 'value', task.task_status))
        out['messages'] = [m.message for m in (task.messages or [])]
    elif step == 'inventory':
        inventory = root.get_update_service().firmware_inventory
        out['versions'] = {m.identity: m.version for m in inventory.get_members()}
    elif step == 'raid-info':
        storage = system.storage.get_members()[0]
        out['raid_types'] = sorted(str(getattr(t, 'value', t)) for c in storage.storage_controllers for t in c.raid_types)
        out['drives'] = sorted(d.identity for d in storage.drives)
        volumes = storage.volumes
        support = volumes.operation_apply_time_support
        out['apply_times'] = sorted(str(getattr(t, 'value', t)) for t in (support.supported_values if support else []))
        out['volumes'] = [{'id': v.identity, 'raid': str(getattr(v.raid_type, 'value', v.raid_type)), 'bytes': v.capacity_bytes}
                          for v in volumes.get_members()]
    elif step == 'raid-create':
        volumes = system.storage.get_members()[0].volumes
        result = volumes.create(json.loads(args[0]), apply_time=apply_time(args[1]))
        if hasattr(result, 'identity'):
            out['created'] = {'id': result.identity, 'raid': str(getattr(result.raid_type, 'value', result.raid_type)), 'bytes': result.capacity_bytes}
        else:
            out['task_monitor'] = result.task_monitor_uri
    elif step == 'raid-delete':
        volumes = system.storage.get_members()[0].volumes
        result = volumes.get_member(volumes.path + '/' + args[0]).delete(apply_time=apply_time(args[1]))
        out['task_monitor'] = None if result is None else result.task_monitor_uri
    else:
        raise SystemExit('unknown step ' + step)
except exceptions.HTTPError as e:
    out['error'] = error_of(e)

root._auth.close()
root._auth = None
print(json.dumps(out, default=str))
