#include "validation/validate.hpp"

#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>

#include "models/postgres/events.hpp"
#include "models/workloads/events.hpp"
#include "scenarios/checks/check.hpp"
#include "scenarios/checks/load.hpp"
#include "scenarios/checks/replication.hpp"
#include "scenarios/events.hpp"
#include "scenarios/postgres_checks.hpp"
#include "validation/bulk_pace.hpp"
#include "validation/exec_delays.hpp"
#include "validation/pgbench_wakeup.hpp"
#include "validation/run_commands.hpp"
#include "validation/standby_flush.hpp"
#include "validation/session_probe.hpp"
#include "validation/seconds_list.hpp"
#include "validation/statement_durations.hpp"
#include "sim/events.hpp"
#include "scenarios/loader.hpp"
#include "scenarios/sweep.hpp"
#include "sim/invariants.hpp"
#include "sim/json.hpp"

#ifndef HASIM_SOURCE_DIR
#define HASIM_SOURCE_DIR "."
#endif

namespace validation {

namespace {

namespace se = sim::events;

// Fewer fresh pg_stat_replication rows than this (a run without standbys, or one cut short) leave
// the disk to run_real.py's probe.
constexpr std::size_t kLeastStandbyFlushes = 20;
// And per run, for its own distribution (deciles of fewer would be a handful of rows each).
constexpr std::size_t kLeastRowsPerRun = 10;

double median_of(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}
// pgbench's idle transactions for its own wake-up: a run at -R 200 for 30 s logs ~6,000, a
// failover run that lost its server early some hundreds; fewer than this fill no fine tail.
constexpr std::size_t kLeastPgbenchTransactions = 200;

double number_of(const scenarios::Tree& t, const std::string& file, const std::string& what) {
  if (!t.is_scalar()) throw std::runtime_error(file + ": " + what + " is not a number");
  char* end = nullptr;
  const double v = std::strtod(t.scalar.c_str(), &end);
  if (end == t.scalar.c_str() || *end != '\0' || !std::isfinite(v))
    throw std::runtime_error(file + ": " + what + " is not a number: '" + t.scalar + "'");
  return v;
}

std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

// Times in seconds with milliseconds, counts as they are.
std::string value_text(const std::string& metric, double v) {
  if (is_time_metric(metric)) return fixed(v, 3);
  if (v == std::floor(v) && std::fabs(v) < 1e15) return fixed(v, 0);
  return fixed(v, 2);
}

std::string pad(const std::string& s, std::size_t w) { return s.size() >= w ? s + " " : s + std::string(w - s.size(), ' '); }

std::string summary_text(const std::string& metric, const Summary& s) {
  if (s.n == 0) return "-";
  return value_text(metric, s.min) + " / " + value_text(metric, s.median) + " / " + value_text(metric, s.max);
}

std::string verdict_text(const MetricVerdict& m) {
  if (m.pass()) return "ok";
  std::string why;
  if (!m.median_ok) why += "median off by " + value_text(m.metric, std::fabs(m.sim.median - m.real.median)) +
                           " > " + value_text(m.metric, m.tolerance);
  if (!m.range_ok) why += std::string(why.empty() ? "" : "; ") + "real range outside simulated";
  return "MISS (" + why + ")";
}

std::string outcome_side(int yes, int n) {
  if (yes == 0) return "never (0/" + std::to_string(n) + ")";
  if (yes == n) return "always (" + std::to_string(n) + "/" + std::to_string(n) + ")";
  return "sometimes (" + std::to_string(yes) + "/" + std::to_string(n) + ")";
}

/// One measured distribution of a results file: {n, runs, median_s, max_s, quantiles_s}.
Measured read_measured(const scenarios::Tree& t, const std::string& path, const std::string& what) {
  auto where = [&](const scenarios::Tree& at) { return path + ":" + std::to_string(at.src.line) + ": " + what; };
  auto field = [&](const char* key) -> const scenarios::Tree& {
    const scenarios::Tree* v = t.find(key);
    if (v == nullptr) throw std::runtime_error(where(t) + " without '" + key + "'");
    return *v;
  };
  auto num = [&](const scenarios::Tree& v) { return number_of(v, path, what); };
  Measured m;
  const scenarios::Tree& qs = field("quantiles_s");
  if (!qs.is_seq() || qs.seq.size() < 2) throw std::runtime_error(where(qs) + ".quantiles_s: a list of [q, seconds] pairs");
  double last_q = -1, last_v = -1;
  for (const auto& pair : qs.seq) {
    if (!pair.is_seq() || pair.seq.size() != 2) throw std::runtime_error(where(pair) + ".quantiles_s: each entry is [q, seconds]");
    const double q = num(pair.seq[0]), v = num(pair.seq[1]);
    if (q <= last_q || q < 0 || q > 1 || v < last_v || v < 0 || v > 60)
      throw std::runtime_error(where(pair) + ".quantiles_s: q must rise from 0 to 1 and seconds must not fall (0..60 s)");
    m.quantiles_s.emplace_back(q, v);
    last_q = q;
    last_v = v;
  }
  if (m.quantiles_s.front().first != 0 || m.quantiles_s.back().first != 1)
    throw std::runtime_error(where(qs) + ".quantiles_s must start at q=0 and end at q=1");
  m.median_s = num(field("median_s"));
  m.max_s = num(field("max_s"));
  m.n = static_cast<int>(num(field("n")));
  m.runs = static_cast<int>(num(field("runs")));
  return m;
}

}  // namespace

std::vector<sim::TraceRecord> trace_of_real_events(const scenarios::Tree& events) {
  std::vector<sim::TraceRecord> out;
  if (!events.is_seq()) return out;
  for (const auto& e : events.seq) {
    if (!e.is_map()) continue;
    const scenarios::Tree* k = e.find("kind");
    const scenarios::Tree* t = e.find("t_s");
    if (k == nullptr || !k->is_scalar() || t == nullptr || !t->is_scalar()) continue;
    sim::TraceRecord r{static_cast<sim::Time>(std::llround(std::strtod(t->scalar.c_str(), nullptr) * 1e9)), k->scalar, {}, true};
    for (const auto& [key, v] : e.map) {
      if (key == "kind" || key == "t_s" || !v.is_scalar()) continue;
      const std::string& x = v.scalar;
      char* end = nullptr;
      if (!v.quoted && !x.empty()) {
        errno = 0;
        const long long i = std::strtoll(x.c_str(), &end, 10);
        if (*end == '\0' && errno == 0) {
          r.fields.push_back({key, static_cast<std::int64_t>(i)});
          continue;
        }
        const double d = std::strtod(x.c_str(), &end);
        if (*end == '\0') {
          r.fields.push_back({key, d});
          continue;
        }
        if (x == "true" || x == "false") {
          r.fields.push_back({key, x == "true"});
          continue;
        }
      }
      r.fields.push_back({key, x});
    }
    out.push_back(std::move(r));
  }
  // Older records: vip_change {node, vip, held} for what the simulator records as vip_added /
  // vip_removed; a container killed leaves no log line, so its fault says the node went down.
  std::vector<sim::TraceRecord> more;
  for (auto& r : out) {
    if (r.kind == "vip_change") {
      const sim::FieldValue* held = r.find("held");
      const bool on = held != nullptr && std::holds_alternative<bool>(*held) && std::get<bool>(*held);
      r.kind = on ? se::kVipAdded : se::kVipRemoved;
      std::erase_if(r.fields, [](const sim::Field& f) { return f.key == "held"; });
    } else if (r.kind == scenarios::events::kFault) {
      const std::string a = r.text(scenarios::events::field::kAction);
      if (a == "kill" || a == "crash") {
        const std::string target = r.text(scenarios::events::field::kTarget);
        more.push_back(sim::TraceRecord{r.time, se::kNodeDown, {{se::field::kNode, target.substr(0, target.find('/'))}}, true});
      }
    }
  }
  // Each node_down right after its fault: the stable sort below keeps them in this order.
  std::vector<sim::TraceRecord> merged;
  merged.reserve(out.size() + more.size());
  std::size_t j = 0;
  for (auto& r : out) {
    const bool fault = r.kind == scenarios::events::kFault;
    const sim::Time t = r.time;
    merged.push_back(std::move(r));
    if (fault && j < more.size() && more[j].time == t) merged.push_back(std::move(more[j++]));
  }
  out = std::move(merged);
  // run_real.py sorts them; a stable sort keeps a hand-made file's ties in its order.
  std::stable_sort(out.begin(), out.end(), [](const sim::TraceRecord& a, const sim::TraceRecord& b) { return a.time < b.time; });
  return out;
}

RunMetrics real_metrics(const scenarios::ScenarioSpec* spec, const scenarios::Tree& events, double end_s) {
  std::vector<sim::TraceRecord> trace = trace_of_real_events(events);
  const sim::Time end = static_cast<sim::Time>(std::llround(end_s * 1e9));
  // The PostgreSQL clients' scripts run RUN_FOR_S from their own start, which `docker exec` makes
  // late: a writer started 0.3 s late commits until 0.3 s past the run's end. The simulator's
  // run, and so its clients, end at the end: an outcome after it is not counted on either side.
  // So with the HTTP loops, which run_real.py stops after the run's end: a request that ended
  // after it (three real runs of demo1-part2 each had a 263rd at 90.006-90.062 s) is one the
  // simulator never sees end.
  std::erase_if(trace, [end](const sim::TraceRecord& r) {
    return r.time > end && (r.kind == models::postgres::kCommitAcked || r.kind == models::postgres::kCommitFailed ||
                          r.kind == models::postgres::kReadDone || r.kind == models::postgres::kReadFailed ||
                          r.kind == models::workloads::events::kRequest);
  });
  sim::Invariants inv;
  // The real side's invariants: the scenario's own, as its simulated runs enable them (those the
  // checks compute from events, such as single_vip_holder from vip_added/vip_removed, report
  // here; one a model reports itself has no events to go on and stays silent), and PostgreSQL's
  // for a record read without its scenario.
  inv.enable("single_writable_primary");
  inv.enable("no_acked_commit_lost");
  if (spec != nullptr)
    for (const auto& name : spec->invariants) inv.enable(name);
  scenarios::CheckSet checks;
  if (spec != nullptr) {
    checks = scenarios::make_checks(*spec, inv);
  } else {
    checks.once<scenarios::PostgresChecks>("postgres", inv);
    checks.once<scenarios::ReplicationChecks>("replication");
    checks.once<scenarios::LoadChecks>("load", std::vector<std::string>{});
  }
  std::set<std::string> kinds;
  for (const auto& r : trace) kinds.insert(r.kind);
  for (const auto& r : trace) checks.on_record(r);
  RunMetrics out;
  for (const auto& [name, check] : checks.all()) {
    std::map<std::string, double> m;
    check->finish(end, m);
    const auto reads = check->reads();
    if (std::none_of(reads.begin(), reads.end(), [&](std::string_view k) { return kinds.count(std::string(k)) != 0; })) continue;
    for (const auto& [k, v] : m) out[k] = v;
  }
  inv.finish(end);
  for (const auto& v : inv.violations()) out["violations." + v.invariant] += 1;
  return out;
}

RealRuns read_real_runs(const std::string& path, const scenarios::ScenarioSpec* spec) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(path + ": cannot read (" + std::strerror(errno) + ")");
  std::stringstream ss;
  ss << in.rdbuf();
  // JSON is YAML: the scenario reader parses it and names the file in its errors.
  const scenarios::Tree root = scenarios::parse_yaml(ss.str(), path, scenarios::Limits::kRecordNodes);
  RealRuns r;
  r.file = path;
  const scenarios::Tree* runs = root.is_map() ? root.find("runs") : nullptr;
  if (runs == nullptr || !runs->is_seq()) throw std::runtime_error(path + ": no 'runs' list (is this run_real.py's results file?)");
  std::vector<std::vector<double>> flushes, wakeups, write_paths, clean_fsyncs, ticks;  // per run
  std::map<std::string, std::vector<std::vector<double>>> pgbench_lags;  // workload -> per run
  std::vector<std::vector<double>> bulk_paces;        // per run: one, or none
  std::vector<std::vector<double>> execs;             // per run: the engine's `docker exec` latencies
  std::size_t client_execs = 0;                      // of them, PostgreSQL clients' late first attempts
  int tool_spans = 0;                                 // re-clone, rewind, promote and sql spans taken out of them
  std::vector<std::map<std::string, std::vector<double>>> sessions;  // per run
  std::vector<std::map<std::string, std::vector<double>>> statements;  // per run
  std::vector<std::map<std::string, std::vector<double>>> commands;    // per run, by runtime setting
  for (const auto& run : runs->seq) {
    const scenarios::Tree* m = run.is_map() ? run.find("metrics") : nullptr;
    if (m == nullptr || !(m->is_map() || m->kind == scenarios::Tree::Kind::Null))
      throw std::runtime_error(path + ":" + std::to_string(run.src.line) + ": a run without a 'metrics' object");
    // What run_real.py stored, then what the checks compute from the run's events over it. The
    // stored values stand only where a check found no event of its own: no record stored up to
    // 2026-12-03 kept request events, so its load.* metrics (computed then by run_real.py in
    // Python, with the same rules) are read from here; their detection, haproxy.server_*, vip.*
    // and PostgreSQL figures are recomputed from their events (the same values: see
    // tests/validation/real_metrics_test.cpp). haproxy.http_CODE likewise: from http_non_2xx
    // events in records made since they exist, else as stored (counted then from httplog lines).
    RunMetrics rm;
    for (const auto& [k, v] : m->map) rm[k] = number_of(v, path, "metric " + k);
    const scenarios::Tree* d = run.find("duration_s");
    const double recorded_s = d != nullptr && d->is_scalar() ? number_of(*d, path, "duration_s") : 0.0;
    r.duration_s.push_back(recorded_s);
    if (const scenarios::Tree* ev = run.find("events"); ev != nullptr && ev->is_seq()) {
      double end_s = recorded_s;
      // Older files: the scenario's duration (what run_real.py ran), else the last event's time.
      if (d == nullptr && spec != nullptr) end_s = sim::to_seconds(spec->duration);
      if (d == nullptr && spec == nullptr)
        for (const auto& e : ev->seq)
          if (const auto* t = e.is_map() ? e.find("t_s") : nullptr; t != nullptr && t->is_scalar())
            end_s = std::max(end_s, std::strtod(t->scalar.c_str(), nullptr));
      for (const auto& [k, v] : real_metrics(spec, *ev, end_s)) rm[k] = v;
      flushes.push_back(standby_flush_samples(*ev));
      wakeups.push_back(latch_wakeup_samples(*ev));
      write_paths.push_back(write_path_samples(*ev));
      clean_fsyncs.push_back(clean_fsync_samples(*ev));
      for (auto& [workload, lags] : pgbench_wakeup_samples(*ev)) pgbench_lags[workload].push_back(std::move(lags));
      const auto pace = copy_row_seconds(*ev);
      bulk_paces.push_back(pace ? std::vector<double>{*pace} : std::vector<double>{});
    }
    const scenarios::Tree* tk = run.find("tick_wakeups_s");
    ticks.push_back(tk != nullptr ? seconds_list(*tk, path, "tick_wakeups_s") : std::vector<double>{});
    sessions.push_back(session_probe_samples(run, path));
    int removed = 0;
    execs.push_back(engine_exec_samples(run, path, removed));
    if (const scenarios::Tree* ev = run.find("events"); spec != nullptr && ev != nullptr && ev->is_seq()) {
      const std::vector<double> clients = pg_client_exec_samples(*spec, *ev);
      execs.back().insert(execs.back().end(), clients.begin(), clients.end());
      client_execs += clients.size();
    }
    tool_spans += removed;
    commands.push_back(run_command_samples(run, path));
    statements.push_back(statement_duration_samples(run, path));
    r.writer_overheads.push_back(writer_overhead_samples(run, path));
    if (const scenarios::Tree* si = run.find("segment_init_s"); si != nullptr) {
      const auto v = seconds_list(*si, path, "segment_init_s");
      r.segment_init_s.insert(r.segment_init_s.end(), v.begin(), v.end());
    }
    r.runs.push_back(std::move(rm));
    const scenarios::Tree* w = run.find("wall_s");
    r.wall_s.push_back(w != nullptr && w->is_scalar() ? number_of(*w, path, "wall_s") : 0.0);
    if (const scenarios::Tree* d = run.find("discarded_attempts"); d != nullptr && d->is_seq()) {
      const scenarios::Tree* n = run.find("run");
      const std::string which = "run " + (n != nullptr && n->is_scalar() ? n->scalar : std::to_string(r.runs.size() - 1));
      for (const auto& a : d->seq) {
        const scenarios::Tree* why = a.is_map() ? a.find("reason") : nullptr;
        if (why == nullptr || !why->is_scalar())
          throw std::runtime_error(path + ":" + std::to_string(a.src.line) + ": a discarded attempt without its reason");
        r.discarded.push_back(which + ": " + why->scalar);
      }
    }
  }
  if (const auto* lc = root.find("loop_cost"); lc != nullptr && lc->is_map()) {
    LoopCost c;
    auto num = [&](const char* key) {
      const scenarios::Tree* v = lc->find(key);
      if (v == nullptr || !v->is_scalar()) throw std::runtime_error(path + ":" + std::to_string(lc->src.line) + ": loop_cost without '" + key + "'");
      return number_of(*v, path, std::string("loop_cost.") + key);
    };
    c.median_s = num("median_s");
    c.mean_s = num("mean_s");
    c.sigma = num("sigma");
    c.between_sigma = num("between_sigma");
    c.n = static_cast<int>(num("n"));
    c.runs = static_cast<int>(num("runs"));
    r.loop_cost = c;
  }
  if (const auto* un = root.find("unmeasured_metrics"); un != nullptr) {
    if (!un->is_seq()) throw std::runtime_error(path + ":" + std::to_string(un->src.line) + ": unmeasured_metrics is not a list of metric names");
    for (const auto& n : un->seq) {
      if (!n.is_scalar() || n.scalar.empty())
        throw std::runtime_error(path + ":" + std::to_string(n.src.line) + ": unmeasured_metrics holds something other than a metric name");
      r.unmeasured.push_back(n.scalar);
    }
    const auto* why = root.find("unmeasured_why");
    if (why == nullptr || !why->is_scalar() || why->scalar.empty())
      throw std::runtime_error(path + ":" + std::to_string(un->src.line) + ": unmeasured_metrics without unmeasured_why (say why they are missing)");
    r.unmeasured_why = why->scalar;
  }
  if (const auto* wk = root.find("wakeup"); wk != nullptr && wk->is_map()) {
    r.wakeup = read_measured(*wk, path, "wakeup");
    // The record's summary stops at the 90th percentile and then its maximum, so a draw above the
    // 90th falls anywhere up to the slowest wake-up of ~1,300 (0.27 to 29 ms on 2026-12-05): one
    // wake-up in ten 15 ms late on average, where the runs' 99th percentiles were 0.43-0.72 ms.
    // Where the runs keep their tick probe's samples (the summary's source), they are summarised
    // again with the tail's own quantiles (95th, 98th, 99th), as the disk's and the statements' are.
    const auto* src = wk->find("source");
    if (src != nullptr && src->is_scalar() && src->scalar == "tick_probe" &&
        std::all_of(ticks.begin(), ticks.end(), [](const auto& v) { return !v.empty(); }))
      if (auto fine = pooled_measure_fine_tail(ticks, 5)) r.wakeup = std::move(fine);
  }
  if (const auto* fs = root.find("fsync"); fs != nullptr && fs->is_map()) r.fsync = read_measured(*fs, path, "fsync");
  // The servers' own flushes, where the runs had standbys, rather than the probe: on the same
  // device the probe's median moved from 0.6 to 3.8 ms between two rounds (a CPU hog beside the
  // second) while the standbys' flushes in those very runs stayed at 0.5 and 0.7 ms
  // (docs/validation.md, 2026-12-03 "the host's fsync as the servers met it").
  if (auto m = pooled_measure(flushes, kLeastStandbyFlushes)) {
    r.fsync = std::move(m);
    r.fsync_from_standbys = true;
  }
  r.latch_wakeup = pooled_measure(wakeups, kLeastStandbyFlushes);
  // pgbench's thread wakes sooner than the tick probe's bash loop: idle clients' schedule lag at
  // a median of 0.09-0.11 ms against the probe's 0.25 (2026-12-05), so the probe's wake-ups gave
  // every simulated transaction 0.15 ms more than the real ones had, and the lag's p99 four times
  // theirs. Thousands of transactions a run: the tail is summarised finely.
  for (const auto& [workload, per_run] : pgbench_lags)
    if (auto m = pooled_measure_deep_tail(per_run, kLeastPgbenchTransactions)) r.pgbench_wakeup[workload] = std::move(*m);
  // Each run's own where every run has enough of every such workload's: one run's tail can be a
  // stall the others lack (p99 1.87 ms against 0.37 and 0.46, 2026-12-05).
  bool each_run = !r.pgbench_wakeup.empty();
  std::vector<std::map<std::string, Measured>> per_run_wakeups(runs->seq.size());
  for (const auto& [workload, unused] : r.pgbench_wakeup) {
    const auto& per_run = pgbench_lags.at(workload);
    for (std::size_t i = 0; each_run && i < per_run_wakeups.size(); ++i) {
      auto one = per_run.size() == per_run_wakeups.size() ? pooled_measure_deep_tail({per_run[i]}, kLeastPgbenchTransactions)
                                                           : std::nullopt;
      if (one) per_run_wakeups[i][workload] = std::move(*one);
      else each_run = false;
    }
  }
  if (each_run) r.pgbench_wakeup_per_run = std::move(per_run_wakeups);
  if (!bulk_paces.empty() && std::all_of(bulk_paces.begin(), bulk_paces.end(), [](const auto& v) { return !v.empty(); }))
    r.bulk_row = pooled_measure(bulk_paces, 1);
  if (r.fsync_from_standbys && r.latch_wakeup) {
    for (std::size_t i = 0; i < flushes.size(); ++i) {
      auto f = pooled_measure({flushes[i]}, kLeastRowsPerRun), w = pooled_measure({wakeups[i]}, kLeastRowsPerRun);
      if (!f || !w) {
        r.fsync_per_run.clear();
        r.latch_wakeup_per_run.clear();
        break;
      }
      r.fsync_per_run.push_back(*f);
      r.latch_wakeup_per_run.push_back(*w);
    }
  }
  // A clean file's fsync, from the set-up standbys' syncs: pooled, and each run's own.
  r.fsync_clean = pooled_measure(clean_fsyncs, 1);
  if (r.fsync_clean && clean_fsyncs.size() == runs->seq.size() &&
      std::all_of(clean_fsyncs.begin(), clean_fsyncs.end(), [](const auto& v) { return !v.empty(); }))
    for (const auto& c : clean_fsyncs) r.fsync_clean_per_run.push_back(*pooled_measure({c}, 1));
  // The write path less its wake-ups, from the same rows: all rows' median, and each run's where
  // every run streamed long enough.
  if (r.fsync_from_standbys && r.latch_wakeup) {
    std::vector<double> all, per_run;
    for (const auto& p : write_paths) {
      all.insert(all.end(), p.begin(), p.end());
      if (p.size() >= kLeastRowsPerRun) per_run.push_back(median_of(p));
    }
    if (all.size() >= kLeastStandbyFlushes) r.write_path_s = median_of(all);
    if (per_run.size() == runs->seq.size()) r.write_path_per_run_s = std::move(per_run);
  }
  // The writer's session opening, each step as its own distribution (run_real.py's probe: 12
  // trials a run, so five at least pooled, and each run's own where every run has three).
  for (const char* key : {"getent", "psql_start", "backend_warmup"}) {
    std::vector<std::vector<double>> per;
    for (auto& s : sessions) per.push_back(s.count(key) ? s.at(key) : std::vector<double>{});
    if (auto m = pooled_measure(per, 5)) r.session[key] = *m;
  }
  if (!r.session.empty() && sessions.size() > 1) {
    for (auto& s : sessions) {
      std::map<std::string, Measured> one;
      for (const auto& [key, v] : s)
        if (auto m = pooled_measure({v}, 3)) one[key] = *m;
      if (one.size() != r.session.size()) {
        r.session_per_run.clear();
        break;
      }
      r.session_per_run.push_back(std::move(one));
    }
  }
  // The writer's statements, each run's own (three at least of a statement in a run), and what
  // the model takes from them: each of BEGIN, INSERT and SELECT as its own time
  // (statement_time_by_command), each whole COMMIT as its commit_flush with no time of its own
  // before it (the real COMMIT's duration is its flush wait and the little around it), and the
  // three pooled as statement_time for any other statement. Until 2026-12-05 the model drew the
  // pooled time for all four and each COMMIT less the pooled mean: 0.05-0.09 ms more on a
  // commit's median than the real four (an INSERT takes 0.29 ms, a BEGIN 0.07), and with the
  // coarse tail 0.1-0.3 ms, which put one fast CI run below every simulated seed.
  // Where the scenario has synchronous standbys, a COMMIT's duration holds their confirmation
  // (commits_may_wait_for_standbys): BEGIN, INSERT and SELECT are still the backend's own, and
  // commit_flush is left to the scenario's disk.
  const bool commits_wait = spec != nullptr && commits_may_wait_for_standbys(*spec);
  std::vector<const char*> writer_commands = {"BEGIN", "INSERT", "SELECT"};
  if (!commits_wait) writer_commands.push_back("COMMIT");
  std::vector<std::vector<double>> statement_time;                      // per run: BEGIN, INSERT, SELECT
  std::map<std::string, std::vector<std::vector<double>>> by_command;  // command -> per run
  for (auto& run : statements) {
    if (commits_wait) run.erase("COMMIT");
    std::map<std::string, Measured> one;
    for (const auto& [stmt, v] : run)
      if (auto m = pooled_measure({v}, 3)) one[stmt] = *m;
    std::vector<double> st;
    for (const char* s : {"BEGIN", "INSERT", "SELECT"})
      if (auto it = run.find(s); it != run.end()) st.insert(st.end(), it->second.begin(), it->second.end());
    statement_time.push_back(std::move(st));
    for (const char* c : writer_commands) {
      auto it = run.find(c);
      // Under pgbench the writer's few COMMITs mostly wait behind one of pgbench's flushes before
      // their own (0.84 ms at the median against pgbench's 0.54, 2026-12-05), and the model
      // simulates that queue: pgbench's ENDs, one after another on the branch row's lock, are
      // the flushes themselves, and nearly every commit of such a run is one of them.
      if (std::string(c) == "COMMIT")
        if (auto end = run.find("pgbench END"); end != run.end() && end->second.size() >= 5) it = end;
      by_command[c].push_back(it == run.end() ? std::vector<double>{} : it->second);
    }
    r.statements_per_run.push_back(std::move(one));
  }
  // pgbench's statements, where its sessions logged them (pgbench.sh since 2026-12-05), each by
  // its relation and command ("UPDATE pgbench_accounts": statement_time_by_relation), so that
  // pgbench no longer takes the writer's times. UPDATE pgbench_branches is its one row at scale 1,
  // and the eight clients queue on its lock, which the model simulates (tuple_locks.hpp): its
  // logged time carries that wait (p75 0.24 ms and p90 1.04 against a median of 0.07, 2026-12-05), so the model
  // takes the same single-row UPDATE of pgbench_tellers, ten rows and seldom waited for, for it.
  std::map<std::string, std::vector<std::vector<double>>> by_relation;  // "relation.COMMAND" -> per run
  for (std::size_t i = 0; i < statements.size(); ++i)
    for (const auto& [stmt, v] : statements[i]) {
      const auto space = stmt.find(' ');
      if (space == std::string::npos) continue;
      const std::string command = stmt.substr(0, space), relation = stmt.substr(space + 1);
      if (command != "UPDATE" && command != "SELECT" && command != "INSERT") continue;
      if (relation.rfind("pgbench_", 0) != 0 || relation.find_first_not_of("abcdefghijklmnopqrstuvwxyz_") != std::string::npos) continue;
      const std::vector<double>& source =
          relation == "pgbench_branches" && command == "UPDATE" && statements[i].count("UPDATE pgbench_tellers") != 0
              ? statements[i].at("UPDATE pgbench_tellers") : v;
      auto& runs = by_relation[relation + "." + command];
      runs.resize(statements.size());
      runs[i] = source;
    }
  // The settings, from `per` (a run's or every run's samples), or nothing unless every command
  // has five at least.
  auto backend_settings = [&](auto pick) -> std::map<std::string, Measured> {
    std::map<std::string, Measured> out;
    auto st = pooled_measure_fine_tail(pick(statement_time), 5);
    if (!st) return {};
    out["statement_time"] = *st;
    for (const char* c : writer_commands) {
      auto m = pooled_measure_fine_tail(pick(by_command[c]), 5);
      if (!m) return {};
      out[std::string(c) == "COMMIT" ? "commit_flush" : "statement_time_by_command." + std::string(c)] = *m;
    }
    // Optional: a record without pgbench, or a run of one without them, has none.
    for (const auto& [key, runs] : by_relation)
      if (auto m = pooled_measure_fine_tail(pick(runs), 5)) out["statement_time_by_relation." + key] = *m;
    return out;
  };
  // Each run's writer overheads, where every run has five at least (a record made before
  // 2026-12-05 has none: the scenario's runtime.writer_overhead, measured in the records that
  // have them, stands for them).
  const bool overheads = !r.writer_overheads.empty() &&
                         std::all_of(r.writer_overheads.begin(), r.writer_overheads.end(), [](const auto& v) { return v.size() >= 5; });
  if (!overheads) r.writer_overheads.clear();
  // Each statement its own wherever every command has five samples. Only a record short of them
  // keeps the pooled composition: statement_time for all four, and as commit_flush each COMMIT
  // less the three's mean, per run. (Until 2026-12-05, midnight, every record without the writer's overheads
  // kept it: with the network then fitted to the writer's round trips, that composition's surplus
  // of 0.1-0.3 ms stood in for the writer's unmeasured side.)
  std::vector<std::vector<double>> commit_less_mean(statements.size());
  for (std::size_t i = 0; i < statements.size() && !commits_wait; ++i) {
    const auto& commits = by_command["COMMIT"][i];
    if (commits.empty() || statement_time[i].empty()) continue;
    double mean = 0;
    for (const double x : statement_time[i]) mean += x / static_cast<double>(statement_time[i].size());
    for (const double x : commits) commit_less_mean[i].push_back(std::max(0.0, x - mean));
  }
  auto settings = [&](auto pick) -> std::map<std::string, Measured> {
    if (auto own = backend_settings(pick); !own.empty()) return own;
    auto st = pooled_measure(pick(statement_time), 5), cf = pooled_measure(pick(commit_less_mean), 5);
    if (st && commits_wait) return {{"statement_time", *st}};
    if (!st || !cf) return {};
    return {{"statement_time", *st}, {"commit_flush", *cf}};
  };
  if (!statements.empty()) r.backend = settings([](const std::vector<std::vector<double>>& per) { return per; });
  if (!r.backend.empty() && statements.size() > 1) {
    for (std::size_t i = 0; i < statements.size(); ++i) {
      auto one = settings([i](const std::vector<std::vector<double>>& per) { return std::vector<std::vector<double>>{per[i]}; });
      if (one.empty()) {
        r.backend_per_run.clear();
        break;
      }
      r.backend_per_run.push_back(std::move(one));
    }
  }
  if (const auto* cd = root.find("command_delay"); cd != nullptr && cd->is_map())
    for (const auto& [action, m] : cd->map)
      if (m.is_map()) r.command_delay[action] = read_measured(m, path, "command_delay." + action);
  // A record whose exec samples held the spans of its re-clone, rewind, promote or sql steps
  // (every record up to 2026-12-07; sql steps' up to 2026-12-08): summarised again without them, as run_real.py summarises (least 3); and one
  // whose PostgreSQL clients' first attempts add samples run_real.py does not store.
  if (tool_spans > 0 || client_execs > 0) {
    if (auto m = pooled_measure(execs, 3)) r.command_delay["exec"] = *m;
    else r.command_delay.erase("exec");
  }
  if (const auto* st = root.find("startup_delay"); st != nullptr && st->is_map())
    for (const auto& [when, out] : std::vector<std::pair<std::string, std::map<std::string, Measured>*>>{
             {"first", &r.startup_first}, {"later", &r.startup_later}})
      if (const auto* w = st->find(when); w != nullptr && w->is_map())
        for (const auto& [kind, m] : w->map)
          if (m.is_map()) (*out)[kind] = read_measured(m, path, "startup_delay." + when + "." + kind);
  // A container's start and its daemons' start-ups after it are one start: each run's own pair.
  // Not the stack's first start-ups (every node's at once, a run's samples not tied to a node)
  // nor the other commands (each its own moment, pooled as before).
  std::set<std::string> paired;
  if (r.command_delay.count("start") != 0) {
    paired.insert("command_delay.start");
    for (const auto& [kind, m] : r.startup_later) paired.insert("daemon_start." + kind);
  }
  r.commands_per_run = each_run_own(commands, paired);
  if (const auto* i = root.find("interrupted"); i != nullptr && i->is_scalar()) r.interrupted = i->scalar == "true";
  if (const auto* e = root.find("error"); e != nullptr && e->is_scalar()) r.error = e->scalar;
  return r;
}

