#include "validation/calibrate.hpp"

#include <Eigen/Dense>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <stdexcept>

#include "scenarios/loader.hpp"
#include "validation/validate.hpp"
#include "sim/time.hpp"

namespace validation {

namespace {

const scenarios::Source kCli{"--fit", 0, 0};

bool number_text(const std::string& s, double& out, bool& is_duration) {
  sim::Time t = 0;
  // A bare number is a plain quantity; with a unit it is a duration in seconds.
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (end != s.c_str() && *end == '\0') {
    out = v;
    is_duration = false;
    return std::isfinite(v);
  }
  if (sim::parse_duration(s, sim::kSecond, t)) {
    out = static_cast<double>(t) / sim::kSecond;
    is_duration = true;
    return true;
  }
  return false;
}

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (;;) {
    const auto dot = path.find('.', start);
    parts.push_back(path.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (dot == std::string::npos) return parts;
    start = dot + 1;
  }
}

std::optional<double> value_at(const scenarios::Tree& root, const std::string& path, bool duration) {
  const scenarios::Tree* t = &root;
  for (const auto& k : split_path(path)) {
    if (!t->is_map()) return std::nullopt;
    t = t->find(k);
    if (t == nullptr) return std::nullopt;
  }
  if (!t->is_scalar()) return std::nullopt;
  double v = 0;
  bool d = false;
  if (!number_text(t->scalar, v, d)) return std::nullopt;
  if (duration && !d) return std::nullopt;  // a duration written without unit: unit unknown here
  return v;
}

// Seconds to the microsecond ("2.1629s"): readable in a profile, finer than any real timing.
std::string value_text(const FitParam& p, double v) {
  char buf[64];
  if (!p.duration) {
    std::snprintf(buf, sizeof buf, "%.6g", v);
    return buf;
  }
  const long long us = std::llround(v * 1e6);
  std::snprintf(buf, sizeof buf, "%lld.%06lld", us / 1000000, us % 1000000);
  std::string s = buf;
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s + "s";
}

// The radical inverse of i in `base`: the Halton sequence, a deterministic even spread.
double halton(std::uint64_t i, std::uint64_t base) {
  double f = 1, r = 0;
  for (; i > 0; i /= base) {
    f /= static_cast<double>(base);
    r += f * static_cast<double>(i % base);
  }
  return r;
}

double median_or_nan(const std::vector<double>& v) { return v.empty() ? std::nan("") : summarize(v).median; }

// One target: a metric of one scenario, its real median and tolerance.
struct Target {
  std::size_t case_index;
  std::string metric;
  double real_median, tolerance;
};

// A simulated metric that vanished (the event no longer happens at these settings) costs as
// much as being 10 tolerances off: large, but finite so the step can come back.
constexpr double kMissingResidual = 10.0;

class Problem {
 public:
  Problem(const std::vector<CalibrationCase>& cases, const std::vector<FitParam>& params, const FitOptions& o)
      : cases_(cases), params_(params), options_(o) {}

  std::vector<double> to_value(const Eigen::VectorXd& u) const {
    std::vector<double> v(params_.size());
    for (std::size_t i = 0; i < params_.size(); ++i) v[i] = params_[i].lo + u[static_cast<Eigen::Index>(i)] * (params_[i].hi - params_[i].lo);
    return v;
  }

  /// Simulated medians of every (case, metric) at parameter values `v` (none: as the scenarios say).
  std::vector<std::map<std::string, double>> medians(const std::vector<double>& v) {
    ++evaluations_;
    std::vector<std::map<std::string, double>> out;
    for (const auto& c : cases_) {
      std::vector<std::string> fitted;
      for (std::size_t i = 0; i < v.size(); ++i) fitted.push_back(params_[i].path + "=" + value_text(params_[i], v[i]));
      // The parameters come last, after the host's measurements (pooled, then each run's own): a
      // fitted quantity is never replaced by a measured one.
      const auto runs = simulate_groups(c.tree, c.file, c.sets, c.groups, fitted, options_.sim_seeds, options_.first_seed, options_.jobs);
      std::set<std::string> keys;
      for (const auto& r : runs)
        for (const auto& [k, x] : r) keys.insert(k);
      std::map<std::string, double> m;
      for (const auto& k : keys) m[k] = median_or_nan(values_of(runs, k));
      out.push_back(std::move(m));
    }
    return out;
  }

