#include "validation/pgbench_wakeup.hpp"

#include <algorithm>
#include <utility>

#include "validation/event_fields.hpp"

namespace validation {

std::map<std::string, std::vector<double>> pgbench_wakeup_samples(const scenarios::Tree& events) {
  std::map<std::string, std::vector<double>> out;
  if (!events.is_seq()) return out;
  struct Tx {
    double tx, end_s, latency_s, lag_s;
  };
  std::map<std::pair<std::string, double>, std::vector<Tx>> by_client;  // (workload, client_id)
  for (const auto& e : events.seq) {
    const scenarios::Tree* kind = e.is_map() ? e.find("kind") : nullptr;
    if (kind == nullptr || !kind->is_scalar() || kind->scalar != "pgbench_txn") continue;
    const scenarios::Tree* w = e.find("workload");
    double client = 0, tx = 0, end = 0, latency = 0, lag = 0;
    if (w == nullptr || !w->is_scalar() || !event_number(e, "client_id", client) || !event_number(e, "tx", tx) ||
        !event_number(e, "t_s", end) || !event_number(e, "latency_us", latency) || !event_number(e, "lag_us", lag))
      continue;
    by_client[{w->scalar, client}].push_back(Tx{tx, end, latency / 1e6, lag / 1e6});
  }
  for (auto& [key, txs] : by_client) {
    std::sort(txs.begin(), txs.end(), [](const Tx& a, const Tx& b) { return a.tx < b.tx; });
    auto& samples = out[key.first];
    for (std::size_t i = 1; i < txs.size(); ++i) {
      const double scheduled = txs[i].end_s - txs[i].latency_s;
      if (txs[i - 1].end_s <= scheduled && txs[i].lag_s >= 0) samples.push_back(txs[i].lag_s);
    }
  }
  return out;
}

}  // namespace validation
