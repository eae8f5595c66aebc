#!/usr/bin/env bash
# Builds a pinned etcd, kube-apiserver and kubectl from Go modules (the Go module proxy) into a
# cache outside the repository: the real-cluster test target (test/bed/real-kube/) and the kubectl
# every kubectl test runs (test/bed/kube-api/kubectl-runner.ts looks here first).
# Idempotent: a build whose inputs (go.mod, go.sum, main.go, Go version) are unchanged is skipped.
#
#   scripts/install-kube-apiserver.sh            # build if needed, print the bin directory
#   REAL_KUBE_CACHE=/some/dir scripts/...        # other cache root
#   REAL_KUBE_JOBS=1 scripts/...                 # build parallelism (default 2)
set -euo pipefail

KUBE_VERSION=v1.32.13     # k8s.io/kubernetes, pinned in test/bed/real-kube/kube/go.mod
ETCD_VERSION=v3.5.36      # go.etcd.io/etcd/server/v3, pinned in test/bed/real-kube/etcd/go.mod

repo="$(cd "$(dirname "$0")/.." && pwd)"
src="$repo/test/bed/real-kube"
cache="${REAL_KUBE_CACHE:-/var/cache/metal3-functions}"
bin="$cache/kube-$KUBE_VERSION/bin"
jobs="${REAL_KUBE_JOBS:-2}"

command -v go >/dev/null || { echo "install-kube-apiserver: go is not on PATH" >&2; exit 1; }
grep -q "k8s.io/kubernetes $KUBE_VERSION" "$src/kube/go.mod" || { echo "install-kube-apiserver: kube/go.mod does not pin $KUBE_VERSION" >&2; exit 1; }
grep -q "go.etcd.io/etcd/server/v3 $ETCD_VERSION" "$src/etcd/go.mod" || { echo "install-kube-apiserver: etcd/go.mod does not pin $ETCD_VERSION" >&2; exit 1; }

# the module and build caches live next to the binaries, so a CI cache of $cache keeps everything
export GOTOOLCHAIN=local GOFLAGS=-mod=readonly GOMODCACHE="$cache/go/mod" GOCACHE="$cache/go/build"
mkdir -p "$bin" "$GOMODCACHE" "$GOCACHE"

stamp="$bin/.inputs"
inputs="$( (go version; cat "$0" "$src/kube/go.mod" "$src/kube/go.sum" "$src/etcd/go.mod" "$src/etcd/go.sum" "$src/etcd/main.go") | sha256sum | cut -d' ' -f1)"
if [[ -x "$bin/etcd" && -x "$bin/kube-apiserver" && -x "$bin/kubectl" && -f "$stamp" && "$(cat "$stamp")" == "$inputs" ]]; then
  echo "$bin"
  exit 0
fi

exec 9>"$cache/.kube-$KUBE_VERSION.lock"
flock 9
rm -f "$stamp"
start=$SECONDS
(cd "$src/etcd" && nice -n 10 go build -p "$jobs" -trimpath -o "$bin/etcd.tmp" . && mv "$bin/etcd.tmp" "$bin/etcd")
# what /version reports (kubectl and clients read it); upstream's release build sets the same variables
v="k8s.io/component-base/version"
minor="${KUBE_VERSION#v1.}"; minor="${minor%%.*}"
ldflags="-X $v.gitVersion=$KUBE_VERSION -X $v.gitMajor=1 -X $v.gitMinor=$minor -X $v.gitTreeState=clean -X $v.buildDate=1970-01-01T00:00:00Z"
for cmd in kube-apiserver kubectl; do
  (cd "$src/kube" && nice -n 10 go build -p "$jobs" -trimpath -ldflags "$ldflags" -o "$bin/$cmd.tmp" "k8s.io/kubernetes/cmd/$cmd" && mv "$bin/$cmd.tmp" "$bin/$cmd")
done
echo "$inputs" >"$stamp"
echo "install-kube-apiserver: built etcd $ETCD_VERSION, kube-apiserver and kubectl $KUBE_VERSION in $((SECONDS - start)) s" >&2
echo "$bin"
