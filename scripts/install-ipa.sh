#!/usr/bin/env bash
# Install ironic-python-agent (IPA) from PyPI, plus the bed's hardware manager, into a cached venv
# outside the repo, idempotently. The simulated machines of the test bed (test/bed/agent-machine)
# run this IPA inside their network namespaces.
#   scripts/install-ipa.sh            # prints the venv path on stdout
# The venv counts as installed only once IPA and our hardware manager import (a `.complete` marker
# written last). A changed constraints file or hardware manager rebuilds it.
# Debian's /usr/bin/python3 (3.11) on purpose, as for Ironic (scripts/install-ironic.sh).
set -euo pipefail

IPA_VERSION="${IPA_VERSION:-13.0.0}"
here="$(cd "$(dirname "$0")/.." && pwd)"
src="$here/test/bed/agent-machine/ipa"
constraints="$src/constraints.txt"
cache="${METAL3_CACHE_DIR:-/var/cache/metal3-functions}"
dest="$cache/ipa-$IPA_VERSION"
python="${IPA_PYTHON:-/usr/bin/python3}"
# what the venv was built from: the pins and our hardware manager's sources
fingerprint() { cat "$constraints" "$src"/bed-hardware-manager/entry_points.txt "$src"/bed-hardware-manager/metal3_bed_machine/*.py | sha256sum | cut -d' ' -f1; }

ready() { [ -x "$dest/venv/bin/ironic-python-agent" ] && [ -f "$dest/.complete" ] && [ "$(cat "$dest/.complete")" = "$(fingerprint)" ]; }
if ready; then echo "$dest/venv"; exit 0; fi

if ! "$python" -c 'import ensurepip, venv' 2>/dev/null; then
  echo "install-ipa: $python has no venv/ensurepip: apt-get install -y --no-install-recommends python3-venv" >&2
  exit 1
fi

mkdir -p "$cache"
exec 9>"$cache/.ipa-$IPA_VERSION.lock"
flock 9
if ready; then echo "$dest/venv"; exit 0; fi
start=$(date +%s)
rm -rf "$dest"
mkdir -p "$dest"
"$python" -m venv "$dest/venv" >&2
"$dest/venv/bin/pip" install --quiet --disable-pip-version-check --no-input \
  -c "$constraints" "ironic-python-agent==$IPA_VERSION" >&2
# our hardware manager: copied from the repo with a minimal dist-info declaring its entry point
# (no build tools, no downloads)
site="$("$dest/venv/bin/python3" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
cp -r "$src/bed-hardware-manager/metal3_bed_machine" "$site/"
mkdir -p "$site/metal3_bed_machine-1.0.0.dist-info"
printf 'Metadata-Version: 2.1\nName: metal3-bed-machine\nVersion: 1.0.0\nSummary: IPA hardware manager of the metal3-functions test bed\n' \
  > "$site/metal3_bed_machine-1.0.0.dist-info/METADATA"
cp "$src/bed-hardware-manager/entry_points.txt" "$site/metal3_bed_machine-1.0.0.dist-info/"
# the guard is armed at interpreter start, before any IPA code runs
echo 'import metal3_bed_machine.guard as _g; _g.install()' > "$site/metal3_bed_machine_guard.pth"
"$dest/venv/bin/python3" -c '
import builtins, importlib.metadata as md
from oslo_concurrency import processutils
assert getattr(processutils.execute, "_metal3_bed_guard", False), "guard not armed"
names = [e.name for e in md.entry_points(group="ironic_python_agent.hardware_managers")]
assert "metal3_bed_machine" in names, names
import ironic_python_agent.config  # registers the options hardware.py reads at import
import metal3_bed_machine.manager
' >&2
fingerprint > "$dest/.complete"
echo "install-ipa: ironic-python-agent $IPA_VERSION ready in $(( $(date +%s) - start )) s at $dest/venv" >&2
echo "$dest/venv"
