// The walreceiver (replication/walreceiver.c, libpqwalreceiver.c): connection to
// primary_conninfo, the replication handshake, writing and flushing received WAL, status
// replies and wal_receiver_timeout.
#include "models/http/getaddrinfo.hpp"
#include "models/postgres/events.hpp"
#include "models/postgres/postgres.hpp"
#include "sim/node.hpp"
#include "sim/simulation.hpp"

namespace models::postgres {

WalReceiver::WalReceiver(Postgres& pg)
    : pg_(pg), timer_(pg.make_timer()), latch_(pg.make_timer(), pg.latch_wakeup, pg.latch_rng()), write_timer_(pg.make_timer()) {}

void WalReceiver::start() {
  const auto info = PrimaryConnInfo::parse(pg_.config().primary_conninfo);
  if (!info || info->host.empty()) return;  // no primary_conninfo: nothing to stream from
  info_ = *info;
  active_ = true;
  streaming_ = false;
  phase_ = Phase::Connecting;
  ++gen_;
  writing_ = false;
  resolving_ = false;
  stop_pending_.reset();
  held_.clear();
  // A new walreceiver process: XLogWalRcvSendReply has reported nothing yet.
  reported_write_ = reported_flush_ = reported_apply_ = 0;
  replied_ = false;
  walk_ = HostWalk(info_.host, TargetSessionAttrs::Any);
  // The postmaster forks the process, which sets itself up before libpq connects; a stop meanwhile
  // (ShutdownWalRcv on a walreceiver still STARTING) ends it at once.
  const sim::Time launch = pg_.walreceiver_start.sample(pg_.walreceiver_start_rng());
  if (launch <= 0) {
    try_host();
    return;
  }
  const std::uint64_t g = gen_;
  timer_.arm_after(launch, [this, g] {
    if (g == gen_) try_host();
  });
}

void WalReceiver::try_host() {
  const auto host = walk_.current();
  if (!host) {
    fail("could not connect to the primary server: " + walk_.last_error());
    return;
  }
  host_ = *host;
  // getaddrinfo blocks the process while the DNS answers nothing; a stop signal meanwhile is
  // seen when it returns (request_stop).
  resolving_ = true;
  const std::uint64_t g = gen_;
  models::getaddrinfo(
      pg_.sim(), host_,
      [this, g](sim::Time delay, sim::Callback then) {
        timer_.arm_after(delay, [this, g, then] {
          if (g == gen_) then();
        });
      },
      [this](const runtime::DnsAnswer& answer) { resolved(answer); });
}

void WalReceiver::resolved(const runtime::DnsAnswer& answer) {
  resolving_ = false;
  if (stop_pending_) {  // getaddrinfo returned: the signal that came meanwhile is seen now
    const std::string why = *stop_pending_;
    fail(why);
    return;
  }
  if (!answer.addr) {
    walk_.next(models::no_address_message(host_, answer));
    try_host();
    return;
  }
  const auto ip = answer.addr;
  const std::uint64_t g = gen_;
  // Without libpq's connect_timeout, the kernel's SYN retries decide (131 s on Linux 6.5+).
  const sim::Time timeout = info_.connect_timeout > 0 ? info_.connect_timeout : pg_.tcp().syn_schedule().give_up();
  pg_.tcp().connect(pg_, *ip, info_.port, timeout, [this, g](sim::ConnectResult r, sim::ConnId c) {
    if (g != gen_ || !active_) {
      if (r == sim::ConnectResult::Connected) pg_.tcp().close(c, pg_);
      return;
    }
    if (r != sim::ConnectResult::Connected) {
      walk_.next(std::string("connection to server at \"") + host_ + "\" failed: " +
                 (r == sim::ConnectResult::Refused ? "Connection refused" : r == sim::ConnectResult::Timeout ? "timeout expired" : "No route to host"));
      try_host();
      return;
    }
    connected(c);
  });
}

void WalReceiver::connected(sim::ConnId conn) {
  conn_ = conn;
  phase_ = Phase::Startup;
  sim::Tcp& tcp = pg_.tcp();
  sim::TcpOptions o;
  o.keepalive = info_.keepalives;
  if (info_.keepalives_idle > 0) o.keepalive_idle = info_.keepalives_idle;
  if (info_.keepalives_interval > 0) o.keepalive_interval = info_.keepalives_interval;
  if (info_.keepalives_count > 0) o.keepalive_count = info_.keepalives_count;
  o.user_timeout = info_.tcp_user_timeout;
  tcp.set_options(conn, pg_, o);
  const std::uint64_t g = gen_;
  tcp.on_data(conn, pg_, [this, g](const std::any& m, std::uint64_t) {
    if (g != gen_) return;
    if (latch_.immediate()) return receive(m);
    latch_.set([this, g, m] {
      if (g == gen_) receive(m);
    });
  });
  tcp.on_close(conn, pg_, [this, g] {
    if (g == gen_) fail("could not receive data from WAL stream: server closed the connection unexpectedly");
  });
  tcp.on_reset(conn, pg_, [this, g] {
    if (g == gen_) fail("could not receive data from WAL stream: Connection reset by peer");
  });
  tcp.on_timeout(conn, pg_, [this, g] {
    if (g == gen_) fail("could not receive data from WAL stream: Connection timed out");
  });
  StartupMessage sm;
  sm.user = info_.user;
  sm.replication = true;
  sm.application_name = !info_.application_name.empty() ? info_.application_name
                        : !pg_.config().cluster_name.empty() ? pg_.config().cluster_name : "walreceiver";
  tcp.send_data(conn, pg_, sm, kSmallMessageBytes);
}

void WalReceiver::on_message(const std::any& m) {
  if (const auto* e = std::any_cast<ErrorResponse>(&m)) {
    const std::string text = e->detail.empty() ? e->message : e->message + " " + e->detail;
    // While streaming, libpqrcv_receive reports the primary's error as it came.
    if (phase_ == Phase::Streaming) fail("could not receive data from WAL stream: " + e->severity + ":  " + text);
    else fail(text);
  } else if (std::any_cast<ReadyForQuery>(&m) != nullptr) {
    if (phase_ == Phase::Startup) {
      phase_ = Phase::Identify;
      pg_.tcp().send_data(conn_, pg_, IdentifySystem{}, kSmallMessageBytes);
    }
  } else if (const auto* r = std::any_cast<IdentifySystemResult>(&m)) {
    on_identify(*r);
  } else if (const auto* h = std::any_cast<TimelineHistoryResult>(&m)) {
    on_history(*h);
  } else if (std::any_cast<CopyBothResponse>(&m) != nullptr) {
    phase_ = Phase::Streaming;
    streaming_ = true;
    last_recv_ = pg_.sim().now();
    ping_sent_ = false;
    pg_.record(kWalReceiverConnected, {{"primary", host_}, {"timeline", static_cast<std::int64_t>(stream_tli_)},
                                       {"start_lsn", static_cast<std::int64_t>(written_)}});
    // No reply yet (PostgreSQL 15): the loop reads what is there, then naps; the primary hears
    // of this standby with its first WAL or when that nap runs out.
  } else if (const auto* d = std::any_cast<XLogData>(&m)) {
    on_data(*d);
  } else if (const auto* e = std::any_cast<EndOfTimeline>(&m)) {
    // walrcv_endstreaming: "replication terminated by primary server", "End of WAL reached on
    // timeline N at X/X"; then, on the same connection, IDENTIFY_SYSTEM again, the new
    // timeline's history, and START_REPLICATION on it (WalReceiverMain's loop), with no
    // wal_retrieve_retry_interval wait.
    streaming_ = false;
    timer_.cancel();
    pg_.record(kWalReceiverDisconnected, {{"primary", host_}, {"reason", "replication terminated by primary server: End of WAL reached on timeline " +
                                                         std::to_string(e->timeline) + " at " + format_lsn(e->switchpoint)}});
    phase_ = Phase::Identify;
    pg_.tcp().send_data(conn_, pg_, IdentifySystem{}, kSmallMessageBytes);
  } else if (const auto* k = std::any_cast<PrimaryKeepalive>(&m)) {
    last_recv_ = pg_.sim().now();
    ping_sent_ = false;
    if (k->reply_requested) send_reply(true);
  }
}

void WalReceiver::on_identify(const IdentifySystemResult& r) {
  if (r.systemid != pg_.system_identifier()) {
    fail("database system identifier differs between the primary and standby");
    return;
  }
  primary_tli_ = r.timeline;
  const TimeLineId mine = pg_.history().timeline();
  if (primary_tli_ < mine) {
    fail("highest timeline " + std::to_string(primary_tli_) + " of the primary is behind recovery timeline " + std::to_string(mine));
    return;
  }
  if (primary_tli_ > mine) {
    phase_ = Phase::History;
    pg_.tcp().send_data(conn_, pg_, TimelineHistoryCommand{primary_tli_}, kSmallMessageBytes);
    return;
  }
  stream_tli_ = mine;
  start_streaming();
}

void WalReceiver::on_history(const TimelineHistoryResult& r) {
  // WalRcvFetchTimeLineHistoryFiles, then the startup process's rescanLatestTimeLine: the new
  // timeline is followed only if it forked off ours at or after what we have.
  pg_.store_history(r.timeline, r.content);
  const TimelineHistory theirs = TimelineHistory::parse(r.timeline, r.content);
  const TimeLineId mine = pg_.history().timeline();
  const Lsn position = pg_.wal().insert_lsn();
  const auto fork = theirs.switchpoint(mine);
  if (fork && position <= *fork) {
    pg_.follow_timeline(r.timeline);
    stream_tli_ = r.timeline;
  } else {
    pg_.record(kTimelineForkBehind, {{"timeline", static_cast<std::int64_t>(r.timeline)},
                                     {"fork_lsn", static_cast<std::int64_t>(fork.value_or(0))},
                                     {"lsn", static_cast<std::int64_t>(position)}});
    stream_tli_ = mine;
  }
  start_streaming();
}

void WalReceiver::start_streaming() {
  phase_ = Phase::Starting;
  // LogstreamResult starts at the replay position; what was reported last stays as it was.
  written_ = flushed_ = pg_.wal().insert_lsn();
  StartReplication s;
  s.slot = pg_.config().primary_slot_name;
  s.start = written_;
  s.timeline = stream_tli_;
  pg_.tcp().send_data(conn_, pg_, s, kSmallMessageBytes);
}

void WalReceiver::receive(const std::any& m) {
  if (writing_) {
    held_.push_back(m);
    return;
  }
  on_message(m);
  if (!writing_) nap();
}

void WalReceiver::on_data(const XLogData& d) {
  last_recv_ = pg_.sim().now();
  ping_sent_ = false;
  const bool at_once = pg_.walreceiver_write.kind == sim::Distribution::Kind::Constant && pg_.walreceiver_write.a <= 0;
  const sim::Time work = at_once ? 0 : pg_.walreceiver_write.sample(pg_.walreceiver_rng());
  if (work <= 0) return write_batch(d);
  // The walreceiver is busy with this batch: what arrives meanwhile waits in its socket, and
  // its loop reads it after the write reply and the flush, in order.
  writing_ = true;
  const std::uint64_t g = gen_;
  write_timer_.arm_after(work, [this, g, d] {
    if (g != gen_) return;
    writing_ = false;
    write_batch(d);
    while (!writing_ && g == gen_ && !held_.empty()) {
      const std::any m = std::move(held_.front());
      held_.pop_front();
      on_message(m);
    }
    if (!writing_ && g == gen_) nap();
  });
}

void WalReceiver::write_batch(const XLogData& d) {
  Wal& wal = pg_.wal();
  for (const WalRecord& r : d.records) {
    if (r.lsn < wal.insert_lsn()) continue;  // already have it
    if (wal.write_received(r) != sim::FsError::Ok) {
      pg_.record(kWalDiskFull, {{"lsn", static_cast<std::int64_t>(r.lsn)}});
      fail("could not write to log segment: No space left on device");
      return;
    }
    written_ = r.end();
  }
  send_reply(false);
  wal.flush();  // XLogWalRcvFlush
}

void WalReceiver::wal_flushed() {
  if (!streaming_) return;
  flushed_ = std::min(written_, pg_.wal().flush_lsn());
  send_reply(false);
  nap();
}

void WalReceiver::applied(bool force) {
  if (!streaming_ || !force) return;
  // WalRcvForceReply sets the walreceiver's latch: it replies when it runs.
  const std::uint64_t g = gen_;
  latch_.set([this, g] {
    if (g != gen_ || !streaming_) return;
    send_reply(true);
    nap();
  });
}

void WalReceiver::send_reply(bool force, bool reply_requested) {
  if (!streaming_ || !pg_.tcp().open(conn_, pg_)) return;
  const sim::Time now = pg_.sim().now();
  const sim::Time interval = pg_.config().wal_receiver_status_interval;
  // XLogWalRcvSendReply: unforced, nothing when the interval is 0, else only when write or flush
  // moved since the last reply or the interval passed (the first call of a process always sends).
  if (!force && !reply_requested) {
    if (interval <= 0) return;
    if (replied_ && written_ == reported_write_ && flushed_ == reported_flush_ && now < last_reply_ + interval) return;
  }
  reported_write_ = written_;
  reported_flush_ = flushed_;
  reported_apply_ = pg_.replay_lsn();
  last_reply_ = now;
  replied_ = true;
  pg_.tcp().send_data(conn_, pg_, StandbyStatusUpdate{written_, flushed_, reported_apply_, now, reply_requested},
                      kStatusUpdateBytes);
}

void WalReceiver::nap() {
  if (!streaming_) return;
  const std::uint64_t g = gen_;
  timer_.arm_after(kNapPerCycle, [this, g] {
    if (g == gen_) nap_over();
  });
}

void WalReceiver::nap_over() {
  if (!streaming_) return;
  // WL_TIMEOUT: nothing arrived and nobody set the latch for a whole nap.
  const sim::Time now = pg_.sim().now();
  const sim::Time timeout = pg_.config().wal_receiver_timeout;
  bool request = false;
  if (timeout > 0) {
    if (now >= last_recv_ + timeout) {
      fail("terminating walreceiver due to timeout");
      return;
    }
    if (!ping_sent_ && now >= last_recv_ + timeout / 2) {
      request = true;
      ping_sent_ = true;
    }
  }
  send_reply(request, request);
  nap();
}

void WalReceiver::stop(const std::string& reason) { fail(reason); }

void WalReceiver::request_stop(const std::string& reason) {
  if (!active_) return;
  if (resolving_) {
    stop_pending_ = reason;
    return;
  }
  fail(reason);
}

void WalReceiver::fail(const std::string& reason) {
  if (!active_) return;
  active_ = false;
  streaming_ = false;
  phase_ = Phase::Connecting;
  ++gen_;
  timer_.cancel();
  write_timer_.cancel();
  writing_ = false;
  resolving_ = false;
  stop_pending_.reset();
  held_.clear();
  if (conn_ != 0 && pg_.tcp().open(conn_, pg_)) pg_.tcp().close(conn_, pg_);
  conn_ = 0;
  pg_.record(kWalReceiverDisconnected, {{"primary", host_}, {"reason", reason}});
  pg_.walreceiver_exited(reason);
}

}  // namespace models::postgres
