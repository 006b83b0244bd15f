// pgbench's client loop (see pgbench.hpp): advanceConnectionState's throttle, script and
// end-of-transaction states, for the built-in "tpcb-like" script.
#include "models/postgres/pgbench.hpp"

#include <cmath>

#include "models/postgres/events.hpp"
#include "sim/json.hpp"
#include "sim/simulation.hpp"

namespace models::postgres {

Pgbench::Pgbench(sim::Node& node, std::string name, PgbenchConfig config)
    : sim::Process(node, std::move(name)), config_(std::move(config)) {
  start_delay = sim::Distribution::constant(0);
  stop_delay = sim::Distribution::constant(0);
  // \set's random() draws and the throttle's Poisson schedule, each from a stream of its own.
  random_ = sim().rng(this->name() + "/random");
  throttle_ = sim().rng(this->name() + "/throttle");
}

void Pgbench::on_start() {
  clients_.clear();
  transactions_ = 0;
  aborted_ = 0;
  failed_start_ = false;
  pending_connects_ = config_.clients;
  for (int i = 0; i < config_.clients; ++i) {
    auto c = std::make_unique<Client>(Client{i, nullptr, 0, 0, 0, {}, 0, false, make_timer()});
    c->conn = std::make_unique<PgConnection>(*this, config_.host, config_.port);
    c->conn->application_name = "pgbench";
    c->conn->database = config_.dbname;
    c->conn->connect_timeout = config_.connect_timeout;
    c->conn->tcp_options = WriteClient::writer_tcp_options();
    Client* raw = c.get();
    clients_.push_back(std::move(c));
    raw->conn->connect([this, raw](const PgResult& r) { connected(*raw, r); });
  }
}

void Pgbench::on_exit() {
  clients_.clear();
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
      c.timer.arm_at(c.scheduled, [this, &c] { begin(c); });
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
