// The `hasim` Python module: run, sweep and check scenarios from Python.
//
// A scenario is a YAML file path or a dict with the same structure. Simulations run with the
// GIL released, so Python threads can run several at once. Bad input raises
// hasim.ScenarioError (a ValueError) that names file, line, column and key path.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <set>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "models/keepalived/config.hpp"
#include "scenarios/events.hpp"
#include "scenarios/explore.hpp"
#include "scenarios/fault_actions.hpp"
#include "scenarios/loader.hpp"
#include "scenarios/runner.hpp"
#include "scenarios/sweep.hpp"
#include "scenarios/tree.hpp"
#include "scenarios/workload_kinds.hpp"
#include "sim/time.hpp"
#include "sim/trace.hpp"

namespace py = pybind11;

namespace {

const char* const kDictFile = "<dict>";

// ---------------------------------------------------------------------------------------------
// Python values -> scenario text and trees.

bool is_mapping(const py::handle& o) {
  if (py::isinstance<py::dict>(o)) return true;
  // Leaked on purpose: a static py::object would be released after the interpreter is gone.
  static const py::handle mapping = py::object(py::module_::import("collections.abc").attr("Mapping")).release();
  return py::isinstance(o, mapping);
}

bool is_sequence(const py::handle& o) { return py::isinstance<py::list>(o) || py::isinstance<py::tuple>(o); }

std::string where(const std::string& path) { return path.empty() ? "the scenario" : "'" + path + "'"; }

[[noreturn]] void bad_value(const std::string& path, const std::string& message) {
  throw scenarios::ScenarioError(scenarios::Source{kDictFile, 0, 0}, path, message);
}

/// A str as UTF-8. A lone surrogate ("\\ud800", or a file name decoded with surrogateescape)
/// has no UTF-8 form: a located ScenarioError, not pybind11's "Unable to cast".
std::string utf8_of(const py::handle& o, const std::string& path) {
  Py_ssize_t size = 0;
  const char* data = PyUnicode_AsUTF8AndSize(o.ptr(), &size);
  if (data == nullptr) {
    PyErr_Clear();
    bad_value(path, "a string that is not valid Unicode text (a lone surrogate such as '\\ud800'?)");
  }
  return std::string(data, static_cast<std::size_t>(size));
}

/// A Python scalar as the scenario text a YAML author would write for it.
std::optional<std::string> scalar_text(const py::handle& o, const std::string& path) {
  if (py::isinstance<py::bool_>(o)) return o.cast<bool>() ? "true" : "false";
  if (py::isinstance<py::str>(o)) return utf8_of(o, path);
  if (py::isinstance<py::int_>(o) || py::isinstance<py::float_>(o)) return py::repr(o).cast<std::string>();
  // numpy and other number types: whole numbers through __index__, others through __float__.
  if (py::hasattr(o, "__index__")) return py::repr(py::int_(py::reinterpret_borrow<py::object>(o))).cast<std::string>();
  if (py::hasattr(o, "__float__")) return py::repr(py::float_(py::reinterpret_borrow<py::object>(o))).cast<std::string>();
  return std::nullopt;
}

[[noreturn]] void bad_type(const py::handle& o, const std::string& path, const std::string& expected) {
  throw py::type_error("hasim: " + where(path) + ": cannot use a " +
                       py::str(py::type::handle_of(o).attr("__name__")).cast<std::string>() + " here (" + expected + ")");
}

/// Walks a dict scenario within the limits a YAML file has (scenarios::Limits): nesting,
/// values, and no container that contains itself (which would recurse for ever).
struct PyWalk {
  std::size_t nodes = 0;
  std::vector<const PyObject*> open;  // containers from the root to here
};

scenarios::Tree tree_from_python(const py::handle& o, const std::string& path, PyWalk& walk) {
  scenarios::Tree t;
  t.src = scenarios::Source{kDictFile, 0, 0};
  if (++walk.nodes > scenarios::Limits::kNodes)
    bad_value(path, "the scenario has more than " + std::to_string(scenarios::Limits::kNodes) + " values");
  const bool container = !o.is_none() && (is_mapping(o) || is_sequence(o));
  if (container) {
    if (std::find(walk.open.begin(), walk.open.end(), o.ptr()) != walk.open.end())
      bad_value(path, "contains itself (a dict or list that holds a reference to one around it)");
    if (static_cast<int>(walk.open.size()) >= scenarios::Limits::kNesting)
      bad_value(path, "nested deeper than " + std::to_string(scenarios::Limits::kNesting) + " levels of dicts and lists");
    walk.open.push_back(o.ptr());
  }
  struct Pop {
    PyWalk& w;
    bool on;
    ~Pop() {
      if (on) w.open.pop_back();
    }
  } pop{walk, container};
  if (o.is_none()) {
    t.kind = scenarios::Tree::Kind::Null;
  } else if (is_mapping(o)) {
    t.kind = scenarios::Tree::Kind::Map;
    std::set<std::string> seen;
    for (const auto& item : py::reinterpret_borrow<py::object>(o).attr("items")()) {
      const auto kv = item.cast<py::tuple>();
      std::optional<std::string> key;
      if (!py::isinstance<py::float_>(kv[0])) key = scalar_text(kv[0], path);
      if (!key) bad_type(kv[0], path, "a mapping key must be a string or an integer");
      const std::string sub = path.empty() ? *key : path + "." + *key;
      if (!seen.insert(*key).second) bad_value(sub, "duplicate key (two keys with the same text, e.g. 1 and '1')");
      t.map.emplace_back(*key, tree_from_python(kv[1], sub, walk));
      t.key_sources.push_back(t.src);
    }
  } else if (is_sequence(o)) {
    t.kind = scenarios::Tree::Kind::Seq;
    std::size_t i = 0;
    for (const auto& item : py::reinterpret_borrow<py::sequence>(o)) {
      t.seq.push_back(tree_from_python(item, (path.empty() ? "" : path + ".") + std::to_string(i), walk));
      ++i;
    }
  } else if (auto s = scalar_text(o, path)) {
    t.kind = scenarios::Tree::Kind::Scalar;
    t.scalar = *s;
  } else {
    bad_type(o, path, "expected a dict, list, str, number, bool or None");
  }
  return t;
}

/// A value for `key.path=VALUE` (parsed as YAML): numbers and bools as their text, strings and
/// containers as JSON, which is YAML, so that a str is always one string ("*:80", "a: b", "[x").
std::string override_text(const py::handle& value, const std::string& path) {
  if (value.is_none()) return "null";
  if (py::isinstance<py::str>(value) || is_mapping(value) || is_sequence(value)) {
    // Walked first, so a value that contains itself, nests too deep or holds a lone surrogate
    // is a located error rather than json's RecursionError or a failed cast.
    PyWalk walk;
    tree_from_python(value, path, walk);
    static const py::handle dumps = py::object(py::module_::import("json").attr("dumps")).release();
    return utf8_of(dumps(value, py::arg("ensure_ascii") = false), path);
  }
  if (auto s = scalar_text(value, path)) return *s;
  bad_type(value, path, "expected a str, number, bool, list, dict or None");
}

std::vector<std::string> override_list(const py::object& overrides) {
  std::vector<std::string> out;
  if (overrides.is_none()) return out;
  if (!is_mapping(overrides)) throw py::type_error("hasim: overrides must be a dict {\"key.path\": value}");
  for (const auto& item : overrides.attr("items")()) {
    const auto kv = item.cast<py::tuple>();
    if (!py::isinstance<py::str>(kv[0])) throw py::type_error("hasim: override keys must be strings such as \"nodes.haproxy.start\"");
    const std::string path = utf8_of(kv[0], "");
    out.push_back(path + "=" + override_text(kv[1], path));
  }
  return out;
}

struct Loaded {
  scenarios::Tree tree;
  std::string file;
};

/// A path (str or os.PathLike) or a dict, as a tree with its file name for messages. A dict's
/// `include:` names files relative to `base_dir` (default: the current directory), as a file's
/// name files relative to the file's own directory.
Loaded load(const py::object& scenario, const py::object& base_dir) {
  if (is_mapping(scenario)) {
    PyWalk walk;
    Loaded l{tree_from_python(scenario, "", walk), kDictFile};
    std::string dir;
    if (!base_dir.is_none()) {
      if (!py::isinstance<py::str>(base_dir) && !py::hasattr(base_dir, "__fspath__"))
        throw py::type_error("hasim: base_dir must be a path (str or os.PathLike)");
      dir = py::module_::import("os").attr("fsencode")(base_dir).cast<std::string>();
      if (dir.empty()) dir = ".";
    }
    py::gil_scoped_release release;
    l.tree = scenarios::resolve_includes(std::move(l.tree), dir);
    return l;
  }
  if (!base_dir.is_none())
    throw py::type_error("hasim: base_dir is for dict scenarios; a file's includes are relative to the file");
  if (py::isinstance<py::str>(scenario) || py::hasattr(scenario, "__fspath__")) {
    // The file system's bytes (os.fsencode), so a name that is not UTF-8 still opens.
    const std::string path = py::module_::import("os").attr("fsencode")(scenario).cast<std::string>();
    Loaded l;
    l.file = path;
    {
      py::gil_scoped_release release;
      l.tree = scenarios::load_tree(path);
    }
    return l;
  }
  bad_type(scenario, "", "a scenario is a path to a YAML file or a dict");
}

scenarios::ScenarioSpec load_spec(const py::object& scenario, const py::object& overrides, const py::object& base_dir) {
  Loaded l = load(scenario, base_dir);
  const auto sets = override_list(overrides);
  for (const auto& s : sets) scenarios::apply_override(l.tree, s);
  return scenarios::spec_from_tree(l.tree, l.file);
}

std::uint64_t seed_value(const py::object& seed) {
  if (py::isinstance<py::bool_>(seed) || !py::hasattr(seed, "__index__")) throw py::type_error("hasim: seed must be an integer");
  const py::int_ n(seed);
  if (n < py::int_(0) || n > py::int_(std::numeric_limits<std::uint64_t>::max()))
    throw py::value_error("hasim: seed must be from 0 to 2**64-1");
  return n.cast<std::uint64_t>();
}

std::uint64_t max_events_value(const py::object& v) {
  if (v.is_none()) return scenarios::kDefaultMaxEvents;
  if (py::isinstance<py::bool_>(v) || !py::hasattr(v, "__index__")) throw py::type_error("hasim: max_events must be an integer");
  const py::int_ n(v);
  if (n < py::int_(0) || n > py::int_(std::numeric_limits<std::uint64_t>::max()))
    throw py::value_error("hasim: max_events must be from 0 (no limit) to 2**64-1");
  return n.cast<std::uint64_t>();
}

// ---------------------------------------------------------------------------------------------
// Results -> Python.

py::object field_value(const sim::FieldValue& v) {
  return std::visit([](const auto& x) -> py::object { return py::cast(x); }, v);
}

py::dict event_dict(const sim::TraceRecord& e) {
  py::dict d;
  d["t_s"] = sim::to_seconds(e.time);
  d["kind"] = e.kind;
  for (const auto& f : e.fields) d[py::str(f.key)] = field_value(f.value);
  return d;
}

py::dict violation_dict(const sim::Violation& v) {
  py::dict d;
  d["invariant"] = v.invariant;
  d["start_s"] = sim::to_seconds(v.start);
  d["end_s"] = sim::to_seconds(v.end);
  d["duration_s"] = sim::to_seconds(v.duration());
  d["detail"] = v.detail;
  return d;
}

py::dict result_dict(const scenarios::RunResult& r, const std::string& file, bool trace) {
  py::dict d;
  d["scenario"] = r.scenario;
  d["file"] = file;
  d["seed"] = r.seed;
  d["duration_s"] = sim::to_seconds(r.duration);
  d["trace_sha256"] = r.trace_sha256;
  d["events_processed"] = r.events_processed;
  d["trace_records"] = r.trace_records;
  py::dict metrics;
  for (const auto& [k, v] : r.metrics) metrics[py::str(k)] = v;
  d["metrics"] = metrics;
  py::list events;
  for (const auto& e : r.events) events.append(event_dict(e));
  d["events"] = events;
  py::list violations;
  for (const auto& v : r.violations) violations.append(violation_dict(v));
  d["violations"] = violations;
  for (const auto& t : r.tables) {  // a daemon kind's end-of-run table (HAProxy's haproxy_stats)
    py::list rows;
    for (const auto& row : t.rows) {
      py::dict out;
      for (const auto& f : row) out[py::str(f.key)] = field_value(f.value);
      rows.append(out);
    }
    d[py::str(t.key)] = rows;
  }
  if (trace) {
    d["trace_jsonl"] = r.trace_jsonl;
    d["chrome_trace"] = r.chrome_trace;
  }
  return d;
}

// ---------------------------------------------------------------------------------------------
// The functions.

/// `events=`: None (the notable records), "notable", "all", or a list of kinds.
std::optional<scenarios::EventSelection> event_selection(const py::object& events) {
  if (events.is_none()) return std::nullopt;
  std::string text;
  if (py::isinstance<py::str>(events)) {
    text = events.cast<std::string>();
  } else if (is_sequence(events)) {
    for (const auto& k : py::reinterpret_borrow<py::sequence>(events)) {
      if (!py::isinstance<py::str>(k)) throw py::type_error("hasim: events must be \"notable\", \"all\" or a list of event kinds (str)");
      const std::string kind = k.cast<std::string>();
      if (kind.find(',') != std::string::npos) throw py::value_error("hasim: an event kind has no comma, got '" + kind + "'");
      text += (text.empty() ? "" : ",") + kind;
    }
  } else {
    throw py::type_error("hasim: events must be \"notable\", \"all\" or a list of event kinds");
  }
  try {
    return scenarios::EventSelection::parse(text);
  } catch (const std::invalid_argument& e) {
    throw py::value_error(std::string("hasim: events: ") + e.what());
  }
}

py::dict run(const py::object& scenario, const py::object& seed, const py::object& overrides, bool trace,
             const py::object& max_events, const py::object& base_dir, const py::object& events) {
  const scenarios::ScenarioSpec spec = load_spec(scenario, overrides, base_dir);
  const std::uint64_t s = seed.is_none() ? spec.seed : seed_value(seed);
  scenarios::RunOptions ro;
  ro.max_events = max_events_value(max_events);
  ro.keep_trace = trace;
  ro.detail = true;  // as `hasim run`: the same trace, so the same trace_sha256
  if (auto sel = event_selection(events)) ro.events = *sel;
  scenarios::RunResult r;
  {
    py::gil_scoped_release release;
    r = scenarios::run_scenario(spec, s, ro);
  }
  return result_dict(r, spec.file, trace);
}

py::dict explore(const py::object& scenario, const py::object& faults, std::uint64_t budget, int jobs, const py::object& seed,
                 const py::object& out, const py::object& overrides, const py::object& max_events, std::uint64_t shrinks) {
  if (budget < 1 || budget > scenarios::kMaxExploreBudget)
    throw py::value_error("hasim: budget must be from 1 to " + std::to_string(scenarios::kMaxExploreBudget));
  if (jobs < 1) throw py::value_error("hasim: jobs must be at least 1");
  Loaded l = load(scenario, py::none());
  for (const auto& s : override_list(overrides)) scenarios::apply_override(l.tree, s);
  auto path_of = [](const py::object& p) { return py::module_::import("os").attr("fsencode")(p).cast<std::string>(); };
  std::string profile_path;
  if (!faults.is_none()) profile_path = path_of(faults);
  else if (l.file != kDictFile) profile_path = scenarios::default_profile_path(l.file);
  scenarios::ExploreOptions o;
  o.budget = static_cast<std::size_t>(budget);
  o.jobs = jobs;
  o.shrinks_per_kind = static_cast<std::size_t>(std::max<std::uint64_t>(shrinks, 1));
  o.max_events = max_events_value(max_events);
  if (!out.is_none()) o.out_dir = path_of(out);
  scenarios::Catalogue cat;
  // Ctrl-C: Python sees the signal only when this thread checks for it, so the search runs on a
  // thread of its own while this one checks every 50 ms; the interrupt stops the search and the
  // shrinking as the command's Ctrl-C does, keeping what was found.
  std::atomic<bool> interrupted{false};
  o.stop_search = &interrupted;
  o.interrupt = &interrupted;
  {
    py::gil_scoped_release release;
    const scenarios::ScenarioSpec spec = scenarios::spec_from_tree(l.tree, l.file);
    if (profile_path.empty())
      throw scenarios::ScenarioError(scenarios::Source{l.file, 0, 0}, "",
                                     "no default fault profile for scenario '" + spec.name + "': give one with faults=");
    const scenarios::FaultProfile profile = scenarios::load_fault_profile(profile_path, spec);
    o.seed = spec.seed;
    {
      py::gil_scoped_acquire acquire;
      if (!seed.is_none()) o.seed = seed_value(seed);
    }
    if (!o.out_dir.empty()) std::filesystem::create_directories(o.out_dir);
    std::mutex m;
    std::condition_variable cv;
    bool done = false;
    std::exception_ptr error;
    std::thread worker([&] {
      try {
        cat = scenarios::explore(l.tree, l.file, profile, o);
      } catch (...) {
        error = std::current_exception();
      }
      std::lock_guard<std::mutex> g(m);
      done = true;
      cv.notify_all();
    });
    for (;;) {
      std::unique_lock<std::mutex> g(m);
      if (cv.wait_for(g, std::chrono::milliseconds(50), [&] { return done; })) break;
      g.unlock();
      py::gil_scoped_acquire acquire;
      if (PyErr_CheckSignals() != 0) {  // a KeyboardInterrupt (or a handler's exception) is set
        PyErr_Clear();
        interrupted = true;
      }
    }
    worker.join();
    if (error) std::rethrow_exception(error);
  }
  static const py::handle loads = py::object(py::module_::import("json").attr("loads")).release();
  py::dict result = loads(scenarios::catalogue_json(cat, false)).cast<py::dict>();
  if (interrupted) {
    // As Python's own Ctrl-C, with what was found on the exception (and in `out`, if given).
    py::object e = py::module_::import("builtins").attr("KeyboardInterrupt")(
        "hasim.explore interrupted: the catalogue of the schedules done is this exception's .catalogue");
    e.attr("catalogue") = result;
    PyErr_SetObject(PyExc_KeyboardInterrupt, e.ptr());
    throw py::error_already_set();
  }
  return result;
}

py::list sweep(const py::object& scenario, const py::object& grid, int seeds, int jobs, const py::object& seed,
               const py::object& overrides, const py::object& max_events, const py::object& base_dir,
               const py::object& events) {
  if (seeds < 1) throw py::value_error("hasim: seeds must be at least 1");
  if (jobs < 1) throw py::value_error("hasim: jobs must be at least 1");
  Loaded l = load(scenario, base_dir);
  scenarios::SweepOptions o;
  o.max_events = max_events_value(max_events);
  o.events = event_selection(events);
  o.overrides = override_list(overrides);
  o.seeds = seeds;
  o.jobs = jobs;
  if (!seed.is_none()) {
    o.first_seed = seed_value(seed);
  }
  // Each axis keeps the caller's values so that rows hold them as given (ints stay ints).
  std::vector<std::vector<py::object>> given;
  if (!grid.is_none()) {
    if (!is_mapping(grid)) throw py::type_error("hasim: grid must be a dict {\"key.path\": [v1, v2, ...]}");
    for (const auto& item : grid.attr("items")()) {
      const auto kv = item.cast<py::tuple>();
      if (!py::isinstance<py::str>(kv[0])) throw py::type_error("hasim: grid keys must be strings such as \"duration\"");
      scenarios::GridAxis axis;
      axis.path = utf8_of(kv[0], "");
      axis.origin = "grid['" + axis.path + "']";
      if (!is_sequence(kv[1])) throw py::type_error("hasim: grid['" + axis.path + "'] must be a list of values");
      std::vector<py::object> values;
      for (const auto& v : py::reinterpret_borrow<py::sequence>(kv[1])) {
        axis.values.push_back(override_text(v, axis.path));
        values.push_back(py::reinterpret_borrow<py::object>(v));
      }
      if (values.empty()) throw py::value_error("hasim: grid['" + axis.path + "'] has no values");
      o.grid.push_back(std::move(axis));
      given.push_back(std::move(values));
    }
  }
  scenarios::SweepResult result;
  {
    py::gil_scoped_release release;
    result = scenarios::run_sweep(l.tree, l.file, o);
  }
  // Every row has every metric (None where a run did not produce it), so columns line up.
  std::set<std::string> names;
  for (const auto& row : result.rows)
    for (const auto& [k, v] : row.metrics) names.insert(k);
  py::list rows;
  for (const auto& row : result.rows) {
    py::dict d;
    d["run"] = row.index;
    d["seed"] = row.seed;
    for (std::size_t a = 0; a < o.grid.size(); ++a) {
      const auto& values = o.grid[a].values;
      const auto at = static_cast<std::size_t>(std::find(values.begin(), values.end(), row.values[a]) - values.begin());
      d[py::str(o.grid[a].path)] = at < values.size() ? given[a][at] : py::cast(row.values[a]);
    }
    for (const auto& n : names) {
      auto it = row.metrics.find(n);
      d[py::str(n)] = it == row.metrics.end() ? py::none() : py::cast(it->second);
    }
    d["violations"] = row.violations;
    d["trace_sha256"] = row.trace_sha256;
    if (o.events) {
      py::list evs;
      for (const auto& e : row.events) evs.append(event_dict(e));
      d["events"] = evs;
    }
    rows.append(d);
  }
  return rows;
}

/// Every daemon kind the simulator knows, from its declaration (scenarios/kinds/): its key
/// (YAML key, process name, log key), the processes a fault may target, the events it records.
py::list kinds() {
  py::list out;
  scenarios::Kinds::each([&](auto kind) {
    using K = decltype(kind);
    py::dict d;
    d["key"] = std::string(K::key);
    py::list events;
    for (auto e : K::event_kinds()) events.append(std::string(e));
    d["events"] = events;
    py::list targets;
    for (const auto& t : K::fault_targets(typename K::Config{})) targets.append(t.name);
    d["fault_targets"] = targets;
    out.append(d);
  });
  return out;
}

py::list workload_kinds() {
  py::list out;
  for (const auto& k : scenarios::workload_kinds()) out.append(std::string(k.name));
  return out;
}

py::dict event_kinds() {
  py::dict out;  // insertion order: the declaration's
  for (const auto& k : scenarios::events::declared_event_kinds()) {
    py::list fields;
    for (auto f : k.fields) fields.append(std::string(f));
    out[py::str(std::string(k.kind))] = fields;
  }
  return out;
}

/// Every fault action, from its declaration (scenarios/fault_actions.hpp), in the loader's order.
py::dict fault_actions() {
  py::dict out;
  for (const auto& a : scenarios::fault_actions()) {
    py::dict d;
    d["scope"] = std::string(scenarios::scope_name(a.scope));
    d["command"] = std::string(a.command);
    d["undo_command"] = std::string(a.undo_command);
    d["exec"] = a.exec;
    d["undoable"] = a.undoable;
    d["undo_starts"] = a.undo_starts;
    d["starts"] = a.starts;
    d["takes_network"] = a.takes_network;
    d["operator_step"] = a.operator_step;
    d["detection"] = std::string(scenarios::detection_name(a.detection));
    py::list explore;
    for (const auto& k : a.explore) explore.append(py::make_tuple(k.name, std::string(scenarios::explore_on_name(k.on))));
    d["explore"] = explore;
    d["real"] = std::string(scenarios::real_command_name(a.real));
    d["real_op"] = std::string(a.real_op);
    d["real_undo_op"] = std::string(a.real_undo_op);
    d["signal"] = std::string(a.signal);
    d["net_admin"] = a.net_admin;
    d["entry_stamp"] = std::string(scenarios::entry_stamp_name(a.stamp));
    out[py::str(a.name)] = d;
  }
  return out;
}

py::dict check(const py::object& scenario, const py::object& overrides, const py::object& base_dir) {
  const scenarios::ScenarioSpec spec = load_spec(scenario, overrides, base_dir);
  py::dict d;
  d["name"] = spec.name;
  d["description"] = spec.description;
  d["file"] = spec.file;
  d["seed"] = spec.seed;
  d["runs"] = spec.runs;
  d["duration_s"] = sim::to_seconds(spec.duration);
  py::list networks;
  for (const auto& n : spec.networks) networks.append(n.name);
  d["networks"] = networks;
  py::list nodes;
  for (const auto& n : spec.nodes) {
    py::dict nd;
    nd["name"] = n.name;
    py::list comps;
    for (const auto& c : n.components) comps.append(std::string(scenarios::kind_key(c)));
    nd["components"] = comps;
    nd["start"] = n.start;
    nodes.append(nd);
  }
  d["nodes"] = nodes;
  py::list workloads;
  for (const auto& [name, w] : spec.workloads) workloads.append(name);
  d["workloads"] = workloads;
  py::list faults;
  for (const auto& f : spec.faults) {
    py::dict fd;
    fd["at_s"] = sim::to_seconds(f.at);
    fd["action"] = f.action;
    fd["target"] = f.target;
    fd["for_s"] = f.for_ ? py::cast(sim::to_seconds(*f.for_)) : py::none();
    fd["source"] = f.source;
    faults.append(fd);
  }
  d["faults"] = faults;
  d["invariants"] = spec.invariants;
  return d;
}

}  // namespace

