"""Confine ironic-python-agent to the loop disks of its simulated machine.

Installed at interpreter start (a .pth file in the bed's IPA venv), before any IPA code runs:

* every command IPA runs (oslo processutils.execute, which IPA's utils.execute calls) is refused
  when it names a /dev path other than the machine's disks, their partitions and the harmless
  character devices, when it is one of the programs that act on the host itself (power, firmware
  boot entries, clock, kernel modules, RAID/multipath assembly), or when it goes through a shell;
* Python-level opens of /dev paths are refused the same way (IPA streams raw images with open()).

The machine's disks come from METAL3_BED_DISKS (comma-separated /dev/loopN); unset means none.
A refused command raises ProcessExecutionError, so IPA reports it like any failed command.
"""
import builtins
import os
import re
import stat

ENV = 'METAL3_BED_DISKS'
HARMLESS_DEVICES = frozenset({'/dev/null', '/dev/zero', '/dev/urandom', '/dev/random', '/dev/stdin', '/dev/stdout', '/dev/stderr', '/dev/fd'})
# programs that would act on the host rather than on the machine's disks
REFUSED_PROGRAMS = frozenset({
    'poweroff', 'reboot', 'shutdown', 'halt', 'systemctl', 'efibootmgr', 'grub-install', 'grub2-install',
    'hwclock', 'ntpdate', 'chronyd', 'chronyc', 'modprobe', 'mdadm', 'multipath', 'multipathd', 'mpathconf',
    'iscsistart', 'ipmitool', 'nvme', 'hdparm', 'smartctl', 'blkdiscard', 'mstflint', 'mstconfig', 'mstfwreset',
    'chroot', 'mount', 'umount',
})
_DEV_PATH = re.compile(r'/dev/[A-Za-z0-9_./:+-]+')


def allowed_disks():
    return tuple(d for d in (x.strip() for x in os.environ.get(ENV, '').split(',')) if re.fullmatch(r'/dev/loop\d+', d))


def is_allowed_device(path, disks=None):
    """True for the machine's disks, their partitions (/dev/loopNpM) and harmless character devices."""
    disks = allowed_disks() if disks is None else disks
    path = os.path.normpath(path)
    if path in HARMLESS_DEVICES or path.startswith('/dev/fd/'):
        return True
    if not any(path == d or re.fullmatch(re.escape(d) + r'p\d+', path) for d in disks):
        return False
    # only the block device itself: never a regular file of that name created in /dev
    try:
        return stat.S_ISBLK(os.stat(path).st_mode)
    except OSError:
        return False


def refusal(argv, shell=False):
    """Why this command must not run, or None."""
    if shell:
        return 'commands through a shell are not allowed on a simulated machine'
    if not argv:
        return None
    program = os.path.basename(str(argv[0]).split()[0])
    if program in REFUSED_PROGRAMS:
        return f'{program} acts on the host, not on the simulated machine'
    for arg in argv:
        for path in _DEV_PATH.findall(str(arg)):
            if path.startswith('/dev/disk/') or not is_allowed_device(path):
                return f'{path} is not a disk of this simulated machine'
    return None


def install():
    from oslo_concurrency import processutils

    original_execute = processutils.execute
    if getattr(original_execute, '_metal3_bed_guard', False):
        return

    def guarded_execute(*cmd, **kwargs):
        argv = [str(c) for c in cmd]
        reason = refusal(argv, bool(kwargs.get('shell')))
        if reason:
            raise processutils.ProcessExecutionError(
                stdout='', stderr=f'refused by the test bed: {reason}', exit_code=126, cmd=' '.join(argv),
                description=f'refused by the test bed: {reason}')
        return original_execute(*cmd, **kwargs)

    guarded_execute._metal3_bed_guard = True
    processutils.execute = guarded_execute

    original_open = builtins.open

    def guarded_open(file, *args, **kwargs):
        if isinstance(file, (str, bytes, os.PathLike)):
            path = os.fsdecode(file)
            if path.startswith('/dev/') and not is_allowed_device(path):
                raise PermissionError(f'refused by the test bed: {path} is not a disk of this simulated machine')
        return original_open(file, *args, **kwargs)

    builtins.open = guarded_open
