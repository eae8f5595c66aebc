"""The hardware manager that makes IPA see only its simulated machine's loop disks.

It outranks the generic manager (SERVICE_PROVIDER), so every dispatched call lands here first,
and it replaces IPA's own device listing, which the generic manager and the image extension also
call, with one filtered to METAL3_BED_DISKS. guard.py refuses anything else that names a device.
"""
import json
import os

from ironic_python_agent import errors
from ironic_python_agent import hardware

from metal3_bed_machine import guard

guard.install()

_list_all_block_devices = hardware.list_all_block_devices


def _machine_block_devices(block_type='disk', *args, **kwargs):
    # the machine's disks are loop devices, which lsblk reports as type "loop", not "disk"
    types = [block_type] if isinstance(block_type, str) else list(block_type)
    if 'disk' in types and 'loop' not in types:
        types.append('loop')
    disks = guard.allowed_disks()
    return [d for d in _list_all_block_devices(types, *args, **kwargs) if guard.is_allowed_device(d.name, disks)]


hardware.list_all_block_devices = _machine_block_devices


class BedMachineHardwareManager(hardware.GenericHardwareManager):
    HARDWARE_MANAGER_NAME = 'metal3_bed_machine'
    HARDWARE_MANAGER_VERSION = '1.0'

    def evaluate_hardware_support(self):
        return hardware.HardwareSupport.SERVICE_PROVIDER

    def initialize(self):
        # the generic initialize assembles RAID, loads kernel modules and enables multipath on
        # whatever it runs on: here that is the host, so only wait for the machine's disks
        self.wait_for_disks()

    def list_block_devices(self, include_partitions=False, all_serial_and_wwn=False):
        return [d for d in super().list_block_devices(include_partitions, all_serial_and_wwn) if guard.is_allowed_device(d.name)]

    def list_network_interfaces(self):
        # the machine's NICs are veth ends in its network namespace: virtual devices without the
        # /sys/class/net/<name>/device link IPA looks for on physical NICs
        interfaces = []
        for name in sorted(os.listdir('/sys/class/net')):
            if name == 'lo':
                continue
            try:
                interfaces.append(self.get_interface_info(name))
            except errors.IncompatibleHardwareMethodError:
                continue
        return interfaces

    def get_bmc_address(self):
        return '0.0.0.0'

    def get_bmc_v6address(self):
        return '::/0'

    def get_bmc_mac(self):
        return None

    # A custom deploy step, as a site's own ramdisk would ship one (BareMetalHost spec.customDeploy):
    # priority 0, so it runs only when a deploy asks for it by name. It writes a record of what it
    # was given at the start of the machine's root disk (root device hints apply), so a test can
    # read back that the step ran, on which node, with which image.
    def get_deploy_steps(self, node, ports):
        return super().get_deploy_steps(node, ports) + [{
            'step': CUSTOM_DEPLOY_STEP, 'priority': 0, 'interface': 'deploy', 'reboot_requested': False, 'argsinfo': {},
        }]

    def write_bed_marker(self, node, ports, **kwargs):
        device = self.get_os_install_device()
        record = {'step': CUSTOM_DEPLOY_STEP, 'node': node.get('uuid'), 'image_source': (node.get('instance_info') or {}).get('image_source')}
        with open(device, 'r+b') as disk:
            disk.write(CUSTOM_DEPLOY_MARKER + json.dumps(record).encode() + b'\n')
            disk.flush()
            os.fsync(disk.fileno())


CUSTOM_DEPLOY_STEP = 'write_bed_marker'
CUSTOM_DEPLOY_MARKER = b'METAL3-BED-CUSTOM-DEPLOY '

