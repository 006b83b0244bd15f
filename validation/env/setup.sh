#!/bin/bash
# Prepares this machine to run real compose stacks without a Docker engine: rootful podman,
# its Docker-compatible API service, and Debian's docker-compose 1.29 talking to it.
# Idempotent: installs only missing packages, reuses a running service.
# Usage: eval "$(validation/env/setup.sh)"   (prints the exports to use)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/common.sh"

require_root
require_disk "$HASIM_STATE" 3000

# netavark + aardvark-dns: container-name DNS answered at each network's gateway (x.x.x.1:53),
# as on the seed's podman (10.89.4.1); the CNI backend without dnsname resolves no names.
pkgs=(podman runc containernetworking-plugins fuse-overlayfs uidmap slirp4netns docker-compose debootstrap iptables
      netavark aardvark-dns)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  note "installing: ${missing[*]}"
  command -v apt-get >/dev/null || die "apt-get not found: install ${missing[*]} by hand"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2 \
    || die "apt-get install ${missing[*]} failed"
fi
command -v podman >/dev/null || die "no container engine: podman is not installed"
command -v docker-compose >/dev/null || die "docker-compose (1.29, Debian package) is not installed"

# podman turns IP forwarding on; teardown.sh puts back what was here first.
[ -f "$HASIM_STATE/ip_forward.orig" ] || cat /proc/sys/net/ipv4/ip_forward > "$HASIM_STATE/ip_forward.orig"
mkdir -p "$HASIM_STATE/storage" "$HASIM_STATE/ids" "$HASIM_STATE/run" "$HASIM_STATE/networks"
# runc: crun fails here ("cgroups in hybrid mode not supported"); default_ulimits: without them
# every container start fails with "setrlimit ... Operation not permitted" (no CAP_SYS_RESOURCE).
# AARDVARK_NO_PROXY: aardvark-dns answers a name it holds no record for (a stopped container's)
# with NXDOMAIN itself instead of forwarding it to the host's resolvers, so no DNS query leaves
# the stack (containers.md) and a stopped name gets what the model's runtime.dns.stopped_name
# says: nxdomain. (It did not end the "DNS timeout" spells HAProxy sees at times: those are
# aardvark 1.4 not answering at all; docs/validation.md.)
cat > "$CONTAINERS_CONF" <<CONF
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]

[engine]
env = ["AARDVARK_NO_PROXY=1"]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$HASIM_STATE/events.log"

[network]
network_backend = "netavark"
network_config_dir = "$HASIM_STATE/networks"
CONF
cat > "$CONTAINERS_STORAGE_CONF" <<CONF
[storage]
driver = "overlay"
graphroot = "$HASIM_STATE/storage"
runroot = "$HASIM_STATE/run"
CONF

# A service started before AARDVARK_NO_PROXY was set would hand the old environment to the
# aardvark-dns it starts: restart it (by its recorded PID) when idle.
if service_running && ! tr '\0' '\n' < "/proc/$(cat "$HASIM_STATE/podman.pid")/environ" | grep -qx 'AARDVARK_NO_PROXY=1'; then
  if [ -z "$(ls -A "$HASIM_STATE/ids" 2>/dev/null)" ]; then
    note "restarting the podman service (pid $(cat "$HASIM_STATE/podman.pid")) with AARDVARK_NO_PROXY"
    kill "$(cat "$HASIM_STATE/podman.pid")" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$(cat "$HASIM_STATE/podman.pid")" 2>/dev/null || break; sleep 0.1; done
  else
    note "warning: the podman service lacks AARDVARK_NO_PROXY but stacks are running; not restarting it"
  fi
fi
if service_running; then
  note "podman service already running (pid $(cat "$HASIM_STATE/podman.pid"))"
else
  rm -f "$HASIM_STATE/podman.sock"
  nohup podman system service --time=0 "unix://$HASIM_STATE/podman.sock" \
    >"$HASIM_STATE/podman-service.log" 2>&1 </dev/null &
  echo $! > "$HASIM_STATE/podman.pid"
  for _ in $(seq 1 100); do
    [ -S "$HASIM_STATE/podman.sock" ] && break
    kill -0 "$(cat "$HASIM_STATE/podman.pid")" 2>/dev/null || die "podman system service exited: see $HASIM_STATE/podman-service.log"
    sleep 0.1
  done
  [ -S "$HASIM_STATE/podman.sock" ] || die "podman system service did not create its socket within 10 s"
  note "podman service started (pid $(cat "$HASIM_STATE/podman.pid"))"
fi
timeout 20 docker-compose version >/dev/null 2>&1 || note "warning: docker-compose version failed"
timeout 20 podman info >/dev/null 2>&1 || die "podman info failed: the engine does not work (see $HASIM_STATE/podman-service.log)"

echo "export CONTAINERS_CONF=$CONTAINERS_CONF"
echo "export CONTAINERS_STORAGE_CONF=$CONTAINERS_STORAGE_CONF"
echo "export DOCKER_HOST=$DOCKER_HOST"
echo "export HASIM_STATE=$HASIM_STATE"
