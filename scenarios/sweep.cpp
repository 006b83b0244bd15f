#include "scenarios/sweep.hpp"

#include <algorithm>
#include <set>

#include "scenarios/job_pool.hpp"
#include "scenarios/loader.hpp"
#include "sim/json.hpp"

namespace scenarios {

GridAxis GridAxis::parse(const std::string& text) {
  GridAxis a;
  a.origin = "--grid " + printable_text(text);
  const Source where{a.origin, 0, 0};
  const auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0) throw ScenarioError(where, "", "expected key.path=v1,v2,...");
  a.path = text.substr(0, eq);
  // Every row already has its own `seed` (and `run`): an axis of the same name would be a second
  // column of that name in the CSV, which no reader can tell from the first.
  if (a.path == "seed")
    throw ScenarioError(where, a.path, "the seed is not a grid axis: every row has its run's seed; use --seed N --seeds K");
  std::string cur;
  bool escaped = false;
  for (std::size_t i = eq + 1; i < text.size(); ++i) {
    const char c = text[i];
    if (escaped) {
      if (c != ',' && c != '\\') cur.push_back('\\');  // only \, and \\ are escapes
      cur.push_back(c);
      escaped = false;
    } else if (c == '\\') {
      escaped = true;
    } else if (c == ',') {
      a.values.push_back(cur);
      cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  if (escaped) cur.push_back('\\');
  a.values.push_back(cur);
  for (const auto& v : a.values)
    if (v.empty()) throw ScenarioError(where, a.path, "empty value in the list (write a comma inside a value as \\,)");
  return a;
}

SweepResult run_sweep(const Tree& base, const std::string& file, const SweepOptions& options) {
  struct Job {
    std::vector<std::string> values;
    std::size_t spec_index;
    std::uint64_t seed;
  };
  auto origin_of = [](const GridAxis& a) { return a.origin.empty() ? "--grid " + a.path + "=..." : a.origin; };
  for (std::size_t i = 0; i < options.grid.size(); ++i)
    for (std::size_t j = 0; j < i; ++j)
      if (options.grid[i].path == options.grid[j].path)
        throw ScenarioError(Source{origin_of(options.grid[i]), 0, 0}, options.grid[i].path,
                            "the same path is already an axis of the grid (" + origin_of(options.grid[j]) +
                                "): give its values in one list");
  // Count before expanding: a few long axes multiply into more runs than memory holds.
  std::size_t total = static_cast<std::size_t>(std::max(options.seeds, 1));
  for (const auto& axis : options.grid) {
    if (axis.values.empty()) throw ScenarioError(Source{origin_of(axis), 0, 0}, axis.path, "no values");
    if (total > kMaxSweepRuns / axis.values.size() + 1 || total * axis.values.size() > kMaxSweepRuns)
      throw ScenarioError(Source{origin_of(axis), 0, 0}, axis.path,
                          "the grid times the seeds makes more than " + std::to_string(kMaxSweepRuns) + " runs, the most one sweep holds");
    total *= axis.values.size();
  }
  if (total > kMaxSweepRuns)
    throw ScenarioError(Source{"--seeds", 0, 0}, "", "more than " + std::to_string(kMaxSweepRuns) + " runs, the most one sweep holds");
  // Expand the grid (first axis slowest), validating each combination's scenario.
  std::vector<std::vector<std::string>> combos = {{}};
  for (const auto& axis : options.grid) {
    std::vector<std::vector<std::string>> next;
    for (const auto& c : combos)
      for (const auto& v : axis.values) {
        auto n = c;
        n.push_back(v);
        next.push_back(n);
      }
    combos = std::move(next);
  }
  std::vector<ScenarioSpec> specs;
  for (const auto& c : combos) {
    Tree t = base;
    for (const auto& o : options.overrides) apply_override(t, o);
    for (std::size_t i = 0; i < c.size(); ++i)
      apply_override(t, options.grid[i].path + "=" + c[i], origin_of(options.grid[i]) + " (value '" + c[i] + "')");
    specs.push_back(spec_from_tree(t, file));
  }
  std::vector<Job> jobs;
  for (const auto& spec : specs)
    if (options.first_seed.value_or(spec.seed) > UINT64_MAX - static_cast<std::uint64_t>(options.seeds - 1))
      throw ScenarioError(Source{"--seed", 0, 0}, "", "the seeds would pass the largest seed, 2^64-1");
  for (std::size_t i = 0; i < combos.size(); ++i)
    for (int s = 0; s < options.seeds; ++s) {
      const std::uint64_t first = options.first_seed.value_or(specs[i].seed);
      jobs.push_back(Job{combos[i], i, first + static_cast<std::uint64_t>(s)});
    }
  SweepResult out;
  out.scenario = specs.empty() ? "" : specs.front().name;
  out.grid = options.grid;
  out.rows.resize(jobs.size());
  // The full trace is recorded (not kept) so each row's trace_sha256 equals `hasim run`'s for
  // the same seed and settings: a row can be replayed and inspected by its hash.
  RunOptions ro;
  ro.max_events = options.max_events;
  if (options.events) ro.events = *options.events;
  JobPoolOptions pool;
  pool.jobs = options.jobs;
  pool.on_progress = options.on_progress;
  run_jobs(jobs.size(), [&](std::size_t i) {
    const Job& j = jobs[i];
    RunResult r = run_scenario(specs[j.spec_index], j.seed, ro);
    SweepRow& row = out.rows[i];
    row.index = i;
    row.seed = j.seed;
    row.values = j.values;
    row.metrics = std::move(r.metrics);
    row.trace_sha256 = r.trace_sha256;
    row.violations = r.violations.size();
    if (options.events) row.events = std::move(r.events);
  }, pool);
  return out;
}

namespace {
std::set<std::string> metric_names(const SweepResult& r) {
  std::set<std::string> names;
  for (const auto& row : r.rows)
    for (const auto& [k, v] : row.metrics) names.insert(k);
  return names;
}
std::string csv_cell(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string o = "\"";
  for (char c : s) o += c == '"' ? std::string("\"\"") : std::string(1, c);
  return o + "\"";
}
}  // namespace

std::string sweep_csv(const SweepResult& r) {
  const auto names = metric_names(r);
  std::string o = "run,seed";
  for (const auto& a : r.grid) o += "," + csv_cell(a.path);
  for (const auto& n : names) o += "," + csv_cell(n);
  o += ",violations,trace_sha256\n";
  for (const auto& row : r.rows) {
    o += std::to_string(row.index) + "," + std::to_string(row.seed);
    for (const auto& v : row.values) o += "," + csv_cell(v);
    for (const auto& n : names) {
      auto it = row.metrics.find(n);
      o += "," + (it == row.metrics.end() ? std::string() : sim::number_text(it->second));
    }
    o += "," + std::to_string(row.violations) + "," + row.trace_sha256 + "\n";
  }
  return o;
}

std::string sweep_json(const SweepResult& r, bool pretty) {
  sim::JsonWriter w(pretty);
  w.begin_object();
  w.key("scenario"); w.value(r.scenario);
  w.key("grid");
  w.begin_array();
  for (const auto& a : r.grid) {
    w.begin_object();
    w.key("path"); w.value(a.path);
    w.key("values"); w.begin_array(); for (const auto& v : a.values) w.value(v); w.end_array();
    w.end_object();
  }
  w.end_array();
  w.key("rows");
  w.begin_array();
  for (const auto& row : r.rows) {
    w.begin_object();
    w.key("run"); w.value(static_cast<std::uint64_t>(row.index));
    w.key("seed"); w.value(static_cast<std::uint64_t>(row.seed));
    w.key("params");
    w.begin_object();
    for (std::size_t i = 0; i < r.grid.size(); ++i) { w.key(r.grid[i].path); w.value(row.values[i]); }
    w.end_object();
    w.key("metrics");
    w.begin_object();
    for (const auto& [k, v] : row.metrics) { w.key(k); w.value(v); }
    w.end_object();
    w.key("violations"); w.value(static_cast<std::uint64_t>(row.violations));
    w.key("trace_sha256"); w.value(row.trace_sha256);
    w.end_object();
  }
  w.end_array();
  w.end_object();
  return w.take();
}

std::string sweep_events_jsonl(const SweepResult& r) {
  std::string o;
  for (const auto& row : r.rows)
    for (const auto& e : row.events) {
      // The record as --trace writes it, nested: its own fields may be called seed (run_start).
      o += "{\"run\":" + std::to_string(row.index) + ",\"seed\":" + std::to_string(row.seed) + ",\"event\":" +
           sim::Trace::record_json(e) + "}\n";
    }
  return o;
}

}  // namespace scenarios
