#!/bin/bash
# Removes what the validation runs created: containers and networks of our compose projects (by
# the ids run_real.py recorded under STATE/ids, then by the hasim- project label as a fallback),
# then the podman API service by its recorded PID (never by name), and netavark's leftover
# iptables chains when no network of ours is left. Always safe to re-run.
# --purge also deletes the image storage under STATE (the base image must then be rebuilt).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/common.sh"
require_root
purge=0
[ "${1:-}" = "--purge" ] && purge=1

if command -v podman >/dev/null && [ -f "$CONTAINERS_CONF" ]; then
  # 1. What run_real.py recorded: {"containers": {service: id}, "networks": [id]}.
  for f in "$HASIM_STATE"/ids/*; do
    [ -f "$f" ] || continue
    /usr/bin/python3 - "$f" <<'PY' | while read -r kind id; do
import json, sys
d = json.load(open(sys.argv[1]))
for cid in d.get("containers", {}).values(): print("c", cid)
for nid in d.get("networks", []): print("n", nid)
PY
      if [ "$kind" = c ]; then timeout 60 podman rm -f -t 0 "$id" >/dev/null 2>&1 || true
      else timeout 60 podman network rm -f "$id" >/dev/null 2>&1 || true; fi
    done
    rm -f "$f"
  done
  # 2. Fallback: any container or network of a hasim-* compose project in OUR storage.
  for id in $(timeout 60 podman ps -a --format '{{.ID}} {{index .Labels "com.docker.compose.project"}}' 2>/dev/null \
              | awk '$2 ~ /^hasim-/ {print $1}'); do
    note "removing leftover container $id"
    timeout 60 podman rm -f -t 0 "$id" >/dev/null 2>&1 || true
  done
  for net in $(timeout 60 podman network ls --format '{{.Name}}' 2>/dev/null | grep '^hasim-' || true); do
    note "removing leftover network $net"
    timeout 60 podman network rm -f "$net" >/dev/null 2>&1 || true
  done
fi
# Subnet reservations of run_real.py slots whose process is gone (its project lock is free).
for f in "$HASIM_STATE"/subnets/*; do
  [ -f "$f" ] || continue
  lock="$HASIM_STATE/locks/$(basename "$f")"
  if [ ! -e "$lock" ] || flock -n "$lock" true; then rm -f "$f"; fi
done

if [ -f "$HASIM_STATE/podman.pid" ]; then
  pid=$(cat "$HASIM_STATE/podman.pid")
  if kill -0 "$pid" 2>/dev/null && grep -q "podman" "/proc/$pid/cmdline" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
    note "podman service (pid $pid) stopped"
  fi
  rm -f "$HASIM_STATE/podman.pid"
fi
rm -f "$HASIM_STATE/podman.sock"

# netavark leaves its chains when the last network goes; remove them only if no podman network
# of any kind has a bridge left (ours are gone by now).
if command -v iptables >/dev/null && ! ip -o link show type bridge 2>/dev/null | grep -q podman; then
  for table in nat filter; do
    for chain in $(iptables -t "$table" -S 2>/dev/null | awk '$1 == "-N" && $2 ~ /^NETAVARK/ {print $2}'); do
      iptables -t "$table" -S 2>/dev/null | awk -v c="$chain" '$1 == "-A" && $0 ~ ("-j " c "( |$)") && $2 != c' \
        | sed 's/^-A /-D /' | while read -r rule; do eval iptables -t "$table" $rule 2>/dev/null || true; done
      iptables -t "$table" -F "$chain" 2>/dev/null || true
    done
    for chain in $(iptables -t "$table" -S 2>/dev/null | awk '$1 == "-N" && $2 ~ /^NETAVARK/ {print $2}'); do
      iptables -t "$table" -X "$chain" 2>/dev/null || true
    done
  done
fi
if [ -f "$HASIM_STATE/ip_forward.orig" ]; then
  cat "$HASIM_STATE/ip_forward.orig" > /proc/sys/net/ipv4/ip_forward 2>/dev/null || true
fi

if [ "$purge" = 1 ]; then
  podman --storage-opt ignore_chown_errors=true system reset -f >/dev/null 2>&1 || true
  rm -rf "$HASIM_STATE"
  # podman's own run-time state outside STATE (netavark IPAM db, aardvark config, runc state dir),
  # only when no podman process of any kind is left.
  if ! pgrep -x podman >/dev/null && ! pgrep -x conmon >/dev/null; then
    rm -rf /run/containers/networks /var/lib/containers/cache
    rmdir /run/runc /run/containers /var/lib/containers 2>/dev/null || true
  fi
  note "purged $HASIM_STATE"
fi
note "teardown done"
