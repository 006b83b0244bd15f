#!/bin/bash
# fsync_pgdata over a fresh cluster: initdb --no-sync leaves every file dirty, then initdb -S
# (--sync-only) runs the same walk pg_basebackup and pg_rewind end with; a second -S finds
# every file clean.
set -e
export PATH=/usr/lib/postgresql/15/bin:$PATH
mkdir -p /var/lib/postgresql/walk && chown postgres /var/lib/postgresql/walk
for r in 1 2 3; do
  d=/var/lib/postgresql/walk/d$r
  su postgres -c "initdb --no-sync -D $d -A trust >/dev/null"
  files=$(find $d -type f | wc -l); mb=$(du -sm $d | cut -f1)
  t0=$(date +%s%N); su postgres -c "initdb -S -D $d >/dev/null"; t1=$(date +%s%N)
  su postgres -c "initdb -S -D $d >/dev/null"; t2=$(date +%s%N)
  su postgres -c "true"; t3=$(date +%s%N)
  echo "WALK round=$r files=$files size_mb=$mb dirty_ms=$(( (t1-t0)/1000000 )) clean_ms=$(( (t2-t1)/1000000 )) su_only_ms=$(( (t3-t2)/1000000 ))"
  rm -rf $d
done
