#!/bin/bash
# one container: initdb, start, pgbench measurements (WAL bytes per tx, latency by clients/scale)
set -e
export PATH=/usr/lib/postgresql/15/bin:$PATH
su postgres -c "initdb -D /tmp/d -A trust >/dev/null && pg_ctl -D /tmp/d -o '-c listen_addresses= -k /tmp' -l /tmp/l start >/dev/null"
P="psql -h /tmp -U postgres -At"
for s in 1 10; do
  pgbench -h /tmp -U postgres -i -s $s -q postgres 2>&1 | tail -1
  $P -c checkpoint
  for c in 1 8; do
    a=$($P -c "select pg_current_wal_lsn()")
    out=$(pgbench -h /tmp -U postgres -c $c -T 8 -n postgres 2>&1)
    b=$($P -c "select pg_current_wal_lsn()")
    n=$(echo "$out" | sed -n 's/number of transactions actually processed: \([0-9]*\).*/\1/p')
    w=$($P -c "select pg_wal_lsn_diff('$b','$a')")
    echo "scale=$s c=$c n=$n wal=$w per_tx=$((${w%.*}/n)) $(echo "$out" | grep -E 'latency average|tps' | tr '\n' ' ')"
  done
  # second pass at c=1 right after: pages already full-page-written
  a=$($P -c "select pg_current_wal_lsn()")
  out=$(pgbench -h /tmp -U postgres -c 1 -T 5 -n postgres 2>&1); b=$($P -c "select pg_current_wal_lsn()")
  n=$(echo "$out" | sed -n 's/number of transactions actually processed: \([0-9]*\).*/\1/p'); w=$($P -c "select pg_wal_lsn_diff('$b','$a')")
  echo "again scale=$s c=1 n=$n per_tx=$((${w%.*}/n)) $(echo "$out" | grep -E 'latency average' )"
done
# rate-limited with log, to see the log format
cd /tmp && pgbench -h /tmp -U postgres -c 2 -R 20 -T 3 -n --log --log-prefix=/tmp/pgl postgres 2>&1 | tail -12; head -3 /tmp/pgl.*