PYBIND11_MODULE(hasim, m) {
  m.doc() = R"(hasim: a deterministic discrete-event simulator of high-availability stacks.

Run a scenario (a YAML file, or a dict with the same structure) and get its events, metrics
and invariant violations; sweep a grid of settings x seeds; validate a scenario. The same
scenario and seed always give the same trace (see ``trace_sha256``).

Example::

    import hasim
    r = hasim.run("scenarios/demo1-part1.yaml", seed=3)
    print(r["metrics"]["nginx_backend.nginx1.detect_down_s"])
    rows = hasim.sweep("scenarios/demo1-part1.yaml",
                       grid={"nodes.haproxy.haproxy.backends.nginx_backend.default-server.inter": ["1s", "2s"]},
                       seeds=4, jobs=2)
)";
  m.attr("__version__") = HASIM_VERSION;

  // hasim.ScenarioError(ValueError), with file, line, column, key_path and message.
  // Leaked on purpose, like every module-level Python object held from C++ statics.
  static auto& scenario_error = *new py::exception<scenarios::ScenarioError>(m, "ScenarioError", PyExc_ValueError);
  scenario_error.attr("__doc__") =
      "Bad scenario input, located: str(e) is 'file:line:col: key.path: message'.\n\n"
      "Attributes: file, line and column (None when unknown, e.g. for a dict scenario or an\n"
      "override), key_path (e.g. 'nodes.haproxy.haproxy.backends.b.default-server.inter'; '' for\n"
      "the whole document) and message (without the location).";
  for (const char* attr : {"file", "line", "column", "key_path", "message"}) scenario_error.attr(attr) = py::none();
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const scenarios::ScenarioError& e) {
      py::object err = py::handle(scenario_error.ptr())(e.what());
      err.attr("file") = e.where().file;
      err.attr("line") = e.where().line > 0 ? py::cast(e.where().line) : py::none();
      err.attr("column") = e.where().line > 0 ? py::cast(e.where().column) : py::none();
      err.attr("key_path") = e.key_path();
      err.attr("message") = e.message();
      PyErr_SetObject(scenario_error.ptr(), err.ptr());
    }
  });

  m.def("run", &run, py::arg("scenario"), py::arg("seed") = py::none(), py::arg("overrides") = py::none(),
        py::arg("trace") = false, py::arg("max_events") = py::none(), py::arg("base_dir") = py::none(),
        py::arg("events") = py::none(),
        R"(Runs a scenario once and returns what happened as a dict.

scenario: a path to a YAML file, or a dict with the same structure (values may be str,
    int, float, bool, None, lists and dicts; errors then name the file "<dict>").
    A dict's ``include`` names YAML files relative to ``base_dir``.
seed: the run's seed (default: the scenario's ``seed``). One run: the scenario's ``runs`` is
    for ``hasim run``; for many seeds use hasim.sweep(scenario, seeds=N).