std::vector<std::string> LoopCost::overrides() const {
  char d[160], l[80];
  std::snprintf(d, sizeof d, "runtime.exec_delay={dist: lognormal, median: %.6fs, sigma: %.3f}", median_s, sigma);
  std::snprintf(l, sizeof l, "runtime.exec_load_sigma=%.3f", between_sigma);
  return {d, l};
}

std::string Measured::distribution() const {
  std::string o = "{dist: empirical, quantiles: [";
  char b[80];
  for (std::size_t i = 0; i < quantiles_s.size(); ++i) {
    std::snprintf(b, sizeof b, "%s[%.4g, %.0fus]", i ? ", " : "", quantiles_s[i].first, quantiles_s[i].second * 1e6);
    o += b;
  }
  return o + "]}";
}

std::vector<RunMetrics> simulate_groups(const scenarios::Tree& tree, const std::string& file, const std::vector<std::string>& sets,
                                        const std::vector<std::vector<std::string>>& groups,
                                        const std::vector<std::string>& last, int seeds,
                                        std::optional<std::uint64_t> first_seed, int jobs) {
  const auto n_groups = static_cast<int>(groups.size());
  if (n_groups < 2 || seeds < n_groups) {
    std::vector<std::string> all = sets;
    all.insert(all.end(), last.begin(), last.end());
    return simulate(tree, file, all, seeds, first_seed, jobs);
  }
  std::uint64_t next = 0;
  if (first_seed) {
    next = *first_seed;
  } else {  // the scenario's seed, as the runs would take it (after the overrides)
    scenarios::Tree t = tree;
    for (const auto& s : sets) scenarios::apply_override(t, s);
    next = scenarios::spec_from_tree(t, file).seed;
  }
  std::vector<RunMetrics> out;
  for (int g = 0; g < n_groups; ++g) {
    const int n = seeds / n_groups + (g < seeds % n_groups ? 1 : 0);
    std::vector<std::string> group_sets = sets;
    group_sets.insert(group_sets.end(), groups[static_cast<std::size_t>(g)].begin(), groups[static_cast<std::size_t>(g)].end());
    group_sets.insert(group_sets.end(), last.begin(), last.end());
    const auto part = simulate(tree, file, group_sets, n, next, jobs);
    out.insert(out.end(), part.begin(), part.end());
    next += static_cast<std::uint64_t>(n);
  }
  return out;
}

