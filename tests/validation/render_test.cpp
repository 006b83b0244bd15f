// validation::render_scenario: the real stack's files for a scenario.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "scenarios/loader.hpp"
#include "scenarios/tree.hpp"
#include "validation/render.hpp"
#include "validation/render_detail.hpp"


namespace {

namespace fs = std::filesystem;

std::string slurp(const fs::path& p) {
  std::ifstream f(p);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

bool has_line(const std::string& text, const std::string& line) {
  std::istringstream in(text);
  std::string l;
  while (std::getline(in, l)) {
    const auto b = l.find_first_not_of(' ');
    if (b != std::string::npos && l.substr(b) == line) return true;
  }
  return false;
}

fs::path fresh_dir(const std::string& name) {
  const fs::path d = fs::temp_directory_path() / ("hasim-render-test-" + name);
  fs::remove_all(d);
  return d;
}

scenarios::ScenarioSpec demo1() { return scenarios::load_scenario(std::string(HASIM_SOURCE_DIR) + "/scenarios/demo1-part1.yaml", {}); }

}  // namespace

TEST_CASE("render: demo1-part1 haproxy.cfg carries every setting", "[validation]") {
  const auto dir = fresh_dir("demo1");
  const auto files = validation::render_scenario(demo1(), dir.string());
  REQUIRE(!files.empty());
  const std::string cfg = slurp(dir / "haproxy" / "haproxy.cfg");
  CHECK(has_line(cfg, "server nginx1 nginx1:80 check inter 2s fall 3 rise 2 resolvers docker init-addr libc,none"));
  CHECK(has_line(cfg, "server nginx3 nginx3:80 check inter 2s fall 3 rise 2 resolvers docker init-addr libc,none"));
  CHECK(has_line(cfg, "timeout check 10s"));
  CHECK(has_line(cfg, "timeout connect 5s"));
  CHECK(has_line(cfg, "timeout client 50s"));
  CHECK(has_line(cfg, "timeout server 50s"));
  CHECK(has_line(cfg, "retries 3"));
  CHECK(has_line(cfg, "option httpchk GET /"));
  CHECK(has_line(cfg, "http-check expect status 200"));
  CHECK(has_line(cfg, "balance roundrobin"));
  CHECK(has_line(cfg, "option log-health-checks"));
  CHECK(has_line(cfg, "log stdout format raw local0 info"));
  CHECK(has_line(cfg, "resolvers docker"));
  CHECK(has_line(cfg, "nameserver dns1 127.0.0.11:53"));  // rendered for Docker by default: its embedded DNS
  CHECK(has_line(cfg, "timeout resolve 1s"));
  CHECK(has_line(cfg, "hold valid 10s"));
  CHECK(has_line(cfg, "hold nx 30s"));
  CHECK(has_line(cfg, "frontend http_front"));
  CHECK(has_line(cfg, "bind *:80"));
  CHECK(has_line(cfg, "default_backend nginx_backend"));
  CHECK_FALSE(has_line(cfg, "option redispatch"));  // demo 1 has none
  fs::remove_all(dir);
}

TEST_CASE("render for Docker asks Docker's embedded DNS, and for podman, aardvark-dns at each network's gateway", "[validation]") {
  // haproxy on two networks: Docker answers at 127.0.0.11 on both (one nameserver), podman at
  // each network's own gateway.
  const auto spec = scenarios::load_scenario(std::string(HASIM_SOURCE_DIR) + "/scenarios/demo1-part1.yaml",
                                             {"networks.back={subnet: 10.77.0.0/24}", "nodes.haproxy.networks=[ha-net, back]"});
  const auto docker = fresh_dir("engine-docker");
  validation::render_scenario(spec, docker.string());
  const std::string dcfg = slurp(docker / "haproxy" / "haproxy.cfg");
  CHECK(has_line(dcfg, "nameserver dns1 127.0.0.11:53"));
  CHECK(dcfg.find("nameserver dns2") == std::string::npos);
  CHECK(dcfg.find("10.89.4.1") == std::string::npos);
  CHECK(dcfg.find("10.77.0.1") == std::string::npos);
  CHECK(slurp(docker / "plan.json").find("\"engine\": \"docker\",") != std::string::npos);

  const auto podman = fresh_dir("engine-podman");
  validation::render_scenario(spec, podman.string(), validation::RenderOptions{validation::Engine::Podman});
  const std::string pcfg = slurp(podman / "haproxy" / "haproxy.cfg");
  CHECK(has_line(pcfg, "nameserver dns1 10.89.4.1:53"));
  CHECK(has_line(pcfg, "nameserver dns2 10.77.0.1:53"));
  CHECK(pcfg.find("127.0.0.11") == std::string::npos);
  CHECK(slurp(podman / "plan.json").find("\"engine\": \"podman\",") != std::string::npos);
  // The compose file differs by podman's IPAM options alone, which it reports back and which
  // docker-compose compares on a later `up` (a recreate); the image contexts are the same.
  std::string pcompose = slurp(podman / "docker-compose.yml");
  const std::string options = "      options: {driver: host-local}\n";
  REQUIRE(pcompose.find(options) != std::string::npos);
  CHECK(slurp(docker / "docker-compose.yml").find("host-local") == std::string::npos);
  for (std::size_t at; (at = pcompose.find(options)) != std::string::npos;) pcompose.erase(at, options.size());
  CHECK(slurp(docker / "docker-compose.yml") == pcompose);
  CHECK(validation::engine_named("podman") == validation::Engine::Podman);
  CHECK(validation::engine_named("docker") == validation::Engine::Docker);
  CHECK_FALSE(validation::engine_named("lxc").has_value());
  fs::remove_all(docker);
  fs::remove_all(podman);
}

TEST_CASE("render: demo1-part1 compose has the subnet, every service, an internal network", "[validation]") {
  const auto dir = fresh_dir("compose");
  validation::render_scenario(demo1(), dir.string());
  const std::string y = slurp(dir / "docker-compose.yml");
  CHECK(y.find("version: \"2.4\"") != std::string::npos);
  CHECK(has_line(y, "- subnet: 10.89.4.0/24"));
  CHECK(y.find("internal: true") != std::string::npos);
  for (const char* s : {"haproxy:", "nginx1:", "nginx2:", "nginx3:", "client:"}) CHECK(has_line(y, s));
  CHECK(y.find("ipv4_address") == std::string::npos);  // every node of compose-1 is dynamic
  CHECK(y.find("ip_range") == std::string::npos);      // nothing fixed to keep clear of
  CHECK(has_line(y, "- nginx1"));                      // depends_on
  CHECK(slurp(dir / "nginx1" / "www" / "index.html") == "nginx1\n");
  CHECK(has_line(slurp(dir / "nginx1" / "nginx.conf"), "listen 80;"));
  fs::remove_all(dir);
}

TEST_CASE("render: images hold packages and scripts, configs are bind-mounted read-only", "[validation]") {
  const auto dir = fresh_dir("images");
  validation::render_scenario(demo1(), dir.string());
  const std::string y = slurp(dir / "docker-compose.yml");
  const std::string nginx_image = validation::detail::image_name("nginx");
  CHECK(nginx_image.rfind("localhost/hasim/nginx:", 0) == 0);
  CHECK(nginx_image.size() == std::string("localhost/hasim/nginx:").size() + 12);
  CHECK(has_line(y, "build: ./images/nginx"));
  CHECK(has_line(y, "image: " + nginx_image));
  CHECK(has_line(y, "image: " + validation::detail::image_name("haproxy")));
  CHECK(has_line(y, "image: " + validation::detail::image_name("base")));  // the client: no daemon
  CHECK(has_line(y, "command: [nginx]"));
  CHECK(has_line(y, "- ./nginx1/nginx.conf:/etc/nginx/nginx.conf:ro"));
  CHECK(has_line(y, "- ./nginx1/www:/var/www/hasim:ro"));
  CHECK(has_line(y, "- ./haproxy/haproxy.cfg:/etc/haproxy/haproxy.cfg:ro"));
  // Every mount is relative to the rendered directory (a user's `docker compose up` there works)
  // and names something that was rendered.
  std::istringstream in(y);
  int mounts = 0;
  for (std::string l; std::getline(in, l);) {
    const auto at = l.find("- ./");
    if (at == std::string::npos || l.find(":/") == std::string::npos) continue;
    const std::string src = l.substr(at + 4, l.find(':', at) - at - 4);
    CHECK(fs::exists(dir / src));
    CHECK(l.substr(l.size() - 3) == ":ro");
    ++mounts;
  }
  CHECK(mounts == 7);  // haproxy.cfg + 3 x (nginx.conf, www)
  // No node configuration in any image, and no per-node build context left.
  const std::string df = slurp(dir / "images" / "nginx" / "Dockerfile");
  CHECK(df.find("FROM debian:bookworm-slim") != std::string::npos);
  CHECK(has_line(df, "COPY hasim/ /hasim/"));
  CHECK(df.find("nginx.conf") == std::string::npos);
  CHECK(df.find("/var/www") == std::string::npos);
  CHECK(slurp(dir / "images" / "haproxy" / "Dockerfile").find("haproxy.cfg") == std::string::npos);
  CHECK_FALSE(fs::exists(dir / "nginx1" / "Dockerfile"));
  CHECK_FALSE(fs::exists(dir / "nginx1" / "hasim"));
  CHECK(fs::exists(dir / "images" / "base" / "hasim" / "load.sh"));
  CHECK(fs::exists(dir / "images" / "nginx" / "hasim" / "run-nginx.sh"));
  CHECK_FALSE(fs::exists(dir / "images" / "nginx" / "hasim" / "run-haproxy.sh"));
  // nginx's workers (www-data) read the bind-mounted docroot whatever the umask was.
  CHECK((fs::status(dir / "nginx1" / "www" / "index.html").permissions() & fs::perms::others_read) != fs::perms::none);
  CHECK((fs::status(dir / "images" / "nginx" / "hasim" / "entrypoint.sh").permissions() & fs::perms::others_exec) !=
        fs::perms::none);
  const std::string plan = slurp(dir / "plan.json");
  CHECK(plan.find("{\"kind\": \"nginx\", \"name\": \"" + nginx_image +
                  "\", \"context\": \"images/nginx\", \"services\": [\"nginx1\", \"nginx2\", \"nginx3\"]}") != std::string::npos);
  fs::remove_all(dir);
}

TEST_CASE("render: an image's tag is the hash of its context as written", "[validation]") {
  using validation::detail::sha256_hex;
  // FIPS 180-4 known answers (one block, empty, two blocks).
  CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  const auto dir = fresh_dir("hash");
  validation::render_scenario(demo1(), dir.string());
  for (const std::string kind : {"base", "haproxy", "nginx"}) {
    // What run_real.py checks before trusting a tag: the files on disk hash to it.
    std::vector<validation::detail::ContextFile> on_disk;
    for (const auto& e : fs::recursive_directory_iterator(dir / "images" / kind))
      if (e.is_regular_file())
        on_disk.push_back({fs::relative(e.path(), dir / "images" / kind).generic_string(), slurp(e.path()),
                           (e.status().permissions() & fs::perms::owner_exec) != fs::perms::none});
    std::sort(on_disk.begin(), on_disk.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
    CHECK(on_disk.size() == validation::detail::image_context(kind).size());
    const std::string name = validation::detail::image_name(kind);
    CHECK(name.substr(name.find(':') + 1) == validation::detail::context_hash(on_disk).substr(0, 12));
  }
  // Another scenario's nginx nodes share the image; any change to a context changes the tag.
  const auto dir2 = fresh_dir("hash2");
  validation::render_scenario(scenarios::load_scenario(std::string(HASIM_SOURCE_DIR) + "/scenarios/demo1-part2.yaml", {}),
                              dir2.string());
  CHECK(has_line(slurp(dir2 / "docker-compose.yml"), "image: " + validation::detail::image_name("nginx")));
  auto ctx = validation::detail::image_context("nginx");
  const std::string before = validation::detail::context_hash(ctx);
  ctx.back().text += " ";
  CHECK(validation::detail::context_hash(ctx) != before);
  ctx = validation::detail::image_context("nginx");
  ctx.front().executable = !ctx.front().executable;
  CHECK(validation::detail::context_hash(ctx) != before);
  CHECK(validation::detail::image_name("nginx") != validation::detail::image_name("haproxy"));
  fs::remove_all(dir);
  fs::remove_all(dir2);
}

TEST_CASE("render: a second render into the same directory leaves no stale image context", "[validation]") {
  const auto dir = fresh_dir("rerender");
  validation::render_scenario(demo1(), dir.string());
  fs::create_directories(dir / "images" / "nginx" / "hasim");
  std::ofstream(dir / "images" / "nginx" / "hasim" / "stale.sh") << "echo stale\n";
  fs::create_directories(dir / "images" / "gone");
  std::ofstream(dir / "images" / "gone" / "Dockerfile") << "FROM scratch\n";
  REQUIRE(fs::exists(dir / "images" / "gone" / "Dockerfile"));
  validation::render_scenario(demo1(), dir.string());
  CHECK_FALSE(fs::exists(dir / "images" / "nginx" / "hasim" / "stale.sh"));
  CHECK_FALSE(fs::exists(dir / "images" / "gone"));
  CHECK(fs::exists(dir / "images" / "nginx" / "Dockerfile"));
  fs::remove_all(dir);
}

TEST_CASE("render: plan.json has the faults as real commands", "[validation]") {
  const auto dir = fresh_dir("plan");
  validation::render_scenario(demo1(), dir.string());
  const std::string p = slurp(dir / "plan.json");
  CHECK(p.find("\"docker stop -t 10 nginx1\"") != std::string::npos);
  CHECK(p.find("\"docker start nginx2\"") != std::string::npos);
  CHECK(p.find("\"jitter_s\": 2") != std::string::npos);
  CHECK(p.find("\"/hasim/load.sh\", \"http://haproxy:80/\", \"0\", \"0.5\"") != std::string::npos);
  CHECK(p.find("\"project\": \"hasim-demo1-part1\"") != std::string::npos);
  fs::remove_all(dir);
}

TEST_CASE("render: faults become iptables, tc and exec steps", "[validation]") {
  auto spec = demo1();
  spec.faults.clear();
  scenarios::FaultSpec drop;
  drop.at = 10 * sim::kSecond;
  drop.action = "drop";
  drop.from = {"haproxy"};
  drop.to = {"nginx1"};
  drop.proto = sim::kTcp;
  drop.for_ = 5 * sim::kSecond;
  spec.faults.push_back(drop);
  scenarios::FaultSpec kill;
  kill.at = 20 * sim::kSecond;
  kill.action = "kill";
  kill.target = "nginx2/nginx";
  spec.faults.push_back(kill);
  scenarios::FaultSpec delay;
  delay.at = 30 * sim::kSecond;
  delay.action = "delay";
  delay.target = "nginx3";
  delay.delay = sim::Distribution::constant(200 * sim::kMillisecond);
  spec.faults.push_back(delay);
  const std::string plan = validation::detail::render_plan(spec, "p");
  CHECK(plan.find("\"op\": \"block\", \"service\": \"nginx1\", \"peers\": [\"haproxy\"], \"protos\": [\"tcp\"]") != std::string::npos);
  CHECK(plan.find("\"op\": \"unblock\"") != std::string::npos);
  CHECK(plan.find("docker exec nginx2 pkill -KILL -x nginx") != std::string::npos);
  CHECK(plan.find("tc qdisc replace dev eth0 root netem delay 200ms") != std::string::npos);
  scenarios::FaultSpec recreate;
  recreate.at = 40 * sim::kSecond;
  recreate.action = "recreate";
  recreate.target = "nginx1";
  spec.faults.push_back(recreate);
  const std::string plan2 = validation::detail::render_plan(spec, "p");
  CHECK(plan2.find("{\"op\": \"recreate\", \"service\": \"nginx1\", \"timeout_s\": 10}") != std::string::npos);
  CHECK(plan2.find("docker-compose up -d --no-deps --force-recreate -t 10 nginx1") != std::string::npos);
  const std::string compose = validation::detail::render_compose(spec, "p");
  CHECK(compose.find("cap_add: [NET_ADMIN, NET_RAW, NET_BROADCAST]") != std::string::npos);
}

TEST_CASE("render: runtime.kernel becomes every container's sysctls, and nothing without it", "[validation]") {
  auto spec = demo1();
  CHECK(validation::detail::render_compose(spec, "p").find("sysctls:") == std::string::npos);
  spec.runtime.kernel.tcp_syn_linear_timeouts = 0;
  spec.runtime.kernel.tcp_syn_retries = 5;
  const std::string compose = validation::detail::render_compose(spec, "p");
  std::size_t n = 0;
  for (auto at = compose.find("    sysctls:\n      net.ipv4.tcp_syn_retries: 5\n      net.ipv4.tcp_syn_linear_timeouts: 0\n");
       at != std::string::npos; at = compose.find("    sysctls:", at + 1))
    ++n;
  CHECK(n == spec.nodes.size());
}

TEST_CASE("render: unsupported features name the key", "[validation]") {
  auto spec = demo1();
  spec.nodes[0].router = true;
  try {
    validation::render_scenario(spec, fresh_dir("bad").string());
    FAIL("no error");
  } catch (const scenarios::ScenarioError& e) {
    CHECK(e.key_path() == "nodes.haproxy.router");
  }
  auto spec2 = demo1();
  scenarios::FaultSpec arp;
  arp.action = "drop";
  arp.from = {"haproxy"};
  arp.to = {"nginx1"};
  arp.proto = sim::kArp;
  spec2.faults.push_back(arp);
  CHECK_THROWS_AS(validation::render_scenario(spec2, fresh_dir("bad2").string()), scenarios::ScenarioError);
  CHECK_FALSE(fs::exists(fresh_dir("bad2") / "plan.json"));  // nothing written
}

TEST_CASE("render: durations and gateways", "[validation]") {
  using validation::detail::gateway_of;
  using validation::detail::haproxy_time;
  CHECK(haproxy_time(2 * sim::kSecond) == "2s");
  CHECK(haproxy_time(1500 * sim::kMillisecond) == "1500ms");
  CHECK(haproxy_time(250 * sim::kMicrosecond) == "250us");
  CHECK(validation::detail::seconds(500 * sim::kMillisecond) == "0.5");
  CHECK(gateway_of("10.89.4.0/24") == "10.89.4.1");
  CHECK(gateway_of("172.20.0.0/16") == "172.20.0.1");
}

TEST_CASE("render: demo1-part2 keepalived.conf, caps and the stop signal", "[validation]") {
  const auto dir = fresh_dir("part2");
  validation::render_scenario(scenarios::load_scenario(std::string(HASIM_SOURCE_DIR) + "/scenarios/demo1-part2.yaml", {}),
                              dir.string());
  const std::string k = slurp(dir / "haproxy1" / "keepalived.conf");
  CHECK(has_line(k, "vrrp_script check_haproxy {"));
  CHECK(has_line(k, "script \"killall -0 haproxy\""));
  CHECK(has_line(k, "interval 2"));
  CHECK(has_line(k, "weight 2"));
  CHECK(has_line(k, "state MASTER"));
  CHECK(has_line(k, "interface eth0"));
  CHECK(has_line(k, "virtual_router_id 51"));
  CHECK(has_line(k, "priority 100"));
  CHECK(has_line(k, "advert_int 1"));
  CHECK(has_line(k, "auth_pass 1234"));
  CHECK(has_line(k, "172.20.0.100/16"));
  CHECK(has_line(slurp(dir / "haproxy2" / "keepalived.conf"), "priority 90"));
  const std::string y = slurp(dir / "docker-compose.yml");
  CHECK(has_line(y, "ipv4_address: 172.20.0.10"));
  // dynamic addresses (nginx*, client) kept out of the fixed .5/.10/.11 and the VIP .100
  CHECK(y.find("ip_range: 172.20.128.0/17") != std::string::npos);
  CHECK(has_line(y, "cap_add: [NET_ADMIN, NET_RAW, NET_BROADCAST]"));
  CHECK(has_line(y, "image: " + validation::detail::image_name("haproxy-keepalived")));
  CHECK(has_line(y, "command: [haproxy, keepalived]"));
  CHECK(has_line(y, "- ./haproxy1/keepalived.conf:/etc/keepalived/keepalived.conf:ro"));
  CHECK(slurp(dir / "images" / "haproxy-keepalived" / "Dockerfile").find("keepalived") != std::string::npos);
  CHECK(has_line(slurp(dir / "images" / "haproxy-keepalived" / "Dockerfile"), "CMD [\"haproxy\", \"keepalived\"]"));
  const std::string ep = slurp(dir / "images" / "haproxy-keepalived" / "hasim" / "entrypoint.sh");
  CHECK(has_line(ep, "keepalived) pkill -TERM -o -x keepalived || true ;;"));  // the parent only
  CHECK(has_line(ep, "haproxy) pkill -USR1 -x haproxy || true ;;"));          // soft stop
  CHECK(has_line(ep, "nginx) pkill -QUIT -x nginx || true ;;"));              // graceful
  CHECK(has_line(slurp(dir / "vip-access" / "nginx.conf"), "proxy_pass http://172.20.0.100:80;"));
  CHECK(slurp(dir / "plan.json").find("{\"service\": \"haproxy1\", \"vips\": [\"172.20.0.100\"]}") != std::string::npos);
  CHECK(fs::exists(dir / "images" / "haproxy-keepalived" / "hasim" / "vip-watch.sh"));
  // The VIP watcher starts with the container (no `docker exec` latency), on the node's own VIPs.
  CHECK(has_line(y, "HASIM_VIPS: \"172.20.0.100\""));
  CHECK(ep.find("/hasim/vip-watch.sh $HASIM_VIPS &") != std::string::npos);
  // after the daemons: its processes must not take the PIDs keepalived's stale pid file expects
  CHECK(ep.find("/hasim/vip-watch.sh $HASIM_VIPS &") > ep.find("\"/hasim/run-$p.sh\" &"));
  fs::remove_all(dir);
}

TEST_CASE("render: keepalived's parent or VRRP child alone is signalled by its own pid file, the daemon by name",
          "[validation]") {
  auto spec = scenarios::load_scenario(std::string(HASIM_SOURCE_DIR) + "/scenarios/demo1-part2.yaml", {});
  spec.faults.clear();
  for (const char* target : {"haproxy1/keepalived_vrrp", "haproxy1/keepalived_parent", "haproxy1/keepalived"}) {
    scenarios::FaultSpec kill;
    kill.at = 20 * sim::kSecond;
    kill.action = "kill";
    kill.target = target;
    spec.faults.push_back(kill);
  }
  const std::string plan = validation::detail::render_plan(spec, "p");
  // (plan.json escapes the shell's double quotes)
  CHECK(plan.find(R"(docker exec haproxy1 sh -c 'kill -KILL \"$(cat /run/vrrp.pid)\"')") != std::string::npos);
  CHECK(plan.find(R"(docker exec haproxy1 sh -c 'kill -KILL \"$(cat /run/keepalived.pid)\"')") != std::string::npos);
  CHECK(plan.find("docker exec haproxy1 pkill -KILL -x keepalived") != std::string::npos);  // both processes
}

TEST_CASE("render: Demo 2's manual failover renders PostgreSQL, the writer and the operator's steps", "[validation]") {
  const auto dir = fresh_dir("demo2");
  validation::render_scenario(
      scenarios::load_scenario(std::string(HASIM_SOURCE_DIR) + "/scenarios/demo2/manual-failover.yaml", {}), dir.string());
  const std::string conf = slurp(dir / "postgres-replica1" / "postgresql.conf");
  CHECK(has_line(conf, "wal_level = replica"));
  CHECK(has_line(conf, "log_line_prefix = '%m [%p] '"));
  CHECK(has_line(conf, "cluster_name = 'postgres-replica1'"));
  CHECK(has_line(conf, "primary_slot_name = 'replica1_slot'"));
  CHECK(has_line(conf, "primary_conninfo = 'host=postgres-primary port=5432 user=replicator application_name=postgres-replica1'"));
  CHECK(has_line(slurp(dir / "postgres-replica1" / "pg_hba.conf"), "host    replication  all    172.30.0.0/16   trust"));
  const std::string env = slurp(dir / "postgres-replica1" / "hasim-init.env");
  CHECK(has_line(env, "HASIM_STANDBY=1"));
  CHECK(has_line(slurp(dir / "postgres-primary" / "hasim-init.env"), "HASIM_SLOTS='replica1_slot replica2_slot'"));
  const std::string run = slurp(dir / "images" / "postgres" / "hasim" / "run-postgres.sh");
  CHECK(run.find("pg_basebackup") != std::string::npos);
  CHECK(run.find("initdb") != std::string::npos);
  // The writer runs in the psql image; the compose file gives it that image.
  CHECK(fs::exists(dir / "images" / "pgclient" / "hasim" / "pg-writer.sh"));
  CHECK(slurp(dir / "docker-compose.yml").find("build: ./images/pgclient") != std::string::npos);
  const std::string plan = slurp(dir / "plan.json");
  CHECK(plan.find("\"argv\": [\"psql\", \"-U\", \"postgres\", \"-X\", \"-c\", \"SELECT pg_promote()\"]") != std::string::npos);
  CHECK(plan.find("echo postgres-replica1 > /tmp/hasim-pg-host-load") != std::string::npos);
  CHECK(plan.find("\"kind\": \"pg_writer\"") != std::string::npos);
  CHECK(plan.find("{\"service\": \"postgres-replica1\", \"standby\": true, \"upstream\": \"postgres-primary\"}") != std::string::npos);
  CHECK(plan.find("{\"service\": \"postgres-primary\", \"standby\": false}") != std::string::npos);
}

TEST_CASE("render: an operator's sql step runs each statement in its own -c, in a session that logs each statement's start",
          "[validation]") {
  // The server's "statement: ..." line stamps the step's start: psql returns only when the last
  // statement is done (a CHECKPOINT's writes), which is no engine latency.
  const auto dir = fresh_dir("demo2-sync-stops");
  validation::render_scenario(
      scenarios::load_scenario(std::string(HASIM_SOURCE_DIR) + "/scenarios/demo2/sync-standby-stops.yaml", {}), dir.string());
  const std::string plan = slurp(dir / "plan.json");
  CHECK(plan.find("\"argv\": [\"psql\", \"-U\", \"postgres\", \"-X\", \"-v\", \"ON_ERROR_STOP=1\", \"-d\", "
                  "\"options='-c log_statement=all'\", \"-c\", \"ALTER SYSTEM SET synchronous_standby_names = ''\", \"-c\", "
                  "\"SELECT pg_reload_conf()\"]") != std::string::npos);
}

TEST_CASE("render: a cascaded standby's plan entry names the standby it streams from as its upstream", "[validation]") {
  const auto dir = fresh_dir("demo2-cascade");
  validation::render_scenario(
      scenarios::load_scenario(std::string(HASIM_SOURCE_DIR) + "/scenarios/demo2/cascade.yaml", {}), dir.string());
  const std::string plan = slurp(dir / "plan.json");
  // run_real.py's readiness wait asks replica1, not the primary, to list replica2.
  CHECK(plan.find("{\"service\": \"postgres-replica2\", \"standby\": true, \"upstream\": \"postgres-replica1\"}") != std::string::npos);
  CHECK(plan.find("{\"service\": \"postgres-replica1\", \"standby\": true, \"upstream\": \"postgres-primary\"}") != std::string::npos);
}

TEST_CASE("render: images of kinds without PostgreSQL carry no pg-writer.sh", "[validation]") {
  for (const char* kind : {"haproxy", "nginx", "haproxy-keepalived", "base"}) {
    const auto ctx = validation::detail::image_context(kind);
    CHECK(std::none_of(ctx.begin(), ctx.end(), [](const auto& f) { return f.path == "hasim/pg-writer.sh"; }));
  }
}

TEST_CASE("render: a node's volumes become a named volume of its own, which a re-create keeps, and a sized tmpfs",
          "[validation]") {
  const auto spec = scenarios::load_scenario(std::string(HASIM_SOURCE_DIR) + "/scenarios/demo1-part1.yaml",
                                             {"nodes.nginx1.volumes={www: {target: /srv/www}, run: {target: /run, type: tmpfs, capacity: 64MiB}}",
                                              "nodes.nginx2.volumes={www: {target: /srv/www}}"});
  const auto dir = fresh_dir("volumes");
  validation::render_scenario(spec, dir.string());
  const std::string y = slurp(dir / "docker-compose.yml");
  INFO(y);
  CHECK(has_line(y, "- nginx1-www:/srv/www"));
  CHECK(has_line(y, "- nginx2-www:/srv/www"));  // not one volume shared by two nodes
  CHECK(has_line(y, "tmpfs:"));
  CHECK(has_line(y, "- /run:size=67108864"));
  CHECK(has_line(y, "volumes:"));  // the top-level declaration compose needs, removed by `down -v`
  CHECK(has_line(y, "nginx1-www: {}"));
  CHECK(has_line(y, "nginx2-www: {}"));
  fs::remove_all(dir);
}

TEST_CASE("render: a crash silences the node (its links set down from inside) before killing it", "[validation]") {
  const auto dir = fresh_dir("demo2-crash");
  validation::render_scenario(
      scenarios::load_scenario(std::string(HASIM_SOURCE_DIR) + "/scenarios/demo2/crash-failover.yaml", {}), dir.string());
  const std::string plan = slurp(dir / "plan.json");
  const auto links_down = plan.find("\"privileged\": true, \"argv\": [\"sh\", \"-c\", \"for d in /sys/class/net/*");
  const auto kill = plan.find("{\"op\": \"kill\", \"service\": \"postgres-primary\"");
  REQUIRE(links_down != std::string::npos);
  REQUIRE(kill != std::string::npos);
  CHECK(links_down < kill);
  CHECK(plan.find("docker exec --privileged postgres-primary sh -c") != std::string::npos);
  // Every PostgreSQL image carries the replication monitor run_real.py starts in it.
  CHECK(fs::exists(dir / "images" / "postgres" / "hasim" / "pg-stat-probe.sh"));
  CHECK_FALSE(fs::exists(dir / "images" / "pgclient" / "hasim" / "pg-stat-probe.sh"));
}

TEST_CASE("render: an http_probe runs probe.sh in its own image, and HAProxy tags each answer with itself and its server",
          "[validation][probe]") {
  const auto dir = fresh_dir("probe");
  validation::render_scenario(
      scenarios::load_scenario(std::string(HASIM_SOURCE_DIR) + "/scenarios/demo1-part2/open-loop-kill-haproxy1.yaml", {}),
      dir.string());
  CHECK(fs::exists(dir / "images" / "probe" / "hasim" / "probe.sh"));
  CHECK(slurp(dir / "docker-compose.yml").find("build: ./images/probe") != std::string::npos);
  const std::string plan = slurp(dir / "plan.json");
  CHECK(plan.find("\"kind\": \"http_probe\"") != std::string::npos);
  CHECK(plan.find("\"argv\": [\"/hasim/probe.sh\", \"http://vip-access:80/\", \"0\", \"0.1\", \"2\", \"2\", \"35\"]") != std::string::npos);
  const std::string cfg = slurp(dir / "haproxy2" / "haproxy.cfg");
  CHECK(has_line(cfg, "http-after-response set-header X-Hasim-Lb haproxy2"));
  CHECK(has_line(cfg, "http-after-response set-header X-Hasim-Server %[srv_name]"));
  // Without a probe nothing changes: no headers, and the other images are as they were.
  const auto plain = fresh_dir("no-probe");
  validation::render_scenario(
      scenarios::load_scenario(std::string(HASIM_SOURCE_DIR) + "/scenarios/demo1-part2/kill-haproxy1-container.yaml", {}),
      plain.string());
  CHECK(slurp(plain / "haproxy2" / "haproxy.cfg").find("X-Hasim") == std::string::npos);
  CHECK(!fs::exists(plain / "images" / "base" / "hasim" / "probe.sh"));
}

TEST_CASE("render: an http_probe on a node with daemons cannot be rendered", "[validation][probe]") {
  auto spec = scenarios::load_scenario(std::string(HASIM_SOURCE_DIR) + "/scenarios/demo1-part2/open-loop-kill-haproxy1.yaml",
                                       {"workloads.load.node=vip-access"});
  CHECK_THROWS_WITH(validation::render_scenario(spec, fresh_dir("probe-bad").string()),
                    Catch::Contains("workloads.load.node") && Catch::Contains("an http_probe runs on a node without daemons"));
}
