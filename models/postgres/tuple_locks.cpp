// Row locks and their FIFO wait queues (see tuple_locks.hpp).
#include "models/postgres/tuple_locks.hpp"

namespace models::postgres {

void TupleLocks::acquire(sim::ConnId owner, const Row& row, std::function<void()> granted) {
  Entry& e = rows_[row];
  if (e.holder == 0 || e.holder == owner) {
    e.holder = owner;
    granted();
    return;
  }
  e.queue.emplace_back(owner, std::move(granted));
}

void TupleLocks::release_all(sim::ConnId owner) {
  std::vector<std::function<void()>> wake;
  for (auto it = rows_.begin(); it != rows_.end();) {
    Entry& e = it->second;
    for (auto q = e.queue.begin(); q != e.queue.end();) q = q->first == owner ? e.queue.erase(q) : std::next(q);
    if (e.holder == owner) {
      e.holder = 0;
      if (!e.queue.empty()) {
        e.holder = e.queue.front().first;
        wake.push_back(std::move(e.queue.front().second));
        e.queue.pop_front();
      }
    }
    it = e.holder == 0 && e.queue.empty() ? rows_.erase(it) : std::next(it);
  }
  for (auto& w : wake) w();
}

sim::ConnId TupleLocks::holder(const Row& row) const {
  auto it = rows_.find(row);
  return it == rows_.end() ? 0 : it->second.holder;
}

std::size_t TupleLocks::waiters(const Row& row) const {
  auto it = rows_.find(row);
  return it == rows_.end() ? 0 : it->second.queue.size();
}

}  // namespace models::postgres
