// Golden trace hashes: every scenario in the library, at seed 1. A change in behaviour, however
// small, changes a hash and fails here; the commit that changes behaviour updates the table and
// says why. (Print the current hashes with: hasim run FILE --seed 1 --json | jq -r .trace_sha256)
#include <catch2/catch.hpp>

#include <filesystem>
#include <map>
#include <string>

#include "scenarios/loader.hpp"
#include "scenarios/runner.hpp"

namespace {

// Last updated when keepalived became two processes (parent and VRRP child): every keepalived
// scenario's trace has the child's exec, start and exit records, and its stop-delay draws come from
// the child's lifecycle stream; the two new demo1-part2 files added. Then again when a VIP's
// previous holder forwards SYNs through stale neighbour entries (demo1-part2, chaos,
// kill-vrrp-child, both-master). Demo 2's four files added with the PostgreSQL kind. Then
// demo2/split-brain when a restarted container keeping its address became unreachable through
// its peers' neighbour entries for its old MAC (Linux NUD: DELAY, PROBE, FAILED). Then every
// scenario with nginx when nginx became a master and a worker (the worker's exec, start and exit
// records, the master's pid file): their metrics at seeds 1-5 are unchanged; and
// demo1-part2/disconnect-haproxy1 when a node with no interface left gets ENETUNREACH from
// connect() at once (haproxy1's checks fail at once while disconnected: only the split of
// requests between the nginx servers moves, by 1-2). Demo 2 keeps its hashes (no nginx).
// demo1-part1/kill-nginx-master and demo1-part2/link-down-haproxy1 added. Then Demo 2's four
// files, and demo2/restart-primary added, when the real crash-failover runs corrected the model
// (2026-12-03): a standby reports its replay as soon as it has caught up (one more reply per
// commit), every server's replication monitor reads pg_stat_replication once a second (its
// rows are records), the writer's session has pg-writer.sh's timeouts and its transaction 208
// bytes of WAL (not 264), and a crash acts after the exec that stands for it in the real stack
// (no exec latency in these files: crash-failover's crash still acts at 20 s).
// demo1-part2/open-loop-kill-haproxy1 (the open-loop probe) added; no other hash changed.
// The `runtime: host` files added (demo1-part1/host, host-shutdown, demo1-part2/host): no other hash moved.
// Then every file in which some HAProxy answers with a status other than 2xx (all 503s at seed 1:
// demo1-part1 and its host, host-shutdown and kill-nginx-master, demo1-part2/chaos,
// validation/demo1-part1-short), when each such answer became an http_non_2xx record (the
// haproxy.http_STATUS metric is computed from them, as from a real run's httplog lines): the
// records are the only change (their traces less those lines are the old ones) and the metrics
// are the same. The event-kind constants of the same change left every trace as it was.
// Then every keepalived scenario when a change of effective priority moved a BACKUP's running
// master-down timer by the change in the interval (vrrp_track.c vrrp_set_effective_priority; after
// an ignored lower advert, the timer then ends a whole interval after that advert), a weight-0
// script in init kept its instance in a silent FAULT, each forced election got its own delayed
// gratuitous-ARP burst, and the VRRPv3 skew is kept to the microsecond: at start-up the script's
// first success now makes haproxy1 MASTER 3.602 s after BACKUP (init), as the real logs show,
// not 3.609 s. demo1-part2 and vrrp-blocked keep their metrics over 20 seeds.
// demo1-part2/restart-keepalived-before-haproxy and split-brain/one-way-vrrp added.
// Then the SYN retransmission schedule of the validation host's kernel (Linux 6.5+:
// tcp_syn_linear_timeouts 4, SYNs at 0, 1, 2, 3, 4, 5, 7, 11... s, not 0, 1, 3, 7...), each on the
// kernel's timer wheel (up to a granule late, its phase a draw of "kernel/jiffies"), and curl's
// deadlines as late as the machine's wake-up (runtime.wakeup_delay, a draw of
// "client:NAME/wakeup" per request): every file where a SYN goes unanswered or a curl deadline
// fires moved (the VIP's hand-overs, a stopped container's address, Demo 2's reconnections);
// at seed 1 the closed loops of the VIP scenarios send up to 9 more requests in 90 s (a request
// stalled on the moved VIP gets through up to a second sooner), the rest of their metrics are
// unchanged or move by milliseconds. demo1-part1/syn-retransmit added (2026-12-03).
// The three changes above were made on separate branches; the table was recomputed once merged
// (the events9, keepalived2 and synvalidate merges of 2026-12-03). The engine's allocation work
// of the same day moved no hash.
// demo2/basic-replication, read-scaling, cascade and delayed-replica added (readers, the
// cascading walsender's end of a historic timeline): no other hash moved.
// Then (branch syncrep, 2026-12-03) every Demo 2 file: a writer's pg_commit_acked latency_us now
// runs from the attempt's start, its connect included (as pg-writer.sh's sent_ns), which moves
// the first acknowledgement of each session, and pg_commit_failed carries latency_us too; no
// other record of these traces changed (diffed against the main build's traces). demo2/sync-*
// added.
// of the same day moved no hash. demo2/pgbouncer and demo2/pgbouncer-failover added with the
// pgbouncer kind (the writer's StartupMessage naming demodb moved no other hash); then
// demo2/pgbouncer-failover alone when a writer's attempt that times out closes its socket (as
// pg-writer.sh's killed psql does) instead of leaving it open: PgBouncer no longer holds that
// session waiting, and opens one server connection to the new primary, not two (its metrics at
// seed 1 are unchanged; no other hash moved).
// After merging readers, syncrep and pgbouncer (2026-12-03): the four reader files and the two
// pgbouncer files moved with syncrep's latency_us from the attempt's start (their first
// acknowledgement of each session) and, for pgbouncer-failover, the timed-out attempt's socket
// close; recomputed once on the merged tree. The WAL and disk work of the same day (records
// shared between page cache and durable contents, a deque of records) moved none.
// demo2/failover-script added with the failover_script kind (the seed's exercise 4); the
// PostgreSQL model's answers to pg_last_wal_receive_lsn()/pg_last_wal_replay_lsn() and the
// writer's host file moved no other hash.
// Issue 10's pgbench and host lists (2026-12-03): every demo2 file moved because PostgreSQL now
// reports in_hot_standby and default_transaction_read_only (ParameterStatus) at each client
// session's start, as 14+ does and libpq's target_session_attrs reads: two more messages per
// connection shift the later network draws, so timing metrics move by microseconds (commit
// latencies, lost_window_s); no count or outcome changed (diffed against a build without those
// two messages, which reproduced every old hash). demo2/pgbench and demo2/pgbench-failover added.
// Then (branch calib, 2026-12-03) every Demo 2 file: the writer's first attempt is at its start,
// as pg-writer.sh's (its schedule begins at its own start), not one interval later; each writer
// commits once more and every later attempt is at the same times as before. Then every Demo 2
// file again when stack.yaml included calibration/podman-disk.yaml: each fdatasync is a draw of
// the containers' measured distribution (median 1.34 ms), not sim/disk.cpp's host default
// (5.2 ms), so every commit and standby flush completes at another time.
// Branch rewind (2026-12-03): every Demo 2 file, because each standby's data directory now holds
// the postgresql.auto.conf that `pg_basebackup -R -S` writes (primary_conninfo,
// primary_slot_name; pg_rewind copies it from its source), written and fsynced when the stack is
// built: one more fsync latency drawn on each standby's disk shifts its later ones (the first
// difference in stack.yaml's trace, diffed against main's build, is the standbys' flush_lag at
// 6.2 s; nothing else before it). demo2/split-brain-rewind and demo2/reclone added; demo2/failover-script moved with the others.
// Branch tools (2026-12-04): demo2/reclone and demo2/split-brain-rewind only: pg_basebackup and
// pg_rewind now end with fsync_pgdata over the whole data directory (about 1,300 fsyncs in turn),
// so they last seconds; every other library trace unchanged by initdb's new files.
// The four branches of that session (fscript, pgbench, calib, rewind), each moving every Demo 2
// file for the reasons above, were merged and the table recomputed once on the merged tree
// (2026-12-03): only Demo 2 files moved; no Demo 1 or split-brain hash did. The operator-step
// settings work of the same day (sql's statement as a setting) moved none.
// Then every Demo 2 file (each has the pg_writer) when the writer sent pg-writer.sh's four
// statements (BEGIN, INSERT, SELECT, COMMIT) as four round trips in a transaction block instead of
// one query, closed its session after an error as the script's psql exits, and the users table's
// pages wrote their images at their first change after a redo point. One SQL reader
// (statement.cpp) before that moved none.
// Branch firstrows (2026-12-04): every Demo 2 file, for three reasons, together: each standby's
// container starts its server through run-postgres.sh's wait for its upstream (pg_isready every
// 0.5 s), so the standbys start after the primary and stream from ~0.8 s instead of failing to
// resolve it at 0.25 s and retrying at 5.25 s; PostgreSQL 15's walreceiver sends no reply as
// streaming starts and naps 100 ms between turns (the first reply of a caught-up standby, and the
// timeout, ping and status-interval checks, come when a nap runs out); and the monitor's rows show
// a standby's positions as NULL before its first reply. No Demo 1 or split-brain hash moved.
// The same session's branches (firstrows, slots, stalls) were merged and every Demo 2 hash
// recomputed once on the merged tree (2026-12-04): the changes above together; stalls' runtime
// keys default to zero and moved none. demo2/slot-retention and slot-retention-unbounded added
// (branch slots). Branch tools (initdb's cluster files, fsync_pgdata) was merged, then reverted
// for its cost; brought back on branch tools over that tree (2026-12-04): demo2/reclone and
// demo2/split-brain-rewind take their tools values again (the ones recomputed on the merged tree),
// no other hash moved. initdb's files then written as one sim::FileSet, made files only when a
// walk looks, and the disk's collect asking its counts: no hash moved (every Demo 2 file at seeds
// 1-8 equal to the eagerly written files' traces).
// Branch prune (2026-12-04), merged with tools and the table recomputed once on the merged tree:
// every Demo 2 file, because the writer's first session in demodb prunes a catalog page (7,935
// bytes of WAL before its first transaction, streamed and replayed by the standbys) and initdb's
// file for that page takes one more fsync on each node; and users' first row and its serial log
// what the real ones do (the sequence's record at its first nextval after a start or a redo point
// and every 33 values, the primary key's new root). No Demo 1 or split-brain hash moved.
// Branch walpages (2026-12-04): every Demo 2 file: a WAL record running past an 8 KiB page
// continues after the next page's 24-byte header (SizeOfXLogShortPHD), so LSNs and the bytes
// streamed grow by 24 per page.
// demo1-part2/host alone (2026-12-04), when a SYN that a VIP's previous holder routes on waits in
// its INCOMPLETE neighbour entry and goes on at the new holder's gratuitous ARP (or a probe's
// answer) instead of being dropped: its one request sent into the hand-over at seed 1 ends a
// retransmission sooner. No other file has such a request at seed 1.
// Every Demo 2 file (2026-12-04), when a users row's WAL follows its values' width: the writer's
// rows 'load-1' to 'load-9' make a 64-byte tuple and 8 bytes less WAL than `wal_bytes`' 72-byte
// row, as in the real runs (LSNs 200 apart, then 208), so every later LSN is 72 bytes lower.
// No Demo 1 or split-brain hash moved.
// demo2/cascade alone (2026-12-04), when a broadcast ARP request repoints every existing
// neighbour entry for its sender's address (arp_process): the restarted replica1's request for
// the primary gives replica2 (and the app) its new MAC, and replica2 streams again at its first
// retry after replica1's start (45.005 s at seed 1, as the real 45.16-45.36 s) instead of after
// the old entry's DELAY and PROBE. Every other library file's trace at seeds 1-40 is unchanged.
// Then every Demo 2 file (2026-12-05), when a stack with a standby starts with its WAL ending at a
// segment boundary, as the clones' pg_basebackup leaves it (its WAL switch): every LSN after the
// set-up moves into segment 2, and the first record opens that segment's file. The medians of
// every metric at seeds 1-5 are unchanged (manual-failover, split-brain, crash-failover,
// sync-replication, slot-retention, pgbench, basic-replication) but reclone's copied MB
// (31.046366 -> 31.046246: the WAL it copies).
// Then demo2/reclone alone (2026-12-05), when BASE_BACKUP switches the source's WAL at its start
// and after its end record, as PostgreSQL's does (measured: a segment per backup): the clone's
// WAL is the switched segment's 16 MiB, and its copied MB counts the tar stream only, as
// pg_basebackup reports it (31.046246 -> 31.025550); a switch record is replayed at the cost of
// its header, the zeros after it never decoded.
// Then the four pgbench files (2026-12-05, late): pgbench runs pgbench.sh's set-up as the real
// stack does (pgbench -i's DDL, COPY and index build writing their WAL page by page, the
// CHECKPOINT, the wait for the standbys) before its run at `start`; and a walsender whose socket
// holds 256 kB sends again when it drains, as WaitLatchOrSocket wakes it, not after a 10 ms
// sleep (only the set-up's load fills it). No other file moved.
// Then every Demo 2 file (2026-12-05, night), when a backend's CommandComplete and the
// ReadyForQuery that flushes it leave in one send(2) (dest.c: EndCommand buffers, ReadyForQuery
// calls pq_flush), one network delay for both instead of one each: a fifth fewer events in
// Demo 2's bench, and its writers' commit p50 6.160 -> 6.137 ms. No Demo 1 file moved.
// Then every Demo 2 file (2026-12-05, midnight): Demo 2's network at the bridge's measured
// latency (lognormal, median 60 us, as Demo 1's; it was 80-120 us, fitted to the writer's round
// trips with psql's time in them) and the writer's own side of a commit as a default
// runtime.writer_overhead (the seven records that measured it, less the new round trips):
// manual-failover's commit p50 at seed 1 2.824 -> 3.32 ms. No Demo 1 file moved.
// Then demo2/pgbouncer and demo2/pgbouncer-failover (2026-12-06), when PgBouncer sends what it
// read from a server at once to the client in one send (sbuf.c sbuf_process_pending), so a
// statement's CommandComplete and ReadyForQuery cross the network once, not twice. No other file
// moved (the network-wide fixes of 2026-12-06 before it, the WAL index's search and pgbench's own
// wake-up, moved none).
// Then every Demo 2 file (2026-12-06), when a backend's login answer leaves in one send(2):
// auth.c does not flush AUTH_REQ_OK, and the first ReadyForQuery flushes it with the
// ParameterStatus and BackendKeyData messages (the model sent the five apart, each with its own
// network delay). manual-failover's commit p50 at seed 1 3.32 -> 3.296 ms. No Demo 1 file moved.
// Then the two pgbouncer files again, when PgBouncer's welcome to a client (AuthenticationOk,
// BackendKeyData, ReadyForQuery) leaves in one send (client.c welcome_client: "send all
// together"). No other file moved.
// Then demo2/reclone and demo2/split-brain-rewind (2026-12-06), when start-up after an unclean
// shutdown fsyncs the whole data directory before redo (StartupXLOG's SyncDataDirectory): the
// re-cloned or rewound server's pg_control says "in archive recovery", so it now spends ~1,275
// fsyncs (4.3 s at the default disk, seed 1) before it starts. No other file restarts a server
// that did not shut down cleanly; none moved.
// Then demo1-part1, demo1-part2, demo1-part2/chaos, demo1-part2/kill-haproxy1-container and
// validation/demo1-part1-short (2026-12-06), when a container started by a `start` step (or the
// undo of a stop, kill or crash) comes up as soon as runtime.command_delay.start has passed,
// that figure being measured to the container's entrypoint: it had paid the node's default
// start-up (300 ms) on top. Demo 2's stack has no command_delay: none of its files moved.
// Then every Demo 2 file (2026-12-06), when Demo 2's default disk profile got the write rate the
// quiet host's segment probe measured (podman-disk.yaml, 926 MB/s): the first commit after the
// set-up opens a new WAL segment and waits for its 16 MiB of zeros. manual-failover at seed 1:
// first commit 6.4 -> 24.6 ms, commit p99 20.2 -> 24.6 ms, p50 unchanged. No Demo 1 file moved.
// Then every Demo 2 file with two clones of the primary (2026-12-06), when the set-up's clones
// end one after the other: the primary writes the later clone's backup end and switch when it
// first starts, the clone that ended first streams them (16 MiB) and the later one holds them.
// The first commit moves to segment 3. demo2/cascade (one clone of the primary) did not move.
// Then demo2/crash-failover, restart-primary, split-brain and sync-standby-stops (2026-12-07),
// when a writer's attempt that outlives its period is followed by the next at once (pg-writer.sh's
// loop past its `next`) instead of at the next period; Demo 2's stack gained aardvark-dns's
// silences after container changes, drawn at none of the files' seed 1 (runtime.dns.silence).
// Then demo2/cascade, when a reader's read that outlives its period is followed by the next at
// once, as pg-reader.sh's loop does (replica1's stop: reads that wait out connect_timeout).
// Then every Demo 2 file (2026-12-07, later), when a stack with standbys came to be set up
// before time 0, as the real harness's wait_postgres_ready has it (scenarios/postgres_ready.hpp):
// the set-up's records are stamped before 0, the workloads and the replication monitor begin at
// 0 with every standby streaming and caught up. No Demo 1 or split-brain hash moved.
// Then demo2/pgbouncer-failover (2026-12-07, session 41), when a client that goes while it waits
// for a server stays in PgBouncer's queue unseen (objects.c pause_client takes its socket out of
// the event loop): at seed 1 the writer's attempt abandoned at 25 s is still there at 35 s, is
// activated by the new server's login and closed on its EOF. PgBouncer's look-up on c-ares's
// schedule (models/pgbouncer/dns_lookup.hpp) moved no file: no seed 1 meets a DNS silence.
// Then every Demo 2 file (2026-12-07, session 42), when a walreceiver's launch came to take its
// measured time (runtime.walreceiver_start in Demo 2's stack: the postmaster's fork and the
// process's set-up before it connects), so every standby's first connection and every retry
// moved by tens of milliseconds; a promotion that comes during such a launch now waits out
// wal_retrieve_retry_interval, as PostgreSQL's startup process does. A stop's DNS silence
// beginning its drawn onset after the command moved no file (no seed 1 draws a silence).
// Then every Demo 2 file (2026-12-07, session 43), when Demo 2's stack got the container
// engine's measured command latencies (runtime.command_delay stop, start and exec, from the
// stored Demo 2 records): a `docker stop` takes effect 35-803 ms after it is issued, an
// operator's step and a writer's first request 0.10-1.76 s after theirs. Files with a promotion
// also record the server's taking the request (pg_promote_requested). No Demo 1 hash moved.
// Then the five Demo 2 files with an operator's `sql` step (2026-12-08, session 44): the server
// records each of its statements as it begins (pg_statement_started, the real log_statement
// line validation now times the step to). Nothing else in them moved.
const std::map<std::string, std::string> kGolden = {
    {"demo1-part1.yaml", "afc029136d1380326a79992bbf2b812e2677b344c540a48fd461505261bfa1ad"},
    {"demo1-part1/host-shutdown.yaml", "2f8276de36d58213e16de8ff137fdbcb0f0785a2034c9d5b945b17e1ff95a76c"},
    {"demo1-part1/host.yaml", "057efb843cae6552376de87a37c356e4f15fe74a8e09d09b3ec29e292eedd01a"},
    {"demo1-part1/kill-nginx-master.yaml", "40b7d71611baac7b1fa8a0833cc62247e78576d3a4cab005c4b5974114af1a1f"},
    {"demo1-part1/syn-retransmit.yaml", "ae508c6ff0007109d8e144a6b082cff34e626b1e103af33acea8840cd80b7e50"},
    {"demo1-part2.yaml", "d29bdfbe7706591cf49f7a24b82ec1f7121ab4a527be8e1b46a5bca9683b51ed"},
    {"demo1-part2/chaos.yaml", "9d8cf272936e59168581fe3a8d0432b5fcb6df8a66005c301fef8af077b60123"},
    {"demo1-part2/disconnect-haproxy1.yaml", "ebb9193c00d7c1cf0cccf0a6ba6e234d11178bd73c8bccd66917b35a9fdd3f20"},
    {"demo1-part2/host.yaml", "8433243335c71b48adf27c4e83ce80e523eecd4119e028617a39a3cf006ff813"},
    {"demo1-part2/kill-haproxy-process.yaml", "8588d5046087dbe2b8e6929fd77a369e343cf5340ecb94be0cb2babd1b5e57eb"},
    {"demo1-part2/kill-haproxy1-container.yaml", "88c1fed9eebeb109c3807a063ce9b653b357e211dd082c4ca1b9433a3883d5c3"},
    {"demo1-part2/kill-keepalived-parent.yaml", "223db754ff707c6f60c38b7464a7256cf31f711c59a82b3ff655c61372ed01c7"},
    {"demo1-part2/kill-vrrp-child.yaml", "cd249c1d19aedb3f006f2d12a98cd463b137e46031fb686d836a6b1b09a2f42e"},
    {"demo1-part2/link-down-haproxy1.yaml", "a663001490b4359c7815e2953d27533078503a2dc6091c0ae6d1a52e3b6d454b"},
    {"demo1-part2/open-loop-kill-haproxy1.yaml", "4ce0af46cf358c891ace427c68e2b2964287b961744575f179825203a30fcf0e"},
    {"demo1-part2/recreate-haproxy1-container.yaml", "a612b97bdf587e23585a9400d9cf1ca6c96fce6284138127344990e276aea156"},
    {"demo1-part2/restart-keepalived-before-haproxy.yaml", "09abd8e4d12613bf5ed70462b4c13f371e71b86abc1775ad1a8b7335588fd8d7"},
    {"demo1-part2/restart-keepalived.yaml", "8086beabfb2775b48f10241f585e62bfefc346ad5b6d535f63597dfaaa45afd8"},
    {"demo2/basic-replication.yaml", "80e3713a7148ee740324d2fb641d04d33a2a09e69d66da49a20d7944dadfc9f5"},
    {"demo2/cascade.yaml", "a8dcfacb123b435677708e295c874ab6a79d7813990bacb11af4e913891a131c"},
    {"demo2/crash-failover.yaml", "afc00efaefb5c26ad3c4887f8b1f5e6ad775268954ed0dd802819a2d2976e2c9"},
    {"demo2/delayed-replica.yaml", "c6bb0122f92061a9841b4d00d4318b91ed596d0deb8d570f16851dd508f79983"},
    {"demo2/failover-script.yaml", "2afd562a14f06b7d0748db1125d2732cbe944af73c365d5fe42afda2de276635"},
    {"demo2/manual-failover.yaml", "41f6dd215e60a138dfb4af197778b916db00812731482ece9c6ffa84c8761fe1"},
    {"demo2/pgbench-failover.yaml", "db5f2ecb85689767e79adebb3acb0f5dbe4edc5c6ed50e4831b3dcb7570695f1"},
    {"demo2/pgbench.yaml", "5e6f9476a6a6e9391fccb8d50b3e2bb03538f739fb00a8816226ded069e2a5d5"},
    {"demo2/pgbouncer-failover.yaml", "6c7075a8ab5e5e37b061494959614e30e8e241c7d0e0c0457fb427ff6649476b"},
    {"demo2/pgbouncer.yaml", "01c2aa808a604b5325f9d1e72136074844d16ef5efc5261ff7e38a0600bb5350"},
    {"demo2/read-scaling.yaml", "c1bae72ff25fd494f109783a0e84f7eec4c7dabdf5bac279e57888c357297b11"},
    {"demo2/reclone.yaml", "0575608ae5f920d2918e69511a0594525d23e8fad9cc9c4a7a5da64874c33f08"},
    {"demo2/restart-primary.yaml", "14ae1133906e02d8ef78e26585f1e06f6bf0455cbefde9d5482138ebcc177f83"},
    {"demo2/split-brain-rewind.yaml", "4520b62cbf9512830c892d9bfb7419b61e7d490ee6ab9be169cd789362448760"},
    {"demo2/split-brain.yaml", "803bddde9c99f19ac6c709cf7e395279b36d01f808552bf310d23cfab974be6b"},
    {"demo2/slot-retention-unbounded.yaml", "2346f076a3a867fb9713dcb51f7a8ce679a2001955102249dedd0e924d157ad2"},
    {"demo2/slot-retention.yaml", "56a0731ed70e9fef394df2c62e684f5b4849d5ee1b3b5ef1ce72b0a27dd2db46"},
    {"demo2/stack.yaml", "71998c9cf987884fd233ae0c17323a38de41ed789530261079ca13e4c311dcd8"},
    {"demo2/sync-replication.yaml", "6a0b0056699b41bbea0275f3457417bb6beae55034bea42e4b505f66c3977ec5"},
    {"demo2/sync-standby-stops.yaml", "b8b8db0cd1c364c73f01589fc9799f9af1cb972bcedd0f85cc587c2de5117567"},
    {"demo2/sync-standby-takeover.yaml", "19af0c03456ab9c300cd07081720e28cc299a76ac2505142c5b04a9876e5881d"},
    {"split-brain/auth-mismatch.yaml", "8442dc5f1dcc0d6fac80a16f1e9862727f2bc615eab8523fa2843d8658979676"},
    {"split-brain/both-master.yaml", "cd39081866b176b6f5f5e9b95dda03e8628834e485ab9de0833a764cc84334cb"},
    {"split-brain/frozen-master.yaml", "5ace2180e2cd19a5785f5a213d1c9e26348d3d0dbe72b9f9645a992deebb1b09"},
    {"split-brain/one-way-vrrp.yaml", "9c9a1e63976d11f1c9b0e379e32c3c2cd3cdcd8245f64274b24a9cda88b8740a"},
    {"split-brain/vrid-mismatch.yaml", "dcc53d4238ba8efcbf48efaf8cd4e1919bd1cae132c6987f1b3d337fa78a4c95"},
    {"split-brain/vrrp-blocked.yaml", "35f0cf58b24955fe9da29ed3c7ef72f16bb4e83c419a314aa165a6b5ce484e4a"},
    {"validation/demo1-part1-short.yaml", "1a9edb15096dd244c0f899d8798f166caf42a5c10d0aff4d2ceb4098098a9911"},
    {"validation/faults-smoke.yaml", "9ba8648df163b6f2df157789034d392f14481a881933f2243e352b25f6247d06"},
};

const std::string kRoot = std::string(HASIM_SOURCE_DIR) + "/scenarios/";

}  // namespace

