# Shared settings for the validation environment scripts (sourced, not run).
# Everything we create lives under STATE (default /var/tmp/hasim-validation):
#   containers.conf, storage.conf, storage/, podman.sock, podman.pid, ids/* (run_real.py: each
#   project's containers and networks), locks/* (flocks: one run_real.py per project),
#   subnets/* (subnets reserved by remapped slots), build.lock, subnets.lock.
HASIM_STATE="${HASIM_STATE:-/var/tmp/hasim-validation}"
export CONTAINERS_CONF="$HASIM_STATE/containers.conf"
export CONTAINERS_STORAGE_CONF="$HASIM_STATE/storage.conf"
export DOCKER_HOST="unix://$HASIM_STATE/podman.sock"
# Also in containers.conf's [engine] env (setup.sh says why): aardvark-dns inherits it.
export AARDVARK_NO_PROXY=1

die() { echo "hasim-validation: error: $*" >&2; exit 1; }
note() { echo "hasim-validation: $*" >&2; }

require_root() {
  [ "$(id -u)" = 0 ] || die "must run as root (rootful podman is required: VRRP and iptables need real capabilities)"
}

# Refuse to start with less than NEED_MB free under a path (podman storage and debootstrap need room).
require_disk() {
  local path="$1" need_mb="$2" avail
  mkdir -p "$path"
  avail=$(df -Pm "$path" | awk 'NR==2 {print $4}')
  [ "${avail:-0}" -ge "$need_mb" ] || die "only ${avail} MB free under $path, need ${need_mb} MB (df -h $path)"
}

service_running() {
  [ -f "$HASIM_STATE/podman.pid" ] && kill -0 "$(cat "$HASIM_STATE/podman.pid")" 2>/dev/null && [ -S "$HASIM_STATE/podman.sock" ]
}