std::vector<RunMetrics> simulate(const scenarios::Tree& tree, const std::string& file, const std::vector<std::string>& sets,
                                 int seeds, std::optional<std::uint64_t> first_seed, int jobs) {
  scenarios::SweepOptions o;
  o.overrides = sets;
  o.seeds = seeds;
  o.first_seed = first_seed;
  o.jobs = jobs;
  const auto result = scenarios::run_sweep(tree, file, o);
  std::vector<RunMetrics> out;
  out.reserve(result.rows.size());
  for (const auto& row : result.rows) out.push_back(row.metrics);
  return out;
}

std::optional<std::int64_t> recorded_duration_ms(const RealRuns& r) {
  if (r.duration_s.empty()) return std::nullopt;
  const std::int64_t ms = std::llround(r.duration_s.front() * 1e3);
  for (double d : r.duration_s)
    if (d <= 0 || std::llround(d * 1e3) != ms) return std::nullopt;
  return ms;
}

std::string comparison_text(const Comparison& c, const RecordInfo& info) {
  std::string o = "Validation of " + info.scenario_name + " (" + info.scenario_file + "): " + std::to_string(info.real_runs) +
                  " real run(s), " + std::to_string(info.sim_runs) + " simulated (seeds " + std::to_string(info.first_seed) +
                  ".." + std::to_string(info.first_seed + static_cast<std::uint64_t>(info.sim_runs) - 1) + ")\n\n";
  o += "  " + pad("metric", 44) + pad("real min / median / max", 28) + pad("sim min / median / max", 28) + "verdict\n";
  for (const auto& m : c.metrics)
    o += "  " + pad(m.metric, 44) + pad(summary_text(m.metric, m.real), 28) + pad(summary_text(m.metric, m.sim), 28) +
         verdict_text(m) + "\n";
  if (!c.outcomes.empty()) {
    o += "\n  " + pad("outcome", 52) + pad("real", 20) + pad("sim", 20) + "verdict\n";
    for (const auto& q : c.outcomes)
      o += "  " + pad(q.name, 52) + pad(outcome_side(q.real_yes, q.real_n), 20) + pad(outcome_side(q.sim_yes, q.sim_n), 20) +
           (q.agree() ? "agree" : "DISAGREE") + "\n";
  }
  for (const auto& k : c.real_only) o += "  only the real runs have " + k + "\n";
  for (const auto& k : c.sim_only) o += "  only the simulated runs have " + k + "\n";
  for (const auto& k : c.unmeasured) o += "  not measured in the real record: " + k + "\n";
  if (!c.unmeasured.empty() && !info.unmeasured_why.empty()) o += "  (the record: " + info.unmeasured_why + ")\n";
  for (const auto& d : info.discarded) o += "  discarded and run again: " + d + "\n";
  std::size_t missed = 0;
  for (const auto& m : c.metrics) missed += m.pass() ? 0 : 1;
  std::size_t disagree = 0;
  for (const auto& q : c.outcomes) disagree += q.agree() ? 0 : 1;
  o += "\n  targets: simulated median within max(10%, 0.3) of the real median; real min..max inside simulated min..max\n";
  o += "  result: " + std::string(c.pass() ? "PASS" : "FAIL") + " (" + std::to_string(c.metrics.size() - missed) + "/" +
       std::to_string(c.metrics.size()) + " metrics within targets, " + std::to_string(c.outcomes.size() - disagree) + "/" +
       std::to_string(c.outcomes.size()) + " outcomes agree)\n";
  return o;
}

