// Synchronous replication (replication/syncrep.c): SyncRepWaitForLSN's queue, the choice of
// synchronous standbys (SyncRepGetCandidateStandbys: FIRST by priority, ANY by quorum) and the
// release of waiters as standbys report (SyncRepReleaseWaiters).
#include <algorithm>
#include <cctype>

#include "models/postgres/events.hpp"
#include "models/postgres/postgres.hpp"

namespace models::postgres {

namespace {
bool iequals(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}
int mode_index(SynchronousCommit m) {
  return m == SynchronousCommit::RemoteWrite ? 0 : m == SynchronousCommit::RemoteApply ? 2 : 1;
}
}  // namespace

void SyncRep::configure(const SyncStandbyNames& names) {
  names_ = names;
  standbys_changed();
}

void SyncRep::wait(std::uint64_t id, Lsn lsn, SynchronousCommit mode, std::function<void(bool)> released) {
  waiters_.push_back(Waiter{id, lsn, mode, std::move(released)});
  standbys_changed();
}

bool SyncRep::cancel(std::uint64_t id) {
  for (auto it = waiters_.begin(); it != waiters_.end(); ++it) {
    if (it->id != id) continue;
    auto fn = std::move(it->released);
    waiters_.erase(it);
    fn(true);
    return true;
  }
  return false;
}

void SyncRep::release_all() {
  auto all = std::move(waiters_);
  waiters_.clear();
  for (auto& w : all) w.released(false);
}

std::optional<std::array<Lsn, 3>> SyncRep::sync_positions() {
  if (!names_.defined()) return std::nullopt;
  std::vector<WalSender*> chosen;
  std::vector<std::pair<int, WalSender*>> candidates;
  for (const WalSender* cws : pg_.walsenders()) {
    WalSender* ws = pg_.walsender(cws->conn());
    int priority = 0;
    for (std::size_t i = 0; i < names_.names.size(); ++i)
      if (names_.names[i] == "*" || iequals(names_.names[i], ws->application_name())) {
        priority = static_cast<int>(i) + 1;
        break;
      }
    std::string state = "async";
    if (priority > 0) state = names_.method == SyncStandbyNames::Method::Quorum ? "quorum" : "potential";
    if (priority > 0 && ws->sync_candidate()) candidates.emplace_back(priority, ws);
    ws->sync_state = state;
  }
  std::stable_sort(candidates.begin(), candidates.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  if (names_.method == SyncStandbyNames::Method::Priority) {
    for (auto& [p, ws] : candidates) {
      if (static_cast<int>(chosen.size()) < names_.num_sync) {
        chosen.push_back(ws);
        ws->sync_state = "sync";
      } else {
        ws->sync_state = "potential";
      }
    }
  } else {
    for (auto& [p, ws] : candidates) chosen.push_back(ws);
  }
  if (static_cast<int>(chosen.size()) < names_.num_sync) return std::nullopt;
  std::array<Lsn, 3> pos{};
  if (names_.method == SyncStandbyNames::Method::Priority) {
    pos = {UINT64_MAX, UINT64_MAX, UINT64_MAX};
    for (const WalSender* ws : chosen) {
      pos[0] = std::min(pos[0], ws->write_lsn());
      pos[1] = std::min(pos[1], ws->flush_lsn());
      pos[2] = std::min(pos[2], ws->replay_lsn());
    }
  } else {
    // SyncRepGetNthLatestSyncRecPtr: the num_sync-th largest of each position.
    for (int k = 0; k < 3; ++k) {
      std::vector<Lsn> v;
      for (const WalSender* ws : chosen) v.push_back(k == 0 ? ws->write_lsn() : k == 1 ? ws->flush_lsn() : ws->replay_lsn());
      std::sort(v.begin(), v.end(), std::greater<>());
      pos[k] = v[names_.num_sync - 1];
    }
  }
  return pos;
}

void SyncRep::standbys_changed() {
  // Remember the states shown before, so changes reach the trace.
  std::vector<std::pair<sim::ConnId, std::string>> before;
  for (const WalSender* ws : pg_.walsenders()) before.emplace_back(ws->conn(), ws->sync_state);
  if (!names_.defined())
    for (const WalSender* cws : pg_.walsenders()) pg_.walsender(cws->conn())->sync_state = "async";
  const auto pos = sync_positions();
  for (const auto& [conn, old] : before) {
    const WalSender* ws = pg_.walsender(conn);
    if (ws != nullptr && ws->sync_state != old)
      pg_.record(kSyncStandbyChanged, {{"application_name", ws->application_name()}, {"sync_state", ws->sync_state}});
  }
  if (!pos || waiters_.empty()) return;
  std::vector<Waiter> released;
  for (auto it = waiters_.begin(); it != waiters_.end();) {
    if ((*pos)[mode_index(it->mode)] >= it->lsn) {
      released.push_back(std::move(*it));
      it = waiters_.erase(it);
    } else {
      ++it;
    }
  }
  std::stable_sort(released.begin(), released.end(), [](const Waiter& a, const Waiter& b) { return a.lsn < b.lsn; });
  for (auto& w : released) w.released(false);
}

}  // namespace models::postgres
