#pragma once
// A fluent fixture for PostgreSQL model tests: a primary pg1 and standbys pg2.. on one bridge
// with a constant 100 us latency, cloned from one initdb (same system identifier), each standby
// streaming from pg1 with application_name = its name; an "app" node for clients. No YAML.
//
//   testing::PgCluster cluster;
//   cluster.writer("w1", "pg1", 100_ms);
//   cluster.run_for(2_s).crash("pg1").run_for(1_s);
//   REQUIRE(cluster.writable() == "");
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "models/postgres/client.hpp"
#include "models/postgres/events.hpp"
#include "models/postgres/postgres.hpp"
#include "models/runtime/embedded_dns.hpp"
#include "sim/network.hpp"
#include "sim/node.hpp"
#include "sim/simulation.hpp"

namespace testing {

using namespace sim::literals;
namespace pg = models::postgres;

/// A process that does nothing by itself: PgConnections of the tests belong to it.
class PgAdmin final : public sim::Process {
 public:
  explicit PgAdmin(sim::Node& n) : sim::Process(n, "admin") {
    start_delay = sim::Distribution::constant(0);
  }

 protected:
  void on_start() override {}
};

struct PgCluster {
  static constexpr std::uint64_t kSystemId = 7'300'000'000'000'000'001ull;
  sim::Simulation s;
  sim::SegmentId lan;
  std::map<std::string, pg::Postgres*> servers;
  PgAdmin* admin = nullptr;
  std::map<std::string, pg::WriteClient*> writers;

  using Tweak = std::function<void(const std::string& name, pg::PostgresConfig&)>;
  /// pg1 and `standbys` standbys; `tweak` edits each server's config before it is built.
  explicit PgCluster(int standbys = 2, const Tweak& tweak = {}, std::uint64_t seed = 1)
      : s(seed), lan(s.network().add_segment("pg-net", *sim::Subnet::parse("10.0.0.0/24"), sim::Distribution::constant(100_us))) {
    for (int i = 1; i <= standbys + 1; ++i) {
      const std::string name = "pg" + std::to_string(i);
      sim::Node& n = add_node(name);
      if (i == 1) pg::Postgres::initdb(n.disk(), kSystemId);
      else pg::Postgres::init_standby(n.disk(), kSystemId);
      pg::PostgresConfig c;
      c.cluster_name = name;
      if (i > 1) c.primary_conninfo = "host=pg1 port=5432 user=replicator application_name=" + name + " connect_timeout=2";
      if (tweak) tweak(name, c);
      auto& p = n.add_process<pg::Postgres>(c);
      p.start_delay = sim::Distribution::constant(50_ms);
      servers[name] = &p;
    }
    sim::Node& app = add_node("app");
    admin = &app.add_process<PgAdmin>();
    for (auto& node : s.nodes()) node->start();
  }

  sim::Node& add_node(const std::string& name) {
    sim::Node& n = s.add_node(name);
    n.start_delay = sim::Distribution::constant(0);
    s.network().attach(n, lan, std::nullopt);
    return n;
  }
  pg::Postgres& operator[](const std::string& name) { return *servers.at(name); }
  sim::Node& node(const std::string& name) { return *s.find_node(name); }
  sim::NodeId id(const std::string& name) { return node(name).id(); }

  /// A write load on the app node, started now.
  pg::WriteClient& writer(const std::string& name, const std::string& host, sim::Time interval, std::uint64_t wal_bytes = 200) {
    auto& w = node("app").add_process<pg::WriteClient>(name, host, interval, wal_bytes);
    w.keep_acks = true;
    w.start();
    writers[name] = &w;
    return w;
  }

