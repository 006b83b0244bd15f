#include "validation/run_commands.hpp"

#include "validation/seconds_list.hpp"
#include "validation/standby_flush.hpp"

namespace validation {

std::map<std::string, std::vector<double>> run_command_samples(const scenarios::Tree& run, const std::string& path) {
  std::map<std::string, std::vector<double>> out;
  if (!run.is_map()) return out;
  const scenarios::Tree* cd = run.find("command_delays_s");
  if (const scenarios::Tree* start = cd != nullptr && cd->is_map() ? cd->find("start") : nullptr; start != nullptr)
    out["command_delay.start"] = seconds_list(*start, path, "command_delays_s.start");
  const scenarios::Tree* st = run.find("startup_delays_s");
  if (const scenarios::Tree* later = st != nullptr && st->is_map() ? st->find("later") : nullptr; later != nullptr && later->is_map())
    for (const auto& [kind, list] : later->map) out["daemon_start." + kind] = seconds_list(list, path, "startup_delays_s.later." + kind);
  return out;
}

std::map<std::string, std::vector<Measured>> each_run_own(const std::vector<std::map<std::string, std::vector<double>>>& runs,
                                                          const std::set<std::string>& keys) {
  std::map<std::string, std::vector<Measured>> out;
  if (runs.size() < 2) return out;
  for (const auto& key : keys) {
    std::vector<Measured> per_run;
    for (const auto& run : runs) {
      const auto it = run.find(key);
      if (it == run.end()) break;
      auto m = pooled_measure({it->second}, 1);
      if (!m) break;
      per_run.push_back(std::move(*m));
    }
    if (per_run.size() == runs.size()) out[key] = std::move(per_run);
  }
  return out;
}

}  // namespace validation
