#pragma once
// Row locks of UPDATE (heapam.c heap_update: a row whose xmax is an in-progress transaction makes
// the updater take the tuple's heavyweight lock, queue behind it, and sleep on that
// transaction's lock, XactLockTableWait). The holder keeps the row until its transaction ends
// (after the commit record's flush and any synchronous-replication wait: locks are released in
// ProcArrayEndTransaction's aftermath, CommitTransaction), then the first waiter gets it.
// Waiters are served in arrival order, as the lock manager's wait queue does for equal modes.
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "sim/tcp.hpp"

namespace models::postgres {

/// The row locks a server's backends hold or wait for, keyed by (relation, key).
///
///   locks.acquire(conn, {"pgbench_branches", 1}, [&] { /* the UPDATE goes on */ });
///   locks.release_all(conn);  // at commit or abort: the next waiter's callback runs
class TupleLocks {
 public:
  using Row = std::pair<std::string, std::int64_t>;
  /// Takes `row` for `owner`; `granted` runs now if it is free or already `owner`'s, else when
  /// every earlier holder and waiter released it.
  void acquire(sim::ConnId owner, const Row& row, std::function<void()> granted);
  /// Releases everything `owner` holds and withdraws its waits (its transaction ended, or its
  /// backend exited); waiters granted a row run their callbacks, in row order.
  void release_all(sim::ConnId owner);
  /// Who holds `row` (0: nobody).
  sim::ConnId holder(const Row& row) const;
  /// Backends waiting for `row`.
  std::size_t waiters(const Row& row) const;
  /// Every lock and wait dropped (the server's processes are gone).
  void clear() { rows_.clear(); }

 private:
  struct Entry {
    sim::ConnId holder = 0;
    std::deque<std::pair<sim::ConnId, std::function<void()>>> queue;
  };
  std::map<Row, Entry> rows_;
};

}  // namespace models::postgres
