#include "sim/invariants.hpp"

namespace sim {

void Invariants::close(std::map<std::pair<std::string, std::string>, Open>::iterator it, Time now) {
  if (long_enough(it->first.first, it->second.start, now))
    violations_.push_back(Violation{it->first.first, it->second.start, now, it->second.detail});
  open_.erase(it);
}

void Invariants::point(Time now, const std::string& name, const std::string& detail) {
  if (!enabled(name)) return;
  violations_.push_back(Violation{name, now, now, detail});
}

std::vector<std::string> Invariants::open_now(const std::string& name) const {
  std::vector<std::string> out;
  for (const auto& [k, open] : open_)
    if (k.first == name) out.push_back(open.detail);
  return out;
}

void Invariants::finish(Time end) {
  for (auto& [k, open] : open_)
    if (long_enough(k.first, open.start, end))
      violations_.push_back(Violation{k.first, open.start, end, open.detail + " (still open at end)"});
  open_.clear();
}

}  // namespace sim
