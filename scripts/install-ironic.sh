#!/usr/bin/env bash
# Install the bed's Ironic from PyPI into a cached venv outside the repo, idempotently.
#   scripts/install-ironic.sh            # prints the venv path on stdout
# The venv counts as installed only once `ironic` imports and `ironic-dbsync` runs (a `.complete`
# marker written last), so an interrupted install never looks finished. A second run is a no-op.
# Debian's /usr/bin/python3 (3.11) is used on purpose: it is what a fresh Debian 12 machine has,
# whereas a `python3` on PATH may be a pyenv build that differs per machine.
# Every dependency is a wheel for CPython 3.11 on x86_64: no compiler or -dev headers are needed,
# only python3-venv (and ipmitool for the ipmi driver, installed by .ci/run).
set -euo pipefail

IRONIC_VERSION="${IRONIC_VERSION:-39.0.0}"
here="$(cd "$(dirname "$0")/.." && pwd)"
constraints="$here/test/bed/ironic-venv/constraints.txt"
cache="${METAL3_CACHE_DIR:-/var/cache/metal3-functions}"
dest="$cache/ironic-$IRONIC_VERSION"
python="${IRONIC_PYTHON:-/usr/bin/python3}"

if [ -x "$dest/venv/bin/ironic" ] && [ -f "$dest/.complete" ] && cmp -s "$constraints" "$dest/constraints.txt"; then
  echo "$dest/venv"
  exit 0
fi

if ! "$python" -c 'import ensurepip, venv' 2>/dev/null; then
  echo "install-ironic: $python has no venv/ensurepip: apt-get install -y --no-install-recommends python3-venv" >&2
  exit 1
fi

mkdir -p "$cache"
# one installer at a time (parallel test files may all ask); the loser finds it done
exec 9>"$cache/.ironic-$IRONIC_VERSION.lock"
flock 9
if [ -x "$dest/venv/bin/ironic" ] && [ -f "$dest/.complete" ] && cmp -s "$constraints" "$dest/constraints.txt"; then
  echo "$dest/venv"
  exit 0
fi
start=$(date +%s)
# built in place (venv scripts embed their path); `.complete` is written last, so a partial
# venv from an interrupted run is thrown away here
rm -rf "$dest"
mkdir -p "$dest"
"$python" -m venv "$dest/venv" >&2
"$dest/venv/bin/pip" install --quiet --disable-pip-version-check --no-input \
  -c "$constraints" "ironic==$IRONIC_VERSION" >&2
cp "$constraints" "$dest/constraints.txt"
"$dest/venv/bin/python3" -c 'import ironic, sushy' >&2
"$dest/venv/bin/ironic-dbsync" --help >/dev/null
touch "$dest/.complete"
echo "install-ironic: ironic $IRONIC_VERSION ready in $(( $(date +%s) - start )) s at $dest/venv" >&2
echo "$dest/venv"
