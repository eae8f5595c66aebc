"""Drive the Redfish emulator with Debian's python3-sushy (the library Ironic uses).

Usage: /usr/bin/python3 sushy-drive.py <base_url> <system_path> <ca_path|insecure>
The username and password come from the REDFISH_USERNAME / REDFISH_PASSWORD environment.
Prints one JSON object with what sushy saw at each step.
"""
import json
import os
import sys

import sushy
from sushy import auth

base_url, system_path, ca = sys.argv[1:4]
verify = False if ca == 'insecure' else ca
root = sushy.Sushy(base_url + '/redfish/v1',
                   auth=auth.SessionAuth(username=os.environ['REDFISH_USERNAME'],
                                         password=os.environ['REDFISH_PASSWORD']),
                   verify=verify)
out = {}
system = root.get_system(system_path)
out['identity'] = system.identity
out['power_before'] = str(system.power_state.value)
out['allowed_resets'] = sorted(v.value for v in system.get_allowed_reset_system_values())

system.reset_system(sushy.RESET_ON)
system.set_system_boot_options(sushy.BOOT_SOURCE_TARGET_CD,
                               enabled=sushy.BOOT_SOURCE_ENABLED_CONTINUOUS,
                               mode=sushy.BOOT_SOURCE_MODE_UEFI)
system.refresh()
out['power_after'] = str(system.power_state.value)
out['boot'] = {'target': system.boot.target.value, 'enabled': system.boot.enabled.value,
               'mode': system.boot.mode.value}
cpus, arch = system.processors.summary
out['cpus'] = cpus
out['arch'] = arch.value if arch else None
out['memory_gib'] = system.memory_summary.size_gib
out['macs'] = sorted(m.lower() for m, s in system.ethernet_interfaces.summary.items()
                     if s == sushy.STATE_ENABLED)
out['disk_sizes'] = system.simple_storage.disks_sizes_bytes
out['drive_sizes'] = sorted(system.storage.drives_sizes_bytes)

for manager in system.managers:
    for vm in manager.virtual_media.get_members():
        if sushy.VIRTUAL_MEDIA_CD in vm.media_types:
            vm.insert_media('http://127.0.0.1:9/boot.iso', inserted=True, write_protected=True)
            vm.refresh()
            out['inserted'] = {'image': vm.image, 'inserted': vm.inserted}
            vm.eject_media()
            vm.refresh()
            out['ejected'] = {'image': vm.image, 'inserted': vm.inserted}

root._auth.close()
root._auth = None
print(json.dumps(out))