overrides: {"key.path": value} applied before validation, as ``hasim run --set``;
    ``*`` matches every key, e.g. {"nodes.*.haproxy.backends.*.default-server.fall": 1}.
trace: also return the full trace as "trace_jsonl" (JSON Lines) and "chrome_trace".
max_events: events the run may process (default 10,000,000; 0: no limit); a run that needs
    more raises hasim.ScenarioError at the scenario's ``duration``.
base_dir: for a dict scenario, the directory its ``include`` names are relative to (default:
    the current directory), e.g. {"include": ["calibration/podman.yaml"], ...} with
    base_dir="scenarios". A file's includes are relative to the file (base_dir is refused).
events: which records "events" holds, as ``hasim run --json --events``: "notable" (default:
    the timeline), "all" (every request, health check, advert...), or a list of kinds such as
    ["request"] (the notable ones and every record of those kinds). The run is the same.

Returns {"scenario", "file", "seed", "duration_s", "trace_sha256", "events_processed",
"trace_records", "metrics": {name: float}, "events": [{"t_s", "kind", ...fields}],
"violations": [{"invariant", "start_s", "end_s", "duration_s", "detail"}],
"haproxy_stats": [{"node", "backend", "server", "status", ...}]}.
Raises hasim.ScenarioError on bad input. The GIL is released while simulating.