TEST_CASE("every library scenario's trace at seed 1 matches its pinned hash", "[scenarios][golden]") {
  for (const auto& [rel, hash] : kGolden) {
    INFO(rel);
    const auto r = scenarios::run_scenario(scenarios::load_scenario(kRoot + rel), 1);
    CHECK(r.trace_sha256 == hash);
  }
}

TEST_CASE("every scenario in the library has a pinned hash", "[scenarios][golden]") {
  // calibration/ holds profiles that scenarios include, faults/ the fault profiles `hasim explore`
  // draws schedules from: neither holds scenarios.
  for (const auto& e : std::filesystem::recursive_directory_iterator(kRoot)) {
    if (!e.is_regular_file() || e.path().extension() != ".yaml") continue;
    const std::string rel = std::filesystem::relative(e.path(), kRoot).generic_string();
    if (rel.rfind("calibration/", 0) == 0 || rel.rfind("faults/", 0) == 0) continue;
    INFO(rel << " has no entry in kGolden: add it (seed 1)");
    CHECK(kGolden.count(rel) == 1);
  }
}

TEST_CASE("a scenario's trace does not depend on how its path is spelled", "[scenarios][golden]") {
  // Fault records carry their source (file:line), relative to the scenario's own folder.
  const auto plain = scenarios::run_scenario(scenarios::load_scenario(kRoot + "demo1-part2/chaos.yaml"), 1);
  const auto detour = scenarios::run_scenario(scenarios::load_scenario(kRoot + "split-brain/../demo1-part2/./chaos.yaml"), 1);
  CHECK(plain.trace_sha256 == detour.trace_sha256);
  bool saw_fault = false;
  for (const auto& e : plain.events)
    if (e.kind == "fault") {
      saw_fault = true;
      CHECK(e.text("source").rfind("chaos.yaml:", 0) == 0);
    }
  CHECK(saw_fault);
}
