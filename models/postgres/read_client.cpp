// The read-load client: one query per interval on a libpq session, its answer in the trace.
#include "models/postgres/read_client.hpp"

#include "models/http/http.hpp"
#include "models/postgres/events.hpp"
#include "sim/json.hpp"
#include "sim/simulation.hpp"

namespace models::postgres {

ReadClient::ReadClient(sim::Node& node, std::string name, std::string host, sim::Time interval)
    : sim::Process(node, std::move(name)),
      host_(std::move(host)),
      attempt_timer_(make_timer()),
      getent_timer_(make_timer()),
      loop_(make_timer(), make_timer(), interval, busy_,
            [this] { return count <= 0 || attempt_ < static_cast<std::uint64_t>(count); }, [this] { attempt(); }) {
  start_delay = sim::Distribution::constant(0);
  stop_delay = sim::Distribution::constant(0);
}

void ReadClient::on_start() {
  busy_ = false;
  // pg-reader.sh's first read is at its start, the next ones on its period.
  loop_.start();
}

void ReadClient::on_exit() {
  conn_.reset();
  busy_ = false;
  loop_.reset();
}

void ReadClient::fail(const PgResult& r, sim::Time sent) {
  ++failures_;
  // libpq's own failures (refused, timed out, closed) have no SQLSTATE from a server: 08006, as
  // parse_logs gives a real psql's.
  const std::string state = r.sqlstate.empty() ? sqlstate::kConnectionFailure : r.sqlstate;
  sim().record(kReadFailed, {{"client", name()}, {"node", host_}, {"sqlstate", state}, {"message", r.message},
                             {"latency_us", static_cast<std::int64_t>((sim().now() - sent) / sim::kMicrosecond)}},
               true);
  busy_ = false;
  attempt_timer_.cancel();
  getent_timer_.cancel();
  loop_.attempt_ended();
}

void ReadClient::attempt() {
  busy_ = true;
  const std::uint64_t a = ++attempt_;
  const sim::Time sent = sim().now();
  if (attempt_timeout > 0) {
    // pg-reader.sh's bound on each read: the session is given up and opened again next time.
    attempt_timer_.arm_after(attempt_timeout, [this, a, sent] {
      if (a != attempt_ || !busy_) return;
      conn_.reset();
      PgResult r;
      r.message = "no answer within " + sim::seconds_text(attempt_timeout) + " s";
      fail(r, sent);
    });
  }
  if (conn_ && conn_->connected()) {
    read(sent);
    return;
  }
  // pg-reader.sh's open_session looks each name of the list up first (`timeout 1 getent`), and
  // hands psql the addresses: a name the engine's DNS does not answer ends the read 1 s later.
  for (const std::string& h : split_host_list(host_)) {
    if (h.empty() || sim::Ipv4::parse(h)) continue;
    if (models::container_dns_query(sim(), h).status != runtime::DnsStatus::Timeout) continue;
    getent_timer_.arm_after(WriteClient::kGetentBound, [this, a, sent, h] {
      if (a != attempt_ || !busy_) return;
      PgResult r;
      r.message = "could not translate host name \"" + h + "\" to address (getent, within 1 s)";
      fail(r, sent);
    });
    return;
  }
  conn_ = std::make_unique<PgConnection>(*this, host_);
  conn_->libpq_resolves = false;  // psql gets getent's addresses
  conn_->application_name = name();
  conn_->connect_timeout = connect_timeout;
  conn_->tcp_options = tcp_options;
  conn_->target_session_attrs = target_session_attrs;
  conn_->connect([this, a, sent](const PgResult& r) {
    if (a != attempt_) return;
    if (!r.ok) {
      fail(r, sent);
      return;
    }
    read(sent);
  });
}

void ReadClient::read(sim::Time sent) {
  // `sent` is the attempt's start: a read that had to connect first includes the connection,
  // as pg-reader.sh's does (its stamp is taken before it opens a session).
  const std::uint64_t a = attempt_;
  conn_->query({statement, 0}, [this, a, sent](const PgResult& r) {
    if (a != attempt_) return;
    if (!r.ok) {
      fail(r, sent);
      return;
    }
    busy_ = false;
    attempt_timer_.cancel();
    reads_.push_back(Read{sent, sim().now(), r.result.served_by, r.result.rows});
    sim().record(kReadDone, {{"client", name()}, {"node", r.result.served_by}, {"max_id", r.result.rows},
                             {"latency_us", static_cast<std::int64_t>((sim().now() - sent) / sim::kMicrosecond)}});
    loop_.attempt_ended();
  });
}

}  // namespace models::postgres
