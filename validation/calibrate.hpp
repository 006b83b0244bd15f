#pragma once
// `hasim calibrate`: fits named physical quantities of a scenario (container runtime latencies,
// DNS lags, start delays: anything `--set` can reach) so that the simulator's medians match the
// real runs' medians, by Levenberg-Marquardt least squares on Eigen. Residuals are measured in
// units of the validation tolerance (max(10%, 0.3 s) of the real median), so every metric weighs
// as much as its target allows. The result is a calibration profile: a YAML file scenarios
// include, holding the fitted values under their own names.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "scenarios/tree.hpp"
#include "validation/compare.hpp"

namespace validation {

struct FitParam {
  std::string path;           // a scenario key path without `*`, e.g. runtime.dns.register_delay
  double lo = 0, hi = 0;      // bounds (seconds when `duration`)
  bool duration = true;       // written back with an `s` unit
  std::optional<double> start;  // none: the scenario's value at `path` if it has one, else mid-range
  /// "PATH=LO..HI": "runtime.dns.register_delay=0s..30s" (durations) or "x=0.1..0.9" (numbers).
  static FitParam parse(const std::string& text);
};

struct CalibrationCase {
  std::string file;
  scenarios::Tree tree;               // the scenario as loaded (includes resolved)
  std::vector<std::string> sets;      // applied before the parameters: the user's, then the host's
  /// Each real run's own measurements of its host, one list per run (empty: the pooled ones in
  /// `sets` stand for every run): the seeds are split among them as `hasim validate` splits them.
  std::vector<std::vector<std::string>> groups;
  std::vector<RunMetrics> real;       // the runs to match
};

struct FitOptions {
  int sim_seeds = 100;
  std::optional<std::uint64_t> first_seed;  // none: each scenario's seed
  int jobs = 1;
  int max_iterations = 25;
  int global_points = -1;  // points of the initial spread over the bounds (-1: 16 per parameter², at most 256)
  std::vector<std::string> metrics;  // empty: every time metric both sides have
  std::function<void(int iteration, double cost)> on_iteration;
};

struct Residual {
  std::string scenario, metric;
  double real_median = 0, sim_before = 0, sim_after = 0, tolerance = 0;
  bool within_after() const;
};

struct FitResult {
  std::vector<double> start, value;  // per parameter
  std::vector<Residual> residuals;
  double cost_before = 0, cost_after = 0;  // sum of squared residuals in tolerance units
  int iterations = 0, evaluations = 0;
  bool converged = false;
};

/// Throws scenarios::ScenarioError for a parameter path a scenario does not accept or a bad
/// bound, std::runtime_error when no metric can be fitted.
FitResult fit(const std::vector<CalibrationCase>& cases, const std::vector<FitParam>& params, const FitOptions& options);

/// The profile: `header` as comment lines, then the fitted values as nested YAML maps.
std::string profile_yaml(const std::vector<FitParam>& params, const FitResult& result, const std::string& header);
std::string residuals_text(const std::vector<FitParam>& params, const FitResult& result);

}  // namespace validation