std::string comparison_markdown(const Comparison& c, const RecordInfo& info) {
  std::string o = "# Validation: " + info.scenario_name + "\n\n";
  o += "Scenario `" + info.scenario_file + "`";
  for (const auto& s : info.sets) o += " `--set " + s + "`";
  o += ", " + info.date + ", " + info.machine + ".\n";
  o += std::to_string(info.real_runs) + " real run(s), " + std::to_string(info.sim_runs) + " simulated seeds from " +
       std::to_string(info.first_seed) + ".";
  if (!info.real_wall_s.empty()) {
    const Summary w = summarize(info.real_wall_s);
    o += " Real run wall time " + fixed(w.min, 1) + "-" + fixed(w.max, 1) + " s.";
  }
  o += "\n\n| metric | real min / median / max | sim min / median / max | verdict |\n| --- | --- | --- | --- |\n";
  for (const auto& m : c.metrics)
    o += "| " + m.metric + " | " + summary_text(m.metric, m.real) + " | " + summary_text(m.metric, m.sim) + " | " +
         verdict_text(m) + " |\n";
  if (!c.outcomes.empty()) {
    o += "\n| outcome | real | sim | verdict |\n| --- | --- | --- | --- |\n";
    for (const auto& q : c.outcomes)
      o += "| " + q.name + " | " + outcome_side(q.real_yes, q.real_n) + " | " + outcome_side(q.sim_yes, q.sim_n) + " | " +
           (q.agree() ? "agree" : "DISAGREE") + " |\n";
  }
  for (const auto& k : c.real_only) o += "\nOnly the real runs have `" + k + "`.";
  for (const auto& k : c.sim_only) o += "\nOnly the simulated runs have `" + k + "`.";
  if (!c.unmeasured.empty()) {
    o += "\nNot measured in the real record, so not compared:";
    for (std::size_t i = 0; i < c.unmeasured.size(); ++i) o += (i == 0 ? " `" : ", `") + c.unmeasured[i] + "`";
    o += info.unmeasured_why.empty() ? "." : " (the record: " + info.unmeasured_why + ").";
  }
  if (!info.discarded.empty()) {
    o += "\n\nAttempts discarded and run again (no measurement of the stack):\n";
    for (const auto& d : info.discarded) o += "\n- " + d;
  }
  o += std::string("\n\nResult: **") + (c.pass() ? "PASS" : "FAIL") + "**\n";
  return o;
}