  Eigen::VectorXd residuals(const std::vector<Target>& targets, const std::vector<std::map<std::string, double>>& med) const {
    Eigen::VectorXd r(static_cast<Eigen::Index>(targets.size()));
    for (std::size_t j = 0; j < targets.size(); ++j) {
      const auto& t = targets[j];
      const auto it = med[t.case_index].find(t.metric);
      const double s = it == med[t.case_index].end() ? std::nan("") : it->second;
      r[static_cast<Eigen::Index>(j)] = std::isnan(s) ? kMissingResidual : (s - t.real_median) / t.tolerance;
    }
    return r;
  }

  int evaluations() const { return evaluations_; }

 private:
  const std::vector<CalibrationCase>& cases_;
  const std::vector<FitParam>& params_;
  const FitOptions& options_;
  int evaluations_ = 0;
};

}  // namespace

FitParam FitParam::parse(const std::string& text) {
  const auto eq = text.find('=');
  const auto dots = text.find("..", eq == std::string::npos ? 0 : eq);
  if (eq == std::string::npos || eq == 0 || dots == std::string::npos)
    throw scenarios::ScenarioError(kCli, text, "expected KEY.PATH=LO..HI, e.g. runtime.dns.register_delay=0s..30s");
  FitParam p;
  p.path = text.substr(0, eq);
  if (p.path.find('*') != std::string::npos)
    throw scenarios::ScenarioError(kCli, p.path, "a fitted parameter names one place: no '*' (a profile is included by many scenarios)");
  bool lo_d = false, hi_d = false;
  const std::string lo = text.substr(eq + 1, dots - eq - 1), hi = text.substr(dots + 2);
  if (!number_text(lo, p.lo, lo_d) || !number_text(hi, p.hi, hi_d))
    throw scenarios::ScenarioError(kCli, p.path, "bounds '" + lo + "'..'" + hi + "' are not numbers or durations");
  if (lo_d != hi_d) throw scenarios::ScenarioError(kCli, p.path, "both bounds must be durations, or both plain numbers");
  if (!(p.lo < p.hi)) throw scenarios::ScenarioError(kCli, p.path, "the lower bound must be below the upper bound");
  if (lo_d && p.lo < 0) throw scenarios::ScenarioError(kCli, p.path, "a duration cannot be negative");
  p.duration = lo_d;
  return p;
}

bool Residual::within_after() const { return std::fabs(sim_after - real_median) <= tolerance + 1e-9; }

FitResult fit(const std::vector<CalibrationCase>& cases, const std::vector<FitParam>& params, const FitOptions& options) {
  if (params.empty()) throw std::runtime_error("nothing to fit: give at least one --fit KEY.PATH=LO..HI");
  if (cases.empty()) throw std::runtime_error("nothing to fit against: no scenario with real runs");
  const auto n = static_cast<Eigen::Index>(params.size());
  Problem problem(cases, params, options);

  // Start where the scenarios say (the first that names the parameter), else mid-range.
  Eigen::VectorXd u(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    const auto& p = params[static_cast<std::size_t>(i)];
    std::optional<double> v = p.start;
    for (const auto& c : cases)
      if (!v) v = value_at(c.tree, p.path, p.duration);
    const double x = v.value_or((p.lo + p.hi) / 2);
    u[i] = std::clamp((x - p.lo) / (p.hi - p.lo), 0.0, 1.0);
  }
  const auto med0 = problem.medians(problem.to_value(u));  // also proves every path is accepted

  std::set<std::string> wanted(options.metrics.begin(), options.metrics.end());
  std::vector<Target> targets;
  for (std::size_t ci = 0; ci < cases.size(); ++ci) {
    std::set<std::string> real_keys;
    for (const auto& r : cases[ci].real)
      for (const auto& [k, x] : r) real_keys.insert(k);
    for (const auto& k : real_keys) {
      if (wanted.empty() ? !is_time_metric(k) : wanted.count(k) == 0) continue;
      if (!med0[ci].count(k)) continue;  // nothing simulated to move toward it
      const double rm = summarize(values_of(cases[ci].real, k)).median;
      targets.push_back(Target{ci, k, rm, tolerance_for(rm)});
    }
  }
  if (targets.empty()) throw std::runtime_error("no metric is measured by both the real runs and the simulator: nothing to fit");

  FitResult res;
  res.start = problem.to_value(u);
  Eigen::VectorXd r = problem.residuals(targets, med0);
  double cost = r.squaredNorm();
  // "Before" is the scenarios as they are: a parameter given as a distribution has no single
  // starting value, so the search starts mid-range but the report compares with the original.
  const auto med_scenario = problem.medians({});
  res.cost_before = problem.residuals(targets, med_scenario).squaredNorm();
  // Timings interact (a check's timeout is min(inter, timeout connect); an outage is a sum of
  // retries) and medians over seeds are step functions, so a local method alone stalls in the
  // first valley. A Halton spread over the bounds picks the valley; Levenberg-Marquardt then
  // descends it.
  static constexpr std::uint64_t kPrimes[] = {2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37};
  const int spread = options.global_points < 0 ? static_cast<int>(std::min<Eigen::Index>(16 * n * n, 256)) : options.global_points;
  for (int k = 1; k <= spread; ++k) {
    Eigen::VectorXd uk(n);
    for (Eigen::Index i = 0; i < n; ++i)
      uk[i] = halton(static_cast<std::uint64_t>(k), kPrimes[static_cast<std::size_t>(i) % std::size(kPrimes)]);
    const Eigen::VectorXd rk = problem.residuals(targets, problem.medians(problem.to_value(uk)));
    if (rk.squaredNorm() < cost) {
      u = uk;
      r = rk;
      cost = rk.squaredNorm();
    }
  }
  double lambda = 1e-2;
  // Medians over a finite set of seeds are step functions of the parameters: differences over
  // a few percent of the range see the slope, tiny ones see the steps.
  const double h = 0.05;
  for (int it = 0; it < options.max_iterations; ++it) {
    res.iterations = it + 1;
    Eigen::MatrixXd J(r.size(), n);
    for (Eigen::Index i = 0; i < n; ++i) {
      Eigen::VectorXd ui = u;
      const double step = u[i] + h <= 1.0 ? h : -h;
      ui[i] += step;
      J.col(i) = (problem.residuals(targets, problem.medians(problem.to_value(ui))) - r) / step;
    }
    const Eigen::MatrixXd A = J.transpose() * J;
    const Eigen::VectorXd g = J.transpose() * r;
    bool improved = false;
    Eigen::VectorXd u_new = u, r_new = r;
    double cost_new = cost;
    for (int tries = 0; tries < 8 && !improved; ++tries) {
      Eigen::MatrixXd M = A;
      for (Eigen::Index i = 0; i < n; ++i) M(i, i) += lambda * std::max(A(i, i), 1e-6);
      const Eigen::VectorXd delta = M.ldlt().solve(-g);
      u_new = (u + delta).cwiseMax(0.0).cwiseMin(1.0);
      if ((u_new - u).cwiseAbs().maxCoeff() < 1e-6) break;
      r_new = problem.residuals(targets, problem.medians(problem.to_value(u_new)));
      cost_new = r_new.squaredNorm();
      if (cost_new < cost) improved = true;
      else lambda *= 4;
    }
    if (options.on_iteration) options.on_iteration(res.iterations, improved ? cost_new : cost);
    if (!improved) {
      res.converged = true;  // no step within the bounds lowers the cost any further
      break;
    }
    const double gain = cost - cost_new;
    const double moved = (u_new - u).cwiseAbs().maxCoeff();
    u = u_new;
    r = r_new;
    cost = cost_new;
    lambda = std::max(lambda / 3, 1e-6);
    if (gain < 1e-4 * std::max(cost, 1e-9) || moved < 1e-4 || cost < 1e-12) {
      res.converged = true;
      break;
    }
  }
  // Medians over seeds are flat between steps, where a gradient sees nothing: a compass search
  // (each parameter up and down, halving the stride when nothing improves) finishes the descent.
  for (double stride = 0.08; stride >= 0.002 && cost > 1e-12;) {
    bool moved = false;
    for (Eigen::Index i = 0; i < n && !moved; ++i)
      for (const double dir : {1.0, -1.0}) {
        Eigen::VectorXd ut = u;
        ut[i] = std::clamp(u[i] + dir * stride, 0.0, 1.0);
        if (ut[i] == u[i]) continue;
        const Eigen::VectorXd rt = problem.residuals(targets, problem.medians(problem.to_value(ut)));
        if (rt.squaredNorm() < cost) {
          u = ut;
          r = rt;
          cost = rt.squaredNorm();
          moved = true;
          break;
        }
      }
    if (!moved) stride /= 2;
  }
  res.value = problem.to_value(u);
  res.cost_after = cost;
  const auto med1 = problem.medians(res.value);
  for (const auto& t : targets) {
    Residual x;
    x.scenario = cases[t.case_index].file;
    x.metric = t.metric;
    x.real_median = t.real_median;
    x.tolerance = t.tolerance;
    const auto b = med_scenario[t.case_index].find(t.metric);
    const auto a = med1[t.case_index].find(t.metric);
    x.sim_before = b == med_scenario[t.case_index].end() ? std::nan("") : b->second;
    x.sim_after = a == med1[t.case_index].end() ? std::nan("") : a->second;
    res.residuals.push_back(x);
  }
  res.evaluations = problem.evaluations();
  return res;
}

std::string profile_yaml(const std::vector<FitParam>& params, const FitResult& result, const std::string& header) {
  std::string o;
  std::size_t start = 0;
  while (start < header.size()) {
    const auto nl = header.find('\n', start);
    o += "# " + header.substr(start, nl == std::string::npos ? std::string::npos : nl - start) + "\n";
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  // Nested maps in path order; parameters sharing a prefix share its map.
  std::vector<std::pair<std::vector<std::string>, std::string>> leaves;
  for (std::size_t i = 0; i < params.size(); ++i) leaves.push_back({split_path(params[i].path), value_text(params[i], result.value[i])});
  std::sort(leaves.begin(), leaves.end());
  std::vector<std::string> open;
  for (const auto& [keys, value] : leaves) {
    std::size_t common = 0;
    while (common < open.size() && common + 1 < keys.size() && open[common] == keys[common]) ++common;
    open.resize(common);
    for (std::size_t d = common; d + 1 < keys.size(); ++d) {
      o += std::string(2 * d, ' ') + keys[d] + ":\n";
      open.push_back(keys[d]);
    }
    o += std::string(2 * (keys.size() - 1), ' ') + keys.back() + ": " + value + "\n";
  }
  return o;
}

std::string residuals_text(const std::vector<FitParam>& params, const FitResult& result) {
  auto num = [](double v) {
    if (std::isnan(v)) return std::string("-");
    char b[32];
    std::snprintf(b, sizeof b, "%.3f", v);
    return std::string(b);
  };
  auto pad = [](const std::string& s, std::size_t w) { return s.size() >= w ? s + " " : s + std::string(w - s.size(), ' '); };
  std::size_t pw = 12, mw = 20;
  for (const auto& p : params) pw = std::max(pw, p.path.size() + 2);
  for (const auto& x : result.residuals) mw = std::max(mw, x.scenario.size() + x.metric.size() + 5);
  std::string o = "  " + pad("parameter", pw) + pad("search from", 14) + pad("fitted", 14) + "bounds\n";
  for (std::size_t i = 0; i < params.size(); ++i)
    o += "  " + pad(params[i].path, pw) + pad(value_text(params[i], result.start[i]), 14) +
         pad(value_text(params[i], result.value[i]), 14) + value_text(params[i], params[i].lo) + ".." +
         value_text(params[i], params[i].hi) + "\n";
  o += "\n  " + pad("scenario : metric", mw) + pad("real med", 10) + pad("sim before", 12) + pad("sim after", 11) +
       pad("tolerance", 11) + "after\n";
  for (const auto& x : result.residuals)
    o += "  " + pad(x.scenario + " : " + x.metric, mw) + pad(num(x.real_median), 10) + pad(num(x.sim_before), 12) +
         pad(num(x.sim_after), 11) + pad(num(x.tolerance), 11) + (x.within_after() ? "within" : "OUTSIDE") + "\n";
  o += "\n  cost (sum of squared residuals in tolerance units): " + num(result.cost_before) + " -> " + num(result.cost_after) +
       " after " + std::to_string(result.iterations) + " iteration(s), " + std::to_string(result.evaluations) +
       " evaluations" + (result.converged ? "" : " (iteration limit reached)") + "\n";
  return o;
}

}  // namespace validation
