#pragma once
// Real runs beside simulated ones, metric by metric, with the targets as verdicts:
// the simulated median within 10% (or 0.3 in the metric's unit, whichever is larger) of the real
// median, the real min..max inside the simulated min..max, and every qualitative outcome equal.
// Both sides arrive as the same thing: one map of metric -> value per run, named as the
// simulator names them (run_real.py's parser emits the same names).
#include <map>
#include <string>
#include <vector>

namespace validation {

using RunMetrics = std::map<std::string, double>;

struct Summary {
  int n = 0;
  double min = 0, median = 0, max = 0;
};
Summary summarize(std::vector<double> values);

/// The values of one metric over runs. Counters exist only once incremented, so a run without
/// a counter counted zero; a run without a time (`..._s`) never saw that event and adds nothing.
std::vector<double> values_of(const std::vector<RunMetrics>& runs, const std::string& metric);
bool is_time_metric(const std::string& metric);

struct MetricVerdict {
  std::string metric;
  Summary real, sim;
  double tolerance = 0;  // allowed |sim median - real median|
  bool median_ok = false;
  bool range_ok = false;
  bool pass() const { return median_ok && range_ok; }
};

/// A yes/no fact of a run (did the VIP move, did requests fail, did a server go DOWN), counted
/// over runs. The two sides agree when every answer seen in the real runs was also seen in the
/// simulated ones: with a random fault phase a simulated "sometimes" admits either answer, an
/// "always" or "never" admits only that one.
struct Outcome {
  std::string name;
  int real_yes = 0, real_n = 0, sim_yes = 0, sim_n = 0;
  bool agree() const;
};

struct Comparison {
  std::vector<MetricVerdict> metrics;
  std::vector<Outcome> outcomes;
  /// Metrics only one side produced (named, never silently dropped).
  std::vector<std::string> real_only, sim_only;
  /// Metrics the real record says it did not measure (RealRuns::unmeasured): listed, not judged.
  std::vector<std::string> unmeasured;
  bool pass() const;
};

double tolerance_for(double real_median);
/// `unmeasured`: metric names, or prefixes ending in a dot, the real record did not measure.
Comparison compare(const std::vector<RunMetrics>& real, const std::vector<RunMetrics>& sim,
                   const std::vector<std::string>& unmeasured = {});
/// The qualitative outcomes both sides are judged on, from metric names alone.
std::vector<std::string> outcome_names(const std::vector<RunMetrics>& real, const std::vector<RunMetrics>& sim);
bool outcome_of(const RunMetrics& run, const std::string& outcome);

}  // namespace validation