std::string comparison_json(const Comparison& c, const RecordInfo& info, const std::vector<RunMetrics>& real,
                            const std::vector<RunMetrics>& sim) {
  sim::JsonWriter w(true);
  w.begin_object();
  w.key("scenario"); w.value(info.scenario_name);
  w.key("file"); w.value(info.scenario_file);
  w.key("date"); w.value(info.date);
  w.key("machine"); w.value(info.machine);
  w.key("sets");
  w.begin_array();
  for (const auto& s : info.sets) w.value(s);
  w.end_array();
  w.key("real_runs"); w.value(info.real_runs);
  w.key("discarded_attempts");
  w.begin_array();
  for (const auto& d : info.discarded) w.value(d);
  w.end_array();
  w.key("sim_runs"); w.value(info.sim_runs);
  w.key("first_seed"); w.value(info.first_seed);
  w.key("pass"); w.value(c.pass());
  auto summary = [&w](const Summary& s) {
    w.begin_object();
    w.key("n"); w.value(s.n);
    w.key("min"); w.value(s.min);
    w.key("median"); w.value(s.median);
    w.key("max"); w.value(s.max);
    w.end_object();
  };
  auto values = [&w](const std::vector<double>& v) {
    w.begin_array();
    for (double x : v) w.value(x);
    w.end_array();
  };
  w.key("metrics");
  w.begin_array();
  for (const auto& m : c.metrics) {
    w.begin_object();
    w.key("metric"); w.value(m.metric);
    w.key("real"); summary(m.real);
    w.key("sim"); summary(m.sim);
    w.key("tolerance"); w.value(m.tolerance);
    w.key("median_ok"); w.value(m.median_ok);
    w.key("range_ok"); w.value(m.range_ok);
    w.key("pass"); w.value(m.pass());
    w.key("real_values"); values(values_of(real, m.metric));
    w.key("sim_values"); values(values_of(sim, m.metric));
    w.end_object();
  }
  w.end_array();
  w.key("outcomes");
  w.begin_array();
  for (const auto& q : c.outcomes) {
    w.begin_object();
    w.key("outcome"); w.value(q.name);
    w.key("real_yes"); w.value(q.real_yes);
    w.key("real_n"); w.value(q.real_n);
    w.key("sim_yes"); w.value(q.sim_yes);
    w.key("sim_n"); w.value(q.sim_n);
    w.key("agree"); w.value(q.agree());
    w.end_object();
  }
  w.end_array();
  w.key("real_only");
  w.begin_array();
  for (const auto& k : c.real_only) w.value(k);
  w.end_array();
  w.key("sim_only");
  w.begin_array();
  for (const auto& k : c.sim_only) w.value(k);
  w.end_array();
  w.key("unmeasured");
  w.begin_array();
  for (const auto& k : c.unmeasured) w.value(k);
  w.end_array();
  w.end_object();
  return w.take() + "\n";
}

