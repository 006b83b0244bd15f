#include "validation/render_workloads.hpp"

#include <algorithm>
#include <stdexcept>

#include "scenarios/workload_kinds.hpp"
#include "validation/render_detail.hpp"

namespace validation::detail {
namespace {

using scenarios::ScenarioSpec;
using scenarios::WorkloadSpec;

// The closed loop (load.sh, in every image) and the open loop (probe.sh, in the "probe" image
// only): curl's own options, the run's end as the loop's own duration.
std::string http_entry(const ScenarioSpec& spec, const std::string& name, const WorkloadSpec& w, bool probe) {
  const auto& h = w.http;
  const sim::Time end = h.duration > 0 ? std::min(spec.duration, h.start + h.duration) : spec.duration;
  // A timeout beyond a day means "none" (the seed's curl has no --max-time): load.sh takes 0.
  const std::string max_time = h.timeout >= 86400 * sim::kSecond ? "0" : seconds(h.timeout);
  std::vector<std::string> argv = {probe ? "/hasim/probe.sh" : "/hasim/load.sh", h.url, std::to_string(h.count), seconds(h.interval),
                                   max_time, seconds(h.connect_timeout), seconds(end - h.start)};
  return "{\"name\": " + json_str(name) + (probe ? ", \"kind\": " + json_str(std::string(scenarios::kHttpProbe)) : "") + ", \"service\": " + json_str(w.node) +
         ", \"url\": " + json_str(h.url) + ", \"count\": " + std::to_string(h.count) + ", \"interval_s\": " + seconds(h.interval) +
         ", \"timeout_s\": " + max_time + ", \"connect_timeout_s\": " + seconds(h.connect_timeout) +
         ", \"start_s\": " + seconds(h.start) + ", \"run_for_s\": " + seconds(end - h.start) + ", \"argv\": " + json_list(argv) + "}";
}

std::string http_client_entry(const ScenarioSpec& spec, const std::string& name, const WorkloadSpec& w) {
  return http_entry(spec, name, w, false);
}

std::string http_probe_entry(const ScenarioSpec& spec, const std::string& name, const WorkloadSpec& w) {
  return http_entry(spec, name, w, true);
}

std::string pg_writer_entry(const ScenarioSpec& spec, const std::string& name, const WorkloadSpec& w) {
  const auto& g = w.pg;
  // Which node a server address (inet_server_addr()) is, for its acknowledgements.
  std::string addrs;
  for (const auto& n : spec.nodes)
    for (const auto& a : n.networks)
      if (!a.address.empty() && !n.dynamic_address) addrs += (addrs.empty() ? "" : ", ") + json_str(a.address) + ": " + json_str(n.name);
  std::vector<std::string> argv = {"/hasim/pg-writer.sh", name, g.host, seconds(g.interval), seconds(spec.duration - g.start)};
  // The session's synchronous_commit, the bound on an attempt and the port, only when the
  // scenario sets them (the script's defaults are the server's level, 5 s and 5432).
  const bool default_bound = g.attempt_timeout == scenarios::PgWriterSpec{}.attempt_timeout;
  const bool default_port = g.port == 5432;
  if (!g.synchronous_commit.empty() || !default_bound || !default_port) argv.push_back(g.synchronous_commit);
  if (!default_bound || !default_port) argv.push_back(seconds(g.attempt_timeout));
  if (!default_port) argv.push_back(std::to_string(g.port));  // a pooler's port (pgbouncer's 6432)
  return "{\"name\": " + json_str(name) + ", \"kind\": " + json_str(std::string(scenarios::kPgWriter)) + ", \"service\": " + json_str(w.node) +
         ", \"host\": " + json_str(g.host) + ", \"interval_s\": " + seconds(g.interval) + ", \"timeout_s\": " + seconds(g.attempt_timeout) +
         (g.synchronous_commit.empty() ? "" : ", \"synchronous_commit\": " + json_str(g.synchronous_commit)) +
         ", \"start_s\": " + seconds(g.start) + ", \"run_for_s\": " + seconds(spec.duration - g.start) +
         ", \"addresses\": {" + addrs + "}, \"argv\": " + json_list(argv) + "}";
}

std::string pg_reader_entry(const ScenarioSpec& spec, const std::string& name, const WorkloadSpec& w) {
  const auto& g = w.pg_reader;
  // Which node a server address (inet_server_addr()) is, for each answer.
  std::string addrs;
  for (const auto& n : spec.nodes)
    for (const auto& a : n.networks)
      if (!a.address.empty() && !n.dynamic_address) addrs += (addrs.empty() ? "" : ", ") + json_str(a.address) + ": " + json_str(n.name);
  std::vector<std::string> argv = {"/hasim/pg-reader.sh", name, g.host, seconds(g.interval), seconds(spec.duration - g.start),
                                   std::to_string(g.count)};
  return "{\"name\": " + json_str(name) + ", \"kind\": " + json_str(std::string(scenarios::kPgReader)) + ", \"service\": " + json_str(w.node) +
         ", \"host\": " + json_str(g.host) + ", \"interval_s\": " + seconds(g.interval) + ", \"timeout_s\": 5" +
         ", \"count\": " + std::to_string(g.count) + ", \"start_s\": " + seconds(g.start) +
         ", \"run_for_s\": " + seconds(spec.duration - g.start) +
         ", \"addresses\": {" + addrs + "}, \"argv\": " + json_list(argv) + "}";
}

// pg-reader.sh is in the client image only (psql, and no daemon).
void reader_node(const std::string& key, const std::vector<std::string>& procs) {
  if (!procs.empty() && !(procs.size() == 1 && procs.front() == "failover_script"))
    cannot_render(key, "a pg_reader runs on a node without daemons (a client container) or beside a failover_script");
}

// load.sh is in every image: an http_client runs anywhere.
void anywhere(const std::string&, const std::vector<std::string>&) {}

// probe.sh is in the "probe" image only: the stack's client container.
void probe_node(const std::string& key, const std::vector<std::string>& procs) {
  if (!procs.empty()) cannot_render(key, "an http_probe runs on a node without daemons (a client container)");
}

bool has(const std::vector<std::string>& procs, const char* p) { return std::find(procs.begin(), procs.end(), p) != procs.end(); }

// pg-writer.sh runs in a client image (psql), beside a PostgreSQL server (same psql) or beside
// a failover script (its image is the client's plus the script: it repoints the writer there).
void writer_node(const std::string& key, const std::vector<std::string>& procs) {
  if (!procs.empty() && !has(procs, "postgres") && !has(procs, "failover_script"))
    cannot_render(key, "a pg_writer runs on a node without daemons, beside postgres or beside a failover_script (their images have psql)");
}

}  // namespace

const std::vector<WorkloadRender>& workload_renders() {
  static const std::vector<WorkloadRender> table = {
      {scenarios::kHttpClient, "", false, anywhere, http_client_entry},
      {scenarios::kHttpProbe, kProbeImage, true, probe_node, http_probe_entry},
      {scenarios::kPgWriter, kPgClientImage, false, writer_node, pg_writer_entry},
      {scenarios::kPgReader, kPgClientImage, false, reader_node, pg_reader_entry},
  };
  return table;
}

const WorkloadRender& workload_render(std::string_view kind) {
  for (const auto& r : workload_renders())
    if (r.kind == kind) return r;
  throw std::logic_error("workload kind '" + std::string(kind) +
                         "' has no real-stack part: add its entry to validation/render_workloads.cpp");
}

}  // namespace validation::detail
