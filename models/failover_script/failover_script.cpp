// The failover script's loop (see failover_script.hpp), step by step as the bash version runs
// it: one psql at a time, each a new session.
#include "models/failover_script/failover_script.hpp"

#include "models/failover_script/events.hpp"
#include "sim/disk.hpp"
#include "sim/node.hpp"
#include "sim/simulation.hpp"

namespace models::failover_script {

namespace pg = models::postgres;

const char* to_string(LagBy l) { return l == LagBy::ReceiveLsn ? "receive" : "replay"; }

FailoverScript::FailoverScript(sim::Node& node, FailoverScriptConfig config)
    : sim::Process(node, "failover_script"), config_(std::move(config)), timer_(make_timer()), psql_rng_(rng("psql")) {
  // A shell script: exec'd at once, and gone at once on its signal.
  start_delay = sim::Distribution::constant(0);
  stop_delay = sim::Distribution::constant(0);
}

void FailoverScript::on_start() {
  primary_ = config_.primary;
  standbys_ = config_.standbys;
  primary_seen_ = false;
  failed_ = 0;
  check();
}

void FailoverScript::on_exit() {
  ++gen_;
  timer_.cancel();
}

void FailoverScript::record(const char* kind, std::vector<sim::Field> fields) {
  fields.insert(fields.begin(), sim::Field{"node", node().name()});
  sim().record(kind, std::move(fields), true);
}

void FailoverScript::psql(const std::string& host, std::vector<std::string> statements, Done done) {
  const sim::Time cost = psql_start ? std::max<sim::Time>(0, psql_start->sample(psql_rng_)) : 0;
  if (cost > 0) {
    const std::uint64_t g = gen_;
    after(cost, [this, g, host, st = std::move(statements), done = std::move(done)]() mutable {
      if (g == gen_) connect_psql(host, std::move(st), std::move(done));
    });
    return;
  }
  connect_psql(host, std::move(statements), std::move(done));
}

void FailoverScript::connect_psql(const std::string& host, std::vector<std::string> statements, Done done) {
  auto c = std::make_shared<pg::PgConnection>(*this, host);
  c->connect_timeout = config_.connect_timeout;
  c->application_name = "failover_script";
  const std::uint64_t g = gen_;
  c->connect([this, c, g, st = std::move(statements), done = std::move(done)](const pg::PgResult& r) mutable {
    if (g != gen_) return;
    if (!r.ok) {
      // psql exits 2: the connection failed (refused, timed out, or a FATAL at start-up).
      after(0, [c] {});  // the session is dropped once this callback has returned
      done(r);
      return;
    }
    run_statements(c, std::move(st), 0, std::move(done));
  });
}

void FailoverScript::run_statements(std::shared_ptr<pg::PgConnection> c, std::vector<std::string> statements, std::size_t i,
                                    Done done) {
  const std::uint64_t g = gen_;
  const std::string sql = statements[i];
  c->query({sql, 0}, [this, c, g, i, st = std::move(statements), done = std::move(done)](const pg::PgResult& r) mutable {
    if (g != gen_) return;
    if (r.ok && i + 1 < st.size()) {
      run_statements(c, std::move(st), i + 1, std::move(done));
      return;
    }
    // The last -c ran, or one failed (ON_ERROR_STOP): psql says goodbye and exits.
    c->close();
    after(0, [c] {});
    done(r);
  });
}

// ---- 1. detect ----

void FailoverScript::check() {
  psql(primary_, {"SELECT 1"}, [this](const pg::PgResult& r) {
    if (r.ok) {
      primary_seen_ = true;
      failed_ = 0;
      return next_check();
    }
    if (!primary_seen_) return next_check();
    ++failed_;
    record(kCheckFailed, {{field::kHost, primary_}, {"failures", static_cast<std::int64_t>(failed_)}, {"message", r.message}});
    if (failed_ >= config_.failures) return detected();
    next_check();
  });
}

void FailoverScript::next_check() {
  timer_.arm_after(config_.check_interval, [this] { check(); });
}

void FailoverScript::detected() {
  record(kDetected, {{field::kHost, primary_}});
  failed_ = 0;
  positions_.assign(standbys_.size(), std::nullopt);
  if (standbys_.empty()) {
    record(kGaveUp, {{"message", "no standby to promote"}});
    return;
  }
  ask_standby(0);
}

// ---- 2. the standby with the least lag ----

void FailoverScript::ask_standby(std::size_t i) {
  if (i == standbys_.size()) return promote();
  const std::string fn = config_.lag_by == LagBy::ReceiveLsn ? "pg_last_wal_receive_lsn" : "pg_last_wal_replay_lsn";
  // `- '0/0'`: the position as a number of bytes (pg_lsn's minus), which bash compares.
  psql(standbys_[i].host, {"SELECT " + fn + "() - '0/0'"}, [this, i](const pg::PgResult& r) {
    if (r.ok && r.result.lsn) positions_[i] = *r.result.lsn;
    record(kCandidate, {{field::kHost, standbys_[i].host},
                        {field::kLsn, positions_[i] ? static_cast<std::int64_t>(*positions_[i]) : std::int64_t{-1}},
                        {"message", r.ok ? std::string() : r.message}});
    ask_standby(i + 1);
  });
}

void FailoverScript::promote() {
  // The first of the furthest ahead (the script compares with `>`, in STANDBYS' order).
  std::optional<std::size_t> best;
  for (std::size_t i = 0; i < positions_.size(); ++i)
    if (positions_[i] && (!best || *positions_[i] > *positions_[*best])) best = i;
  if (!best) {
    record(kGaveUp, {{"message", "no standby answered"}});
    return;
  }
  chosen_ = *best;
  const std::string host = standbys_[chosen_].host;
  psql(host, {"SELECT pg_promote()"}, [this, host](const pg::PgResult& r) {
    const bool ok = r.ok && r.result.value;
    record(kPromoted, {{field::kHost, host}, {field::kLsn, static_cast<std::int64_t>(*positions_[chosen_])},
                       {"ok", ok}, {"message", r.ok ? std::string(ok ? "" : "pg_promote returned false") : r.message}});
    repoint_app();
  });
}

// ---- 4. the application, then 3. the other standbys ----

void FailoverScript::repoint_app() {
  const std::string host = standbys_[chosen_].host;
  for (const auto& w : config_.repoint) {
    // `echo NEW > /tmp/hasim-pg-host-NAME`: the writer reads it before its next attempt.
    node().disk().write_file("/tmp/hasim-pg-host-" + w, host + "\n");
    record(kAppRepointed, {{"workload", w}, {field::kPrimary, host}});
  }
  repoint_standby(0);
}

void FailoverScript::repoint_standby(std::size_t i) {
  if (i == standbys_.size()) {
    // From now on the script watches the new primary, with the standbys it has left.
    primary_ = standbys_[chosen_].host;
    standbys_.erase(standbys_.begin() + static_cast<std::ptrdiff_t>(chosen_));
    primary_seen_ = false;
    return next_check();
  }
  if (i == chosen_) return repoint_standby(i + 1);
  const StandbyEntry s = standbys_[i];
  const std::string primary = standbys_[chosen_].host;
  auto set_conninfo = [this, s, primary, i] {
    const std::string conninfo = "host=" + primary + " " + config_.conninfo + " application_name=" + s.host;
    psql(s.host, {"ALTER SYSTEM SET primary_conninfo = '" + conninfo + "'", "SELECT pg_reload_conf()"},
         [this, s, primary, i](const pg::PgResult& r) {
           record(kRepointed, {{field::kHost, s.host}, {field::kPrimary, primary}, {"ok", r.ok}, {"message", r.ok ? "" : r.message}});
           repoint_standby(i + 1);
         });
  };
  if (s.slot.empty()) return set_conninfo();
  // Slots live on each server: the new primary has none for this standby yet. An "already
  // exists" (a slot made before) is no reason to stop.
  psql(primary, {"SELECT pg_create_physical_replication_slot('" + s.slot + "')"}, [set_conninfo](const pg::PgResult&) { set_conninfo(); });
}

}  // namespace models::failover_script