std::string source_dir() {
  if (const char* s = std::getenv("HASIM_SOURCE_DIR"); s != nullptr && *s != '\0') return s;
  return HASIM_SOURCE_DIR;
}

namespace {
// The child run_child waits for and the signal forwarded to it: written by the handler, so
// only async-signal-safe types (pid_t is an int on Linux, as sig_atomic_t is).
volatile sig_atomic_t g_child_pid = 0;
volatile sig_atomic_t g_forwarded = 0;

extern "C" void forward_to_child(int sig) {
  g_forwarded = sig;
  const pid_t pid = g_child_pid;
  if (pid > 0) kill(pid, sig);  // async-signal-safe; a second signal is forwarded too
}
}  // namespace

int interrupting_signal() { return g_forwarded; }

int run_child(const std::vector<std::string>& argv, const std::string& stdout_path, int teardown_wait_s) {
  int out_fd = -1;
  if (!stdout_path.empty()) {
    out_fd = ::open(stdout_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (out_fd < 0) throw std::runtime_error(stdout_path + ": cannot write (" + std::strerror(errno) + ")");
  }
  // SIGINT/SIGTERM while the child runs go on to it: Ctrl-C at a terminal reaches the whole
  // foreground group (the child then gets it twice; run_real.py and run_netns.py only set a
  // flag), but a signal sent to our pid alone (kill PID, a supervisor, a CI timeout) would
  // otherwise reach nobody who can tear the stack down. Blocked across fork so one arriving in
  // between is delivered, and forwarded, once the child's pid is known.
  sigset_t both, old_mask;
  sigemptyset(&both);
  sigaddset(&both, SIGINT);
  sigaddset(&both, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &both, &old_mask);
  struct sigaction forward{}, old_int{}, old_term{};
  forward.sa_handler = forward_to_child;
  forward.sa_mask = both;
  forward.sa_flags = 0;  // no SA_RESTART: waitpid returns EINTR and the wait below is bounded
  g_forwarded = 0;
  g_child_pid = 0;
  sigaction(SIGINT, &forward, &old_int);
  sigaction(SIGTERM, &forward, &old_term);
  auto restore = [&] {
    g_child_pid = 0;
    sigaction(SIGINT, &old_int, nullptr);
    sigaction(SIGTERM, &old_term, nullptr);
    pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  };
  const pid_t pid = fork();
  if (pid < 0) {
    const int e = errno;
    restore();
    if (out_fd >= 0) ::close(out_fd);
    throw std::runtime_error(std::string("fork failed: ") + std::strerror(e));
  }
  if (pid == 0) {
    signal(SIGINT, SIG_DFL);  // the runner installs its own handlers
    signal(SIGTERM, SIG_DFL);
    pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
    if (out_fd >= 0) dup2(out_fd, 1);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    std::fprintf(stderr, "hasim: cannot run %s: %s\n", argv[0].c_str(), std::strerror(errno));
    _exit(127);
  }
  if (out_fd >= 0) ::close(out_fd);
  g_child_pid = pid;
  pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);  // a signal pending since the fork is forwarded now
  int status = 0;
  bool abandoned = false;
  std::optional<std::chrono::steady_clock::time_point> give_up;  // set once a signal was forwarded
  for (;;) {
    const pid_t r = waitpid(pid, &status, give_up ? WNOHANG : 0);
    if (r == pid) break;
    if (r < 0 && errno != EINTR) {
      status = 1 << 8;  // not our child any more (cannot happen): exit status 1
      break;
    }
    if (g_forwarded == 0) continue;
    const auto now = std::chrono::steady_clock::now();
    if (!give_up) {
      give_up = now + std::chrono::seconds(teardown_wait_s);
      std::fprintf(stderr, "hasim: signal %d passed on to %s (pid %d); waiting up to %d s for its teardown\n",
                   static_cast<int>(g_forwarded), argv[0].c_str(), static_cast<int>(pid), teardown_wait_s);
    } else if (now >= *give_up) {
      // Killing it now would stop its teardown half-way and leave the stack behind: it goes on
      // alone, and says so in its own output.
      std::fprintf(stderr, "hasim: %s (pid %d) still tearing down after %d s; not waiting for it\n",
                   argv[0].c_str(), static_cast<int>(pid), teardown_wait_s);
      abandoned = true;
      break;
    }
    const timespec step{0, 50 * 1000 * 1000};
    nanosleep(&step, nullptr);
  }
  restore();
  if (abandoned) return 128 + static_cast<int>(g_forwarded);
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 1;
}

