// pgbench's client loop (see pgbench.hpp): advanceConnectionState's throttle, script and
// end-of-transaction states, for the built-in "tpcb-like" script.
#include "models/postgres/pgbench.hpp"

#include <algorithm>
#include <cmath>

#include "models/postgres/events.hpp"
#include "sim/json.hpp"
#include "sim/simulation.hpp"

namespace models::postgres {

Pgbench::Pgbench(sim::Node& node, std::string name, PgbenchConfig config)
    : sim::Process(node, std::move(name)), config_(std::move(config)), init_timer_(make_timer()) {
  start_delay = sim::Distribution::constant(0);
  stop_delay = sim::Distribution::constant(0);
  // \set's random() draws and the throttle's Poisson schedule, each from a stream of its own.
  random_ = sim().rng(this->name() + "/random");
  throttle_ = sim().rng(this->name() + "/throttle");
  wakeup_ = sim().rng(this->name() + "/wakeup");
}

namespace {
/// Catalog WAL of pgbench -i's DDL (pg_waldump --stats, PostgreSQL 15.18 on the validation host,
/// 2026-12-05, `pgbench -i -q -s 1` one step at a time): the four CREATE TABLE wrote 105,638
/// bytes; the data step's records besides COPY's pages (the TRUNCATE, the branches' and tellers'
/// rows, its commit) about 3.6 kB; the four VACUUM ANALYZE 23,197; the three primary keys' catalog
/// records about 43 kB beyond the index pages. DROP TABLE IF EXISTS of tables that do not exist
/// writes nothing.
constexpr std::uint64_t kCreateTableWalBytes = 26'400;
constexpr std::uint64_t kTruncateAndSmallRowsWalBytes = 3'600;
constexpr std::uint64_t kVacuumAnalyzeWalBytes = 5'800;
constexpr std::uint64_t kPrimaryKeyCatalogWalBytes = 14'400;
/// A COPY line pgbench sends for an account ("aid\tbid\t0\t\n"), on average.
constexpr std::uint64_t kCopyLineBytes = 14;
/// pgbench.sh's bounds: `pgbench -i` tried at most 60 times a second apart, the standbys polled
/// at most 120 times half a second apart.
constexpr int kInitAttempts = 60;
constexpr sim::Time kInitRetry = sim::kSecond;
constexpr int kStandbyPolls = 120;
constexpr sim::Time kStandbyPoll = 500 * sim::kMillisecond;
}  // namespace

void Pgbench::on_start() {
  clients_.clear();
  transactions_ = 0;
  aborted_ = 0;
  failed_start_ = false;
  began_ = sim().now();
  if (!config_.initialize) return start_run();
  const std::int64_t rows = 100000LL * config_.scale;
  init_statements_ = {
      {"drop table if exists pgbench_accounts, pgbench_branches, pgbench_history, pgbench_tellers", 0},
      {"create table pgbench_history(tid int,bid int,aid int,delta int,mtime timestamp,filler char(22))", kCreateTableWalBytes},
      {"create table pgbench_tellers(tid int not null,bid int,tbalance int,filler char(84)) with (fillfactor=100)",
       kCreateTableWalBytes},
      {"create table pgbench_accounts(aid int not null,bid int,abalance int,filler char(84)) with (fillfactor=100)",
       kCreateTableWalBytes},
      {"create table pgbench_branches(bid int not null,bbalance int,filler char(88)) with (fillfactor=100)",
       kCreateTableWalBytes},
      {"truncate table pgbench_accounts, pgbench_branches, pgbench_history, pgbench_tellers", kTruncateAndSmallRowsWalBytes},
      {"copy pgbench_accounts from stdin with (freeze on)", 0, rows, static_cast<std::uint64_t>(rows) * kCopyLineBytes},
      {"vacuum analyze pgbench_branches", kVacuumAnalyzeWalBytes},
      {"vacuum analyze pgbench_tellers", kVacuumAnalyzeWalBytes},
      {"vacuum analyze pgbench_accounts", kVacuumAnalyzeWalBytes},
      {"vacuum analyze pgbench_history", kVacuumAnalyzeWalBytes},
      {"alter table pgbench_branches add primary key (bid)", kPrimaryKeyCatalogWalBytes},
      {"alter table pgbench_tellers add primary key (tid)", kPrimaryKeyCatalogWalBytes},
      {"alter table pgbench_accounts add primary key (aid)", kPrimaryKeyCatalogWalBytes},
  };
  init_attempts_ = 0;
  init_ok_ = false;
  init_try();
}

std::unique_ptr<PgConnection> Pgbench::session() {
  auto conn = std::make_unique<PgConnection>(*this, config_.host, config_.port);
  conn->application_name = "pgbench";
  conn->database = config_.dbname;
  conn->connect_timeout = config_.connect_timeout;
  conn->tcp_options = WriteClient::writer_tcp_options();
  return conn;
}

void Pgbench::init_try() {
  ++init_attempts_;
  init_conn_ = session();
  init_conn_->connect([this](const PgResult& r) {
    if (!r.ok) return init_failed();
    init_step(0);
  });
}

void Pgbench::init_step(std::size_t i) {
  if (i == init_statements_.size()) {
    init_conn_->close();
    init_ok_ = true;
    return init_checkpoint();
  }
  init_conn_->query(init_statements_[i], [this, i](const PgResult& r) {
    if (!r.ok) return init_failed();
    init_step(i + 1);
  });
}

void Pgbench::init_failed() {
  // pgbench -i exits 1; pgbench.sh sleeps a second and runs it again, 60 times at most, then
  // goes on as if it had worked.
  init_conn_->close();
  if (init_attempts_ >= kInitAttempts) return init_checkpoint();
  init_timer_.arm_after(kInitRetry, [this] { init_try(); });
}

void Pgbench::init_checkpoint() {
  // psql -c CHECKPOINT: the run then starts just after a redo point (each page's first change
  // writes its image).
  init_conn_ = session();
  init_conn_->connect([this](const PgResult& r) {
    if (!r.ok) return wait_standbys(0);
    init_conn_->query({"CHECKPOINT", 0}, [this](const PgResult&) {
      init_conn_->close();
      wait_standbys(0);
    });
  });
}

void Pgbench::wait_standbys(int polls) {
  if (polls >= kStandbyPolls) return init_done(false);
  init_conn_ = session();
  init_conn_->connect([this, polls](const PgResult& r) {
    auto again = [this, polls] { init_timer_.arm_after(kStandbyPoll, [this, polls] { wait_standbys(polls + 1); }); };
    if (!r.ok) return again();
    init_conn_->query({"SELECT count(*) FROM pg_stat_replication WHERE replay_lsn IS DISTINCT FROM pg_current_wal_lsn()", 0},
                      [this, again](const PgResult& q) {
                        init_conn_->close();
                        if (q.ok && q.result.rows == 0) return init_done(true);
                        again();
                      });
  });
}

void Pgbench::init_done(bool caught_up) {
  sim().record(kPgbenchInitialized, {{"client", name()}, {"node", config_.host}, {"ok", init_ok_}, {"standbys_caught_up", caught_up},
                                     {"init_s", static_cast<double>(sim().now() - began_) / sim::kSecond}});
  // The run at its start, not before, whatever the set-up took.
  const sim::Time at = began_ + config_.run_at;
  if (at > sim().now()) return init_timer_.arm_at(at, [this] { start_run(); });
  start_run();
}

void Pgbench::start_run() {
  pending_connects_ = config_.clients;
  for (int i = 0; i < config_.clients; ++i) {
    auto c = std::make_unique<Client>(Client{i, session(), 0, 0, 0, {}, 0, false, make_timer()});
    Client* raw = c.get();
    clients_.push_back(std::move(c));
    raw->conn->connect([this, raw](const PgResult& r) { connected(*raw, r); });
  }
}

void Pgbench::on_exit() {
  clients_.clear();
  init_conn_.reset();
}

void Pgbench::connected(Client& c, const PgResult& r) {
  if (failed_start_) return;
  if (!r.ok) {
    // "could not create connection for client N": pgbench exits before its run.
    failed_start_ = true;
    for (auto& other : clients_) {
      if (other->conn) other->conn->close();
      other->done = true;
    }
    aborted_ = config_.clients;
    const std::string state = r.sqlstate.empty() ? sqlstate::kConnectionFailure : r.sqlstate;
    sim().record(kPgbenchAborted, {{"client", name()}, {"node", config_.host}, {"client_id", static_cast<std::int64_t>(c.id)},
                                   {"command", static_cast<std::int64_t>(-1)}, {"sqlstate", state}, {"message", r.message}},
                 true);
    return;
  }
  if (--pending_connects_ > 0) return;
  // The run's clock starts once every client is connected (pgbench's "initial connection time"
  // is left out of its tps), and so does the throttle's schedule.
  start_ = sim().now();
  end_ = start_ + config_.time;
  throttle_trigger_ = start_;
  for (auto& cl : clients_) next_transaction(*cl);
}

void Pgbench::next_transaction(Client& c) {
  if (c.done) return;
  if (sim().now() >= end_) {
    c.done = true;
    c.conn->close();
    return;
  }
  if (config_.rate > 0) {
    // getPoissonRand: an exponential wait of mean 1/rate, in whole microseconds, after the
    // previous slot of the schedule, whichever client takes it.
    const double mean_us = 1e6 / config_.rate;
    const auto wait_us = static_cast<std::int64_t>(throttle_.exponential(mean_us) + 0.5);
    throttle_trigger_ += wait_us * sim::kMicrosecond;
    c.scheduled = throttle_trigger_;
    if (c.scheduled >= end_) {  // the schedule ran past -T: this client is finished
      c.done = true;
      c.conn->close();
      return;
    }
    if (c.scheduled > sim().now()) {
      // The thread sleeps until then and wakes as late as the host lets it: the lag pgbench
      // reports. A client free only after its slot (no sleep) starts at once, as late as it is.
      const sim::Time late = std::max<sim::Time>(0, config_.wakeup_delay.sample(wakeup_));
      c.timer.arm_at(c.scheduled + late, [this, &c] { begin(c); });
      return;
    }
  } else {
    c.scheduled = sim().now();
  }
  begin(c);
}

void Pgbench::begin(Client& c) {
  c.begun = sim().now();
  // The script's \set lines: aid, bid, tid, delta (random(lo, hi), uniform).
  const std::int64_t aid = random_.uniform_int(1, 100000LL * config_.scale);
  const std::int64_t bid = random_.uniform_int(1, config_.scale);
  const std::int64_t tid = random_.uniform_int(1, 10LL * config_.scale);
  const std::int64_t delta = random_.uniform_int(-5000, 5000);
  const std::string a = std::to_string(aid), b = std::to_string(bid), t = std::to_string(tid), d = std::to_string(delta);
  c.script = {
      "BEGIN;",
      "UPDATE pgbench_accounts SET abalance = abalance + " + d + " WHERE aid = " + a + ";",
      "SELECT abalance FROM pgbench_accounts WHERE aid = " + a + ";",
      "UPDATE pgbench_tellers SET tbalance = tbalance + " + d + " WHERE tid = " + t + ";",
      "UPDATE pgbench_branches SET bbalance = bbalance + " + d + " WHERE bid = " + b + ";",
      "INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (" + t + ", " + b + ", " + a + ", " + d +
          ", CURRENT_TIMESTAMP);",
      "END;",
  };
  c.command = 0;
  step(c);
}

void Pgbench::step(Client& c) {
  const std::size_t command = c.command;
  c.conn->query({c.script[command], 0}, [this, &c, command](const PgResult& r) {
    if (c.done || command != c.command) return;
    if (!r.ok) return abort_client(c, r);
    if (++c.command < c.script.size()) return step(c);
    ++c.tx;
    ++transactions_;
    sim().record(kPgbenchTransaction,
                 {{"client", name()}, {"node", r.result.served_by}, {"client_id", static_cast<std::int64_t>(c.id)},
                  {"tx", c.tx}, {"latency_us", static_cast<std::int64_t>((sim().now() - c.scheduled) / sim::kMicrosecond)},
                  {"lag_us", static_cast<std::int64_t>((c.begun - c.scheduled) / sim::kMicrosecond)}});
    next_transaction(c);
  });
}

void Pgbench::abort_client(Client& c, const PgResult& r) {
  // "client N aborted in command M (SQL) of script 0; ...": the client ends, the others go on.
  c.done = true;
  ++aborted_;
  c.timer.cancel();
  const std::string state = r.sqlstate.empty() ? sqlstate::kConnectionFailure : r.sqlstate;
  sim().record(kPgbenchAborted, {{"client", name()}, {"node", config_.host}, {"client_id", static_cast<std::int64_t>(c.id)},
                                 {"command", static_cast<std::int64_t>(c.command)}, {"sqlstate", state}, {"message", r.message}},
               true);
  c.conn->close();
}

}  // namespace models::postgres
