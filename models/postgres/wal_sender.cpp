// The walsender (replication/walsender.c): replication commands, streaming of flushed WAL,
// standby replies, keepalives and wal_sender_timeout, and the end of streaming at shutdown.
#include <algorithm>
#include <limits>

#include "models/postgres/events.hpp"
#include "models/postgres/postgres.hpp"
#include "sim/node.hpp"
#include "sim/simulation.hpp"

namespace models::postgres {

const char* to_string(WalSndState s) {
  switch (s) {
    case WalSndState::Startup: return "startup";
    case WalSndState::Catchup: return "catchup";
    case WalSndState::Streaming: return "streaming";
    case WalSndState::Stopping: return "stopping";
  }
  return "?";
}

WalSender::WalSender(Postgres& pg, sim::ConnId conn, std::uint32_t pid, std::string application_name)
    : pg_(pg),
      conn_(conn),
      pid_(pid),
      application_name_(std::move(application_name)),
      timeout_timer_(pg.make_timer()),
      latch_(pg.make_timer(), pg.latch_wakeup, pg.latch_rng()) {}

void WalSender::deliver(const std::any& m) {
  if (latch_.immediate()) return on_message(m);
  latch_.set([this, m] { on_message(m); });
}

void WalSender::on_message(const std::any& m) {
  if (ended_) return;
  if (std::any_cast<IdentifySystem>(&m) != nullptr) {
    pg_.tcp().send_data(conn_, pg_, IdentifySystemResult{pg_.system_identifier(), pg_.timeline(), pg_.send_limit()},
                        kSmallMessageBytes);
  } else if (const auto* h = std::any_cast<TimelineHistoryCommand>(&m)) {
    if (!pg_.history().contains(h->timeline) || h->timeline <= 1)
      return error("58P01", "could not open file \"pg_wal/" + std::to_string(h->timeline) + ".history\"");
    const TimelineHistory hist = read_history(pg_.node().disk(), kPgData, h->timeline);
    const std::string text = hist.file_text();
    pg_.tcp().send_data(conn_, pg_, TimelineHistoryResult{h->timeline, text}, kSmallMessageBytes + text.size());
  } else if (const auto* s = std::any_cast<StartReplication>(&m)) {
    start_replication(*s);
  } else if (const auto* c = std::any_cast<CreateReplicationSlot>(&m)) {
    // CREATE_REPLICATION_SLOT name PHYSICAL RESERVE_WAL: the slot holds WAL from now on.
    auto& slots = pg_.slots();
    if (slots.count(c->name) != 0) return error("42710", "replication slot \"" + c->name + "\" already exists");
    if (static_cast<int>(slots.size()) >= pg_.config().max_replication_slots)
      return error("53400", "all replication slots are in use");
    slots[c->name].restart_lsn = pg_.insert_lsn();
    pg_.tcp().send_data(conn_, pg_, CommandComplete{.tag = "CREATE_REPLICATION_SLOT"}, kSmallMessageBytes);
  } else if (const auto* b = std::any_cast<BaseBackupCommand>(&m)) {
    Postgres* pg = &pg_;
    const sim::ConnId c = conn_;
    pg_.base_backup(*b, [pg, c](DataCopy copy) {
      if (!pg->walsender(c) || !pg->tcp().open(c, *pg)) return;
      const std::uint64_t bytes = copy.bytes;
      pg->tcp().send_data(c, *pg, std::move(copy), bytes);
    });
  } else if (const auto* r = std::any_cast<StandbyStatusUpdate>(&m)) {
    reply(*r);
  } else if (std::any_cast<Terminate>(&m) != nullptr) {
    end("terminated by standby");
  }
}

void WalSender::error(const std::string& code, const std::string& message, const std::string& detail) {
  pg_.tcp().send_data(conn_, pg_, ErrorResponse{"ERROR", code, message, detail}, kSmallMessageBytes + message.size());
  end(message);
}

void WalSender::terminate() {
  if (ended_) return;
  const std::string message = "terminating connection due to administrator command";
  if (pg_.tcp().open(conn_, pg_))
    pg_.tcp().send_data(conn_, pg_, ErrorResponse{"FATAL", sqlstate::kAdminShutdown, message, ""}, kSmallMessageBytes + message.size());
  end(message);
}

void WalSender::start_replication(const StartReplication& cmd) {
  const TimelineHistory& h = pg_.history();
  const TimeLineId current = pg_.timeline();
  if (!cmd.slot.empty()) {
    auto& slots = pg_.slots();
    auto it = slots.find(cmd.slot);
    if (it == slots.end()) return error(sqlstate::kUndefinedObject, "replication slot \"" + cmd.slot + "\" does not exist");
    if (it->second.active_pid != 0)
      return error(sqlstate::kObjectInUse, "replication slot \"" + cmd.slot + "\" is active for PID " +
                                               std::to_string(it->second.active_pid));
    // PostgreSQL 15 takes an invalidated physical slot (only 16+ refuse it here): the standby
    // fails below, its segment being gone ("requested WAL segment ... has already been removed").
  }
  if (cmd.timeline != current) {
    // StartReplication: a requested timeline older than ours must have forked after the start.
    const auto sp = h.switchpoint(cmd.timeline);
    if (!sp) return error(sqlstate::kInternalError, "requested timeline " + std::to_string(cmd.timeline) + " is not in this server's history");
    if (cmd.start > *sp)
      return error(sqlstate::kInternalError,
                   "requested starting point " + format_lsn(cmd.start) + " on timeline " + std::to_string(cmd.timeline) +
                       " is not in this server's history",
                   "This server's history forked from timeline " + std::to_string(cmd.timeline) + " at " + format_lsn(*sp) + ".");
  } else if (cmd.start > pg_.send_limit()) {
    return error(sqlstate::kInternalError, "requested starting point " + format_lsn(cmd.start) +
                                               " is ahead of the WAL flush position of this server " + format_lsn(pg_.send_limit()));
  }
  const auto oldest = pg_.wal().oldest_lsn();
  if (oldest && pg_.wal().segno(cmd.start) < pg_.wal().segno(*oldest)) {
    // XLogSendPhysical finds it on its first read, after CopyBothResponse: the standby has
    // started streaming ("started streaming WAL from primary at") when the error comes.
    pg_.tcp().send_data(conn_, pg_, CopyBothResponse{}, kSmallMessageBytes);
    // XLogFileName: the segment's file name, not its path.
    const std::string path = pg_.wal().segment_path(cmd.timeline, pg_.wal().segno(cmd.start));
    return error("58P01", "requested WAL segment " + path.substr(path.rfind('/') + 1) + " has already been removed");
  }
  slot_ = cmd.slot;
  if (!slot_.empty()) {
    auto& s = pg_.slots()[slot_];
    s.active_pid = pid_;
    if (s.restart_lsn == 0) s.restart_lsn = cmd.start;  // the first use reserves WAL from here
  }
  pg_.tcp().send_data(conn_, pg_, CopyBothResponse{}, kSmallMessageBytes);
  state_ = WalSndState::Catchup;
  send_tli_ = cmd.timeline;
  sent_ = cmd.start;
  last_reply_ = pg_.sim().now();
  pg_.record(kWalSenderStarted, {{"application_name", application_name_}, {"slot", slot_},
                                 {"start_lsn", static_cast<std::int64_t>(cmd.start)}});
  arm_timeout();
  send_more();
  pg_.sync().standbys_changed();
}

void WalSender::send_more() {
  if (ended_ || state_ == WalSndState::Startup) return;
  Lsn limit = pg_.send_limit();
  // XLogSendPhysical: the timeline being sent became historic (this server was promoted, or, a
  // cascading walsender's standby, replays a newer timeline now): WAL goes up to its switch
  // point only, then the stream ends there.
  std::optional<Lsn> historic_end;
  if (send_tli_ != pg_.timeline()) {
    if (const auto sp = pg_.history().switchpoint(send_tli_); sp && *sp != std::numeric_limits<Lsn>::max()) {
      historic_end = *sp;
      limit = std::min(limit, *sp);
    }
  }
  sim::Tcp& tcp = pg_.tcp();
  if (!tcp.open(conn_, pg_)) return;
  // XLogSendPhysical: the flush position and the time it was found, for the lag columns.
  lag_.write(limit, pg_.sim().now());
  while (sent_ < limit) {
    // pq_is_send_pending: a full socket makes the walsender wait until it drains.
    if (tcp.queued_bytes(conn_, pg_) >= kSendBufferBytes) {
      // WaitLatchOrSocket(WL_SOCKET_WRITEABLE): it sleeps until the socket takes data again.
      Postgres* pg = &pg_;
      const sim::ConnId c = conn_;
      tcp.on_writable(conn_, pg_, [pg, c] {
        if (WalSender* ws = pg->walsender(c)) ws->send_more();
      });
      return;
    }
    if (const auto oldest = pg_.wal().oldest_lsn(); oldest && pg_.wal().segno(sent_) < pg_.wal().segno(*oldest))
      return error("58P01", "requested WAL segment " + pg_.wal().segment_path(pg_.timeline(), pg_.wal().segno(sent_)) +
                                " has already been removed");
    std::vector<WalRecord> batch = pg_.wal().read(sent_, limit, kMaxSendBytes);
    if (batch.empty()) {
      sent_ = limit;
      break;
    }
    std::uint64_t bytes = 0;
    for (const auto& r : batch) bytes += r.size_bytes;
    XLogData d;
    d.start = sent_;
    d.end = batch.back().end();
    d.wal_end = limit;
    d.send_time = pg_.sim().now();
    d.records = std::move(batch);
    sent_ = d.end;
    tcp.send_data(conn_, pg_, std::move(d), bytes + kXLogDataHeaderBytes);
  }
  if (historic_end && sent_ >= *historic_end && state_ != WalSndState::Stopping) return end_of_timeline(*historic_end);
  if (state_ == WalSndState::Catchup && sent_ >= limit) {
    state_ = WalSndState::Streaming;
    pg_.sync().standbys_changed();
  }
  if (state_ == WalSndState::Stopping && sent_ >= limit && flush_ >= limit) end("shutdown");
}

void WalSender::wal_flushed() {
  latch_.set([this] {
    if (!ended_ && state_ != WalSndState::Startup) send_more();
  });
}

void WalSender::reply(const StandbyStatusUpdate& r) {
  const sim::Time now = pg_.sim().now();
  // ProcessStandbyReplyMessage: each position's round trip, and the lags forgotten when the
  // standby reports everything sent as replayed twice in a row (the second reply can only be
  // wal_receiver_status_interval's: the system is idle, stale lags would be misleading).
  const sim::Time wl = lag_.read(LagTracker::kWrite, r.write, now);
  const sim::Time fl = lag_.read(LagTracker::kFlush, r.flush, now);
  const sim::Time al = lag_.read(LagTracker::kApply, r.apply, now);
  bool clear = false;
  if (r.apply == sent_) {
    clear = fully_applied_last_time_;
    fully_applied_last_time_ = true;
  } else {
    fully_applied_last_time_ = false;
  }
  if (wl != -1 || clear) write_lag_ = wl;
  if (fl != -1 || clear) flush_lag_ = fl;
  if (al != -1 || clear) replay_lag_ = al;
  write_ = r.write;
  flush_ = r.flush;
  apply_ = r.apply;
  last_reply_ = now;
  ping_sent_ = false;
  if (!slot_.empty()) {
    // PhysicalConfirmReceivedLocation: the slot keeps WAL from what the standby flushed.
    auto& s = pg_.slots()[slot_];
    if (r.flush > s.restart_lsn) s.restart_lsn = r.flush;
  }
  arm_timeout();
  if (r.reply_requested) send_keepalive(false);
  pg_.sync().reply_processed(*this);
  if (!ended_ && state_ == WalSndState::Stopping && sent_ >= pg_.send_limit() && flush_ >= pg_.send_limit()) end("shutdown");
}

void WalSender::arm_timeout() {
  const sim::Time timeout = pg_.config().wal_sender_timeout;
  if (timeout <= 0 || ended_) return;
  const sim::Time at = ping_sent_ ? last_reply_ + timeout : last_reply_ + timeout / 2;
  Postgres* pg = &pg_;
  const sim::ConnId c = conn_;
  timeout_timer_.arm_at(at, [pg, c] {
    if (WalSender* ws = pg->walsender(c)) ws->timeout_tick();
  });
}

void WalSender::timeout_tick() {
  if (ended_) return;
  const sim::Time now = pg_.sim().now();
  const sim::Time timeout = pg_.config().wal_sender_timeout;
  if (timeout <= 0) return;
  // WalSndCheckTimeOut, then WalSndKeepaliveIfNecessary.
  if (now >= last_reply_ + timeout) {
    end("terminating walsender process due to replication timeout");
    return;
  }
  if (!ping_sent_ && now >= last_reply_ + timeout / 2) {
    send_keepalive(true);
    ping_sent_ = true;
  }
  arm_timeout();
}

void WalSender::send_keepalive(bool reply_requested) {
  if (!pg_.tcp().open(conn_, pg_)) return;
  pg_.tcp().send_data(conn_, pg_, PrimaryKeepalive{pg_.send_limit(), pg_.sim().now(), reply_requested}, kKeepaliveBytes);
}

void WalSender::end_of_timeline(Lsn switchpoint) {
  // WalSndDone's sibling for a historic timeline: CopyDone, then the next timeline; the slot is
  // released when START_REPLICATION returns (StartReplication: ReplicationSlotRelease), and the
  // walsender waits for its next command, without the replication timeout.
  TimeLineId next = 0;
  const auto& entries = pg_.history().entries;
  for (std::size_t i = 0; i + 1 < entries.size(); ++i)
    if (entries[i].timeline == send_tli_) next = entries[i + 1].timeline;
  state_ = WalSndState::Startup;
  timeout_timer_.cancel();
  if (!slot_.empty()) {
    auto it = pg_.slots().find(slot_);
    if (it != pg_.slots().end()) it->second.active_pid = 0;
  }
  pg_.tcp().send_data(conn_, pg_, EndOfTimeline{send_tli_, switchpoint, next}, kSmallMessageBytes);
  pg_.sync().standbys_changed();
}

void WalSender::begin_stopping() {
  if (ended_) return;
  if (state_ == WalSndState::Startup) {
    end("shutdown");
    return;
  }
  state_ = WalSndState::Stopping;
  send_more();
}

void WalSender::end(const std::string& reason, bool close_socket) {
  if (ended_) return;
  ended_ = true;
  timeout_timer_.cancel();
  if (!slot_.empty()) {
    auto it = pg_.slots().find(slot_);
    if (it != pg_.slots().end()) it->second.active_pid = 0;
  }
  pg_.record(kWalSenderEnded, {{"application_name", application_name_}, {"reason", reason}});
  if (close_socket && pg_.tcp().open(conn_, pg_)) pg_.tcp().close(conn_, pg_);
  pg_.walsender_ended(conn_);
}

}  // namespace models::postgres
