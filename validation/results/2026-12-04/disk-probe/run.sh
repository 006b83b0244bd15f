#!/bin/bash
# How out.txt was made (2026-12-04 16:58 UTC, the shared 2-core machine quiet: load average 0.1-0.2):
# one container of the stacks' postgres image, created as compose creates them (no --rm, whose
# `volatile` overlay turns fsync into a no-op), with no network; each script ran inside it with
# `podman exec`, and the container was removed by its id. CONTAINERS_CONF and
# CONTAINERS_STORAGE_CONF are run_real.py's (validation/env/setup.sh).
set -e
export CONTAINERS_CONF=/var/tmp/hasim-validation/containers.conf CONTAINERS_STORAGE_CONF=/var/tmp/hasim-validation/storage.conf
cd "$(dirname "$0")"
id=$(podman run -d --network none --entrypoint sleep localhost/hasim/postgres:d9b835db8221 600)
trap 'podman rm -f -t 0 "$id" >/dev/null' EXIT
podman cp probe.pl "$id":/tmp/probe.pl
podman cp rate.pl "$id":/tmp/rate.pl
podman cp walk.sh "$id":/tmp/walk.sh
for round in 1 2 3; do podman exec "$id" perl /tmp/probe.pl /var/lib/postgresql/hasim-probe 200 75; done
podman exec "$id" perl /tmp/rate.pl /var/lib/postgresql/hasim-rate 64 3
podman exec "$id" bash /tmp/walk.sh