Example::

    r = hasim.run("scenarios/demo1-part1.yaml", seed=2,
                  overrides={"nodes.haproxy.haproxy.backends.nginx_backend.default-server.inter": "10s"})
    [e for e in r["events"] if e["kind"] == "server_down"]
)");

  m.def("sweep", &sweep, py::arg("scenario"), py::arg("grid") = py::none(), py::arg("seeds") = 1, py::arg("jobs") = 1,
        py::arg("seed") = py::none(), py::arg("overrides") = py::none(), py::arg("max_events") = py::none(),
        py::arg("base_dir") = py::none(), py::arg("events") = py::none(),
        R"(Runs every combination of a grid of overrides, each with `seeds` seeds, on `jobs` threads.

grid: {"key.path": [v1, v2, ...]}; the first axis varies slowest. Results do not depend on jobs.
seeds: seeds per combination: seed, seed+1, ... (seed defaults to the scenario's ``seed``).
overrides: {"key.path": value} applied to every run, before the grid.
max_events: events each run may process, as for hasim.run.
base_dir: for a dict scenario, where its ``include`` names are relative to, as for hasim.run.
events: as for hasim.run: each row then also has "events", that run's records as dicts.

Returns one dict per run, in grid order (the first axis slowest, then seeds): {"run", "seed",
each grid path: the value as given, each metric: float or None when that run lacks it,
"violations": count, "trace_sha256"}; every row has the same keys, so csv.DictWriter (or
pandas.DataFrame, if installed) takes the list as is. A row's trace_sha256 is the one
hasim.run(scenario, seed=row["seed"], overrides={...the row's grid values}) gives: it
reproduces that exact run. Every combination is validated before any runs (hasim.ScenarioError).

Example::

    rows = hasim.sweep("scenarios/demo1-part1.yaml",
                       grid={"nodes.haproxy.haproxy.backends.nginx_backend.default-server.inter": ["1s", "2s", "5s"],
                             "nodes.haproxy.haproxy.backends.nginx_backend.default-server.fall": [1, 3]},
                       seeds=5, jobs=4)
)");

  m.def("explore", &explore, py::arg("scenario"), py::arg("faults") = py::none(), py::arg("budget") = 100,
        py::arg("jobs") = 1, py::arg("seed") = py::none(), py::arg("out") = py::none(), py::arg("overrides") = py::none(),
        py::arg("max_events") = py::none(), py::arg("shrinks") = 5,
        R"(Searches fault schedules for invariant violations, as ``hasim explore``, and returns the catalogue.

faults: the fault profile's path (default: the scenario's, from scenarios/faults/; required for a dict).
budget: schedules to run; jobs: threads (the catalogue does not depend on it); seed: the search's
seed (default: the scenario's); out: a directory for catalogue.json, each reproduction and its
Chrome trace; overrides: {"key.path": value}, kept in the reproductions; shrinks: schedules shrunk
per kind (their distinct minimal schedules are the kind's classes).

Returns {"scenario", "scenario_file", "profile_file", "seed", "budget", "schedules",
"schedules_with_findings", "interrupted", "findings": [{"kind", "schedules", "shrunk", the
smallest reproduction's "schedule", "seed", "class", "original_faults", "minimal_faults",
"shrink_runs", "shrink_complete", "shrunk_here", "file", "chrome_trace", "trace_sha256",
"replayed", "explanation", and "classes": one such dict per class}]}. Bad input raises
hasim.ScenarioError. Ctrl-C stops the search and the shrinking, as the command's does, and raises
KeyboardInterrupt whose ``.catalogue`` is what was found ("interrupted": True; also written to
``out``).

Example::

    cat = hasim.explore("scenarios/demo1-part2.yaml", budget=200)
    [(f["kind"], f["schedules"], f["minimal_faults"]) for f in cat["findings"]]
)");

  m.def("kinds", &kinds, R"doc(The daemon kinds this build simulates, one dict each: key (the YAML key, process
name and log key), fault_targets (what NODE/NAME may name in a fault) and events (the trace record
kinds its models make).

    [k["key"] for k in hasim.kinds()]   # ['haproxy', 'nginx', 'keepalived']
)doc");
  m.def("workload_kinds", &workload_kinds, R"doc(The workload kinds a scenario may declare
(scenarios/workload_kinds.hpp), the default first: validation/parse_logs.py reads each.

    hasim.workload_kinds()   # ['http_client', 'http_probe', 'pg_writer']
)doc");
  m.def("event_kinds", &event_kinds, R"doc(The event kinds the simulator's checks read and the real runs
emit (scenarios/events.hpp), each with its field names besides t_s: validation/parse_logs.py
writes these names and no others.

    hasim.event_kinds()["server_down"]   # ['node', 'backend', 'server', 'reason', ...]
)doc");
  m.def("fault_actions", &fault_actions, R"doc(Every fault action a scenario's timeline may name, from its one
declaration (scenarios/fault_actions.hpp), in the loader's order: its scope (what it targets:
node_or_process, node, node_netem, links, everything, workload), the engine command it and its
undo issue on a whole node (runtime.command_delay's keys; "" none), whether it runs inside the
node (exec), can be undone (`for`, heal_at) and whether that starts its target again, whether
it starts its target, takes `network:`, is a daemon's operator step, the detection it opens
("down", "up", ""), the explore kinds that draw it ((kind, on) pairs), and how the real stack
carries it out (real, real_op, real_undo_op, signal, net_admin, and entry_stamp: the
entrypoint's log stamp that is a whole-node command's effect, which validation times).

    hasim.fault_actions()["stop"]["detection"]   # 'down'
)doc");
  m.def("check", &check, py::arg("scenario"), py::arg("overrides") = py::none(), py::arg("base_dir") = py::none(),
        R"(Validates a scenario (path or dict) and describes it, as ``hasim check``. base_dir: as for hasim.run.

Returns {"name", "description", "file", "seed", "runs", "duration_s", "networks",
"nodes": [{"name", "components", "start"}], "workloads", "faults": [{"at_s", "action",
"target", "for_s", "source"}], "invariants"}; raises hasim.ScenarioError on the first problem.

Example::

    hasim.check("scenarios/demo1-part1.yaml")["faults"][0]["action"]   # 'stop'
)");
}
