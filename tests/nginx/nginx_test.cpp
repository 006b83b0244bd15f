// nginx's master and worker (models/nginx/nginx.hpp), on a bridge with a client, no YAML.
#include <catch2/catch.hpp>

#include <string>

#include "../support/haproxy_stack.hpp"
#include "../support/pkill.hpp"
#include "models/nginx/nginx.hpp"
#include "sim/disk.hpp"
#include "sim/node.hpp"
#include "sim/simulation.hpp"

using namespace sim::literals;

namespace {

/// web1 runs nginx (master and worker) from t=0; cli asks it with curl.
struct Web {
  sim::Simulation s{1};
  sim::SegmentId lan = s.network().add_segment("lan", *sim::Subnet::parse("10.0.0.0/24"), sim::Distribution::constant(100_us));
  sim::Node& web = add("web1");
  sim::Node& cli = add("cli");
  models::Nginx& nginx = web.add_process<models::Nginx>(models::NginxConfig{});
  testing::Curl& curl = cli.add_process<testing::Curl>();

  Web() {
    nginx.start_delay = sim::Distribution::constant(0);
    web.start();
    cli.start();
  }
  sim::Node& add(const std::string& name) {
    sim::Node& n = s.add_node(name);
    n.start_delay = sim::Distribution::constant(0);
    s.network().attach(n, lan, std::nullopt);
    return n;
  }
  sim::Ipv4 ip() { return *s.network().address_of(web.id()); }
  /// GET / at `t`; returns who answered (or the error), once run past it.
  std::string get_at(sim::Time t) {
    curl.get_at(t, ip());
    s.run_until(t + 100_ms);
    const auto& r = curl.replies.back();
    return r.status == 0 ? r.error : std::to_string(r.status);
  }
};

}  // namespace

TEST_CASE("nginx is a master and a worker, both 'nginx' to pkill, and the master's PID is in its pid file", "[nginx]") {
  Web w;
  w.s.run_until(1_s);
  REQUIRE(w.nginx.worker() != nullptr);
  CHECK(w.nginx.running());
  CHECK(w.nginx.worker()->running());
  CHECK(w.nginx.worker()->parent() == &w.nginx);
  CHECK(w.web.processes_with_comm("nginx").size() == 2);
  CHECK(w.web.disk().read_file(models::Nginx::kPidFile) == std::to_string(w.nginx.pid()) + "\n");
  CHECK(w.get_at(1_s) == "200");
  CHECK(w.nginx.served() == 1);
}

TEST_CASE("SIGKILL of the nginx master leaves its worker serving, orphaned", "[nginx]") {
  Web w;
  w.s.run_until(1_s);
  w.nginx.kill();  // kill -KILL $(cat /run/nginx.pid)
  w.s.run_until(2_s);
  CHECK_FALSE(w.nginx.running());
  CHECK(w.nginx.worker()->running());  // no parent-death signal, nothing watches the master
  CHECK(w.get_at(2_s) == "200");
  CHECK(w.get_at(30_s) == "200");
  CHECK(w.nginx.respawns() == 0);
}

TEST_CASE("SIGKILL of every nginx process (pkill -KILL -x nginx) takes the master and its worker: refused", "[nginx]") {
  Web w;
  w.s.run_until(1_s);
  testing::pkill_kill(w.web, "nginx");
  w.s.run_until(2_s);
  CHECK_FALSE(w.nginx.running());
  CHECK_FALSE(w.nginx.worker()->running());
  CHECK(w.get_at(2_s) == "refused");
}

TEST_CASE("docker kill of the container takes the master and its worker", "[nginx]") {
  Web w;
  w.s.run_until(1_s);
  w.web.kill();
  w.s.run_until(2_s);
  CHECK_FALSE(w.nginx.running());
  CHECK_FALSE(w.nginx.worker()->running());
}

TEST_CASE("a graceful stop of the master (SIGQUIT) stops its worker first and exits once it is reaped, pid file removed",
          "[nginx]") {
  Web w;
  w.nginx.stop_delay = sim::Distribution::constant(200_ms);  // the worker finishing its requests
  w.s.run_until(1_s);
  w.nginx.stop();
  w.s.run_until(1_s + 100_ms);
  CHECK(w.nginx.state() == sim::ProcessState::Stopping);
  CHECK(w.nginx.worker()->state() == sim::ProcessState::Stopping);
  CHECK_FALSE(w.s.tcp().listening(w.web.id(), 80));  // the worker closed its listening socket at once
  w.s.run_until(1_s + 300_ms);
  CHECK(w.nginx.worker()->state() == sim::ProcessState::Stopped);
  CHECK(w.nginx.state() == sim::ProcessState::Stopped);
  CHECK_FALSE(w.web.disk().read_file(models::Nginx::kPidFile));
  CHECK(w.nginx.respawns() == 0);  // a stopping master forks no new worker
}

TEST_CASE("a worker killed alone is forked again at once by its master", "[nginx]") {
  Web w;
  w.s.run_until(1_s);
  const auto first_pid = w.nginx.worker()->pid();
  w.nginx.worker()->kill();
  w.s.run_until(1_s + 10_ms);
  CHECK(w.nginx.respawns() == 1);
  CHECK(w.nginx.worker()->running());
  CHECK(w.nginx.worker()->pid() != first_pid);
  CHECK(w.get_at(1_s + 10_ms) == "200");
}

TEST_CASE("a new master cannot bind while an orphaned worker holds the port: it exits after 5 tries 500 ms apart", "[nginx]") {
  Web w;
  w.s.run_until(1_s);
  w.nginx.kill();
  w.s.run_until(2_s);
  w.nginx.start();  // the orphaned worker still listens on :80 (EADDRINUSE)
  w.s.run_until(2_s + 1900_ms);
  CHECK(w.nginx.running());  // retrying
  w.s.run_until(2_s + 2100_ms);
  CHECK_FALSE(w.nginx.running());  // "still could not bind()"
  CHECK(w.nginx.worker()->running());  // the orphan serves on
  CHECK(w.get_at(5_s) == "200");
}

TEST_CASE("with master_process off nginx is one process, which serves", "[nginx]") {
  sim::Simulation s{1};
  const auto lan = s.network().add_segment("lan", *sim::Subnet::parse("10.0.0.0/24"), sim::Distribution::constant(100_us));
  sim::Node& web = s.add_node("web1");
  web.start_delay = sim::Distribution::constant(0);
  s.network().attach(web, lan, std::nullopt);
  models::NginxConfig c;
  c.master_process = false;
  auto& ng = web.add_process<models::Nginx>(c);
  ng.start_delay = sim::Distribution::constant(0);
  web.start();
  s.run_until(1_s);
  CHECK(ng.worker() == nullptr);
  CHECK(web.processes_with_comm("nginx").size() == 1);
  CHECK(s.tcp().listening(web.id(), 80));
}
