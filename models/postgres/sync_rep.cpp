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
  // SyncRepWaitForLSN: "Also check that the standby hasn't already replied."
  if (lsn <= released_[mode_index(mode)]) {
    released(false);
    return;
  }
  // SyncRepQueueInsert keeps the queue ordered by LSN.
  auto at = std::upper_bound(waiters_.begin(), waiters_.end(), lsn, [](Lsn l, const Waiter& w) { return l < w.lsn; });
  waiters_.insert(at, Waiter{id, lsn, mode, std::move(released)});
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

std::vector<const WalSender*> SyncRep::choose() {
  std::vector<const WalSender*> chosen;
  std::vector<std::pair<int, WalSender*>> candidates;
  for (const WalSender* cws : pg_.walsenders()) {
    WalSender* ws = pg_.walsender(cws->conn());
    int priority = 0;
    if (names_.defined())
      for (std::size_t i = 0; i < names_.names.size(); ++i)
        if (names_.names[i] == "*" || iequals(names_.names[i], ws->application_name())) {
          priority = static_cast<int>(i) + 1;
          break;
        }
    // pg_stat_get_wal_senders: priority 0 "async"; one of the synchronous standbys "sync" (FIRST)
    // or "quorum" (ANY); any other listed one "potential" (not streaming yet, or beyond num_sync).
    ws->sync_state = priority > 0 ? "potential" : "async";
    if (priority > 0 && ws->sync_candidate()) candidates.emplace_back(priority, ws);
  }
  // SyncRepGetCandidateStandbys: FIRST keeps the num_sync of highest priority (ties in walsender
  // order), ANY keeps every candidate.
  std::stable_sort(candidates.begin(), candidates.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  const bool priority_method = names_.method == SyncStandbyNames::Method::Priority;
  for (auto& [p, ws] : candidates) {
    if (priority_method && static_cast<int>(chosen.size()) >= names_.num_sync) break;
    chosen.push_back(ws);
    ws->sync_state = priority_method ? "sync" : "quorum";
  }
  return chosen;
}

std::optional<std::array<Lsn, 3>> SyncRep::positions(const std::vector<const WalSender*>& chosen) const {
  if (!names_.defined() || static_cast<int>(chosen.size()) < names_.num_sync) return std::nullopt;
  std::array<Lsn, 3> pos{};
  if (names_.method == SyncStandbyNames::Method::Priority) {
    // SyncRepGetOldestSyncRecPtr: the oldest of each position among the synchronous standbys.
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
  choose();
  for (const auto& [conn, old] : before) {
    const WalSender* ws = pg_.walsender(conn);
    if (ws != nullptr && ws->sync_state != old)
      pg_.record(kSyncStandbyChanged, {{"application_name", ws->application_name()}, {"sync_state", ws->sync_state}});
  }
}

void SyncRep::reply_processed(const WalSender& from) {
  standbys_changed();
  // SyncRepReleaseWaiters: only a synchronous standby's walsender releases, up to the positions
  // of all of them; each level's high-water mark only moves forwards.
  std::vector<const WalSender*> chosen;
  for (const WalSender* ws : pg_.walsenders())
    if (ws->sync_state == "sync" || ws->sync_state == "quorum") chosen.push_back(ws);
  if (std::find(chosen.begin(), chosen.end(), &from) == chosen.end()) return;
  const auto pos = positions(chosen);
  if (!pos) return;
  for (int k = 0; k < 3; ++k) released_[k] = std::max(released_[k], (*pos)[k]);
  std::vector<Waiter> released;
  for (auto it = waiters_.begin(); it != waiters_.end();) {
    if (released_[mode_index(it->mode)] >= it->lsn) {
      released.push_back(std::move(*it));
      it = waiters_.erase(it);
    } else {
      ++it;
    }
  }
  for (auto& w : released) w.released(false);
}

}  // namespace models::postgres