  PgCluster& run_for(sim::Time t) {
    s.run_until(s.now() + t);
    return *this;
  }
  PgCluster& run_until(sim::Time t) {
    s.run_until(t);
    return *this;
  }
  /// Power loss of the node (unsynced writes gone); `start` brings it back.
  PgCluster& crash(const std::string& name) {
    node(name).crash();
    return *this;
  }
  PgCluster& start_node(const std::string& name) {
    node(name).start();
    return *this;
  }
  /// SIGKILL of postgres alone (the page cache stays).
  PgCluster& kill(const std::string& name) {
    (*this)[name].kill();
    return *this;
  }
  PgCluster& start(const std::string& name) {
    (*this)[name].start();
    return *this;
  }
  /// docker stop: the image's STOPSIGNAL, SIGINT (a fast shutdown).
  PgCluster& stop(const std::string& name) {
    (*this)[name].stop();
    return *this;
  }
  PgCluster& freeze(const std::string& name) {
    (*this)[name].freeze();
    return *this;
  }
  PgCluster& thaw(const std::string& name) {
    (*this)[name].thaw();
    return *this;
  }
  /// Drops every packet between a and b both ways; returns the rule for heal().
  int partition(const std::string& a, const std::string& b) {
    return s.network().add_drop({id(a)}, {id(b)}, sim::kAnyProto, true);
  }
  PgCluster& heal(int rule) {
    s.network().remove_rule(rule);
    return *this;
  }

  /// Names of the servers that accept writes now, comma-separated in name order.
  std::string writable() const {
    std::string out;
    for (const auto& [name, p] : servers)
      if (p->running() && p->server_state() == pg::ServerState::Running && !p->in_recovery())
        out += (out.empty() ? "" : ",") + name;
    return out;
  }

  /// Connects to `host` and runs `sql` as a client would, advancing the simulation until the
  /// answer (at most `limit`). An empty sql only connects.
  pg::PgResult sql(const std::string& host, const std::string& sql, sim::Time limit = 70_s) {
    auto conn = std::make_shared<pg::PgConnection>(*admin, host);
    auto out = std::make_shared<pg::PgResult>();
    auto done = std::make_shared<bool>(false);
    conn->connect([conn, out, done, sql](const pg::PgResult& r) {
      if (!r.ok || sql.empty()) {
        *out = r;
        *done = true;
        return;
      }
      conn->query({sql, 0}, [out, done](const pg::PgResult& q) {
        *out = q;
        *done = true;
      });
    });
    const sim::Time end = s.now() + limit;
    while (!*done && s.now() < end) s.run_until(std::min(end, s.now() + 1_ms));
    if (conn->connected()) conn->close();
    return *out;
  }

  /// Trace records of `kind` (for node `node` when given).
  std::vector<sim::TraceRecord> events(const std::string& kind, const std::string& node_name = "") const {
    std::vector<sim::TraceRecord> out;
    for (const auto& r : s.trace().records())
      if (r.kind == kind && (node_name.empty() || r.text("node") == node_name)) out.push_back(r);
    return out;
  }
  static std::int64_t num(const sim::TraceRecord& r, const std::string& key) { return std::get<std::int64_t>(*r.find(key)); }
};

/// The engine's DNS for `cluster`, falling silent for `silence` at every container stop (a
/// stop's probability of it 1, or `probability`): `dns.container_stopped(name)` starts one.
struct SilentDns {
  models::runtime::EmbeddedDns dns;
  SilentDns(PgCluster& cluster, sim::Time silence, double probability = 1.0)
      : dns(cluster.s, config(silence, probability)), s(cluster.s) {}
  /// A container's stop now (the client node's: any stop silences the whole network); when.
  sim::Time stop_a_container(const std::string& name = "app") {
    dns.container_stopped(name);
    return s.now();
  }
  sim::Simulation& s;
  static models::runtime::DnsConfig config(sim::Time silence, double probability) {
    models::runtime::DnsConfig dc;
    dc.silence.after_stop = probability;
    dc.silence.duration = sim::Distribution::constant(silence);
    return dc;
  }
};

}  // namespace testing
