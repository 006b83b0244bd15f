// The one SQL reader (models/postgres/statement.hpp): what each client's text is taken for.
#include <catch2/catch.hpp>

#include "models/postgres/statement.hpp"

namespace pg = models::postgres;
using K = pg::Statement::Kind;

namespace {
pg::Statement one(const std::string& sql) {
  const auto st = pg::parse_statements(sql);
  REQUIRE(st.size() == 1);
  return st.front();
}
}  // namespace

TEST_CASE("pgbench's statements are told apart by kind, relation and key", "[postgres][statement]") {
  auto u = one("UPDATE pgbench_branches SET bbalance = bbalance + -12 WHERE bid = 3;");
  CHECK(u.kind == K::Update);
  CHECK(u.name == "pgbench_branches");
  CHECK(u.key == 3);
  auto s = one("SELECT abalance FROM pgbench_accounts WHERE aid = 77;");
  CHECK(s.kind == K::Select);
  CHECK(s.name == "pgbench_accounts");
  CHECK(s.key == 77);
  CHECK(one("BEGIN;").kind == K::Begin);
  CHECK(one("start transaction").kind == K::Begin);
  CHECK(one("END;").kind == K::Commit);
  CHECK(one("rollback").kind == K::Rollback);
  auto i = one("INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (1, 1, 2, 3, CURRENT_TIMESTAMP);");
  CHECK(i.kind == K::Insert);
  CHECK(i.name == "pgbench_history");
  CHECK(i.literal_lengths.empty());
  // The writer's row: its string literals' lengths (quotes and doubled quotes as the value has
  // them), none from RETURNING.
  auto row = one("INSERT INTO users (name, email) VALUES ('load-10', 'it''s@hasim.invalid') RETURNING 'id=' || id;");
  CHECK(row.kind == K::Insert);
  CHECK(row.literal_lengths == std::vector<std::size_t>{7, 18});
  // An UPDATE with no key is none of the block's row statements.
  CHECK(one("UPDATE users SET name = 'x'").kind == K::Other);
}

TEST_CASE("pgbench -i's bulk statements and pgbench.sh's wait for the standbys are told apart, each with its relation",
          "[postgres][statement]") {
  auto copy = one("copy pgbench_accounts from stdin with (freeze on)");
  CHECK(copy.kind == K::Copy);
  CHECK(copy.name == "pgbench_accounts");
  CHECK(one("COPY t TO STDOUT").kind == K::Other);  // out, not in: nothing the model loads
  auto pkey = one("alter table pgbench_accounts add primary key (aid)");
  CHECK(pkey.kind == K::AddPrimaryKey);
  CHECK(pkey.name == "pgbench_accounts");
  CHECK(one("ALTER TABLE t ADD COLUMN c int").kind == K::Other);
  auto vac = one("vacuum analyze pgbench_tellers");
  CHECK(vac.kind == K::Vacuum);
  CHECK(vac.name == "pgbench_tellers");
  CHECK(one("SELECT count(*) FROM pg_stat_replication WHERE replay_lsn IS DISTINCT FROM pg_current_wal_lsn()").kind ==
        K::StandbysBehind);
  // count(*) of any other relation is still the writers' row count.
  CHECK(one("SELECT count(*) FROM users").kind == K::RowCount);
}

TEST_CASE("a query of several statements is split at semicolons outside quotes", "[postgres][statement]") {
  const auto st = pg::parse_statements("BEGIN; set local SYNCHRONOUS_COMMIT to 'off'; INSERT INTO t (v) VALUES ('a;b'); COMMIT;;");
  REQUIRE(st.size() == 4);
  CHECK(st[0].kind == K::Begin);
  CHECK(st[1].kind == K::Set);
  CHECK(st[1].local);
  CHECK(st[1].name == "synchronous_commit");
  CHECK(st[1].value == "'off'");
  CHECK(st[2].kind == K::Insert);
  CHECK(st[2].text == "INSERT INTO t (v) VALUES ('a;b')");
  CHECK(st[3].kind == K::Commit);
  const auto session = one("SET synchronous_commit = remote_apply");
  CHECK(session.kind == K::Set);
  CHECK_FALSE(session.local);
  CHECK(session.value == "remote_apply");
  CHECK(pg::parse_statements(" ; ").empty());
}

TEST_CASE("the functions clients call are recognised in any case and with what surrounds them", "[postgres][statement]") {
  CHECK(one("SELECT pg_is_in_recovery()").kind == K::IsInRecovery);
  CHECK(one("SELECT pg_last_wal_receive_lsn() - '0/0'").kind == K::LastWalReceiveLsn);
  CHECK(one("select PG_LAST_WAL_REPLAY_LSN() - '0/0'").kind == K::LastWalReplayLsn);
  CHECK(one("SELECT pg_promote()").kind == K::Promote);
  CHECK(one("SELECT pg_promote()").bare_call);
  CHECK(one("SELECT pg_reload_conf()").kind == K::ReloadConf);
  CHECK(one("SELECT max(id) FROM users").kind == K::RowCount);
  CHECK(one("SELECT count(*) FROM users").kind == K::RowCount);
  const auto slot = one("SELECT pg_create_physical_replication_slot('replica2_slot')");
  CHECK(slot.kind == K::CreateSlot);
  CHECK(slot.name == "replica2_slot");
  CHECK(one("SELECT 'xid=' || txid_current() || ' lsn=' || pg_current_wal_insert_lsn()").kind == K::TransactionInfo);
  CHECK(one("CHECKPOINT").kind == K::Checkpoint);
  CHECK(one("select 1").kind == K::Other);
  CHECK(one("DISCARD ALL").kind == K::Other);
  // A function's name inside a literal is not a call.
  CHECK(one("SELECT 'pg_promote()'").kind == K::Other);
}

TEST_CASE("ALTER SYSTEM gives its parameter in lower case and its value as written", "[postgres][statement]") {
  const auto set = one("ALTER SYSTEM SET Synchronous_Standby_Names TO 'FIRST 1 (pg2)'");
  CHECK(set.kind == K::AlterSystemSet);
  CHECK(set.name == "synchronous_standby_names");
  CHECK(set.value == "'FIRST 1 (pg2)'");
  const auto reset = one("alter system reset wal_sender_timeout");
  CHECK(reset.kind == K::AlterSystemReset);
  CHECK(reset.name == "wal_sender_timeout");
  CHECK(one("ALTER SYSTEM SET wal_sender_timeout").kind == K::Other);
}
