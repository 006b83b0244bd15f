#pragma once
// Named run metrics. Ordered map: reports and JSON list them in name order on every run.
#include <map>
#include <string>

namespace sim {

class Metrics {
 public:
  void add(const std::string& name, double delta = 1.0) { values_[name] += delta; }
  void set(const std::string& name, double value) { values_[name] = value; }
  void set_max(const std::string& name, double value) {
    auto [it, inserted] = values_.emplace(name, value);
    if (!inserted && value > it->second) it->second = value;
  }
  double get(const std::string& name, double fallback = 0.0) const {
    auto it = values_.find(name);
    return it == values_.end() ? fallback : it->second;
  }
  bool has(const std::string& name) const { return values_.count(name) != 0; }
  const std::map<std::string, double>& all() const { return values_; }

 private:
  std::map<std::string, double> values_;
};

}  // namespace sim
