#include "validation/session_probe.hpp"

#include <algorithm>
#include <stdexcept>

#include "validation/seconds_list.hpp"

namespace validation {

std::map<std::string, std::vector<double>> session_probe_samples(const scenarios::Tree& run, const std::string& path) {
  std::map<std::string, std::vector<double>> out;
  const scenarios::Tree* p = run.is_map() ? run.find("session_probe_s") : nullptr;
  if (p == nullptr || !p->is_map()) return out;
  // Negative entries are read as they come, as before the helper was shared: no stored record
  // reads differently.
  auto list = [&](const char* key) {
    const scenarios::Tree* l = p->find(key);
    return l == nullptr ? std::vector<double>{} : seconds_list(*l, path, std::string("session_probe_s.") + key, true);
  };
  const auto getent = list("getent_s"), exec = list("exec_s"), tx1 = list("tx1_s"), tx2 = list("tx2_s");
  if (exec.size() != getent.size() || tx1.size() != getent.size() || tx2.size() != getent.size())
    throw std::runtime_error(path + ":" + std::to_string(p->src.line) + ": session_probe_s lists of unequal length");
  if (getent.empty()) return out;
  out["getent"] = getent;
  out["psql_start"] = exec;
  auto& warmup = out["backend_warmup"];
  // The same statements on the same session, first on its new backend then again: the first's
  // extra is the backend's (its empty caches); a trial where the second was slower (the host
  // stalled it) gives 0.
  for (std::size_t i = 0; i < tx1.size(); ++i) warmup.push_back(std::max(0.0, tx1[i] - tx2[i]));
  return out;
}

}  // namespace validation