std::string CreatingOverrides::operator()(const std::string& path, const std::string& value) {
  std::vector<std::string> keys;
  for (std::size_t from = 0;;) {
    const auto dot = path.find('.', from);
    keys.push_back(path.substr(from, dot == std::string::npos ? std::string::npos : dot - from));
    if (dot == std::string::npos) break;
    from = dot + 1;
  }
  // keys[0..have) exist as maps: in the scenario, or created by an earlier override.
  const scenarios::Tree* t = &root_;
  std::size_t have = 0;
  std::string prefix;
  while (have + 1 < keys.size()) {
    prefix += (have ? "." : "") + keys[have];
    const scenarios::Tree* next = (t != nullptr && t->is_map()) ? t->find(keys[have]) : nullptr;
    if (next != nullptr && next->is_map()) {
      t = next;
    } else if (created_.count(prefix) != 0) {
      t = nullptr;
    } else {
      break;
    }
    ++have;
  }
  std::string lhs, rhs = value;
  for (std::size_t i = 0; i <= have && i < keys.size(); ++i) lhs += (i ? "." : "") + keys[i];
  for (std::size_t i = keys.size(); i-- > have + 1;) rhs = "{" + keys[i] + ": " + rhs + "}";
  std::string made;
  for (std::size_t i = 0; i + 1 < keys.size(); ++i) created_.insert(made += (i ? "." : "") + keys[i]);
  return lhs + "=" + rhs;
}

}  // namespace validation
