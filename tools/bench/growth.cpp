#include "tools/bench/growth.hpp"

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>

#include "scenarios/loader.hpp"
#include "scenarios/runner.hpp"
#include "tools/bench/engine.hpp"

namespace bench {

scenarios::Tree with_backends(const scenarios::Tree& base, int backends) {
  scenarios::Tree t = base;
  for (int i = 4; i <= backends; ++i) {
    const std::string name = "nginx" + std::to_string(i);
    scenarios::apply_override(t, "nodes." + name + "={networks: [ha-net], dynamic_address: true, nginx: {files: [/]}}");
    for (const char* lb : {"haproxy1", "haproxy2"})
      scenarios::apply_override(t, std::string("nodes.") + lb + ".haproxy.backends.nginx_backend.servers." + name +
                                       "={address: \"" + name + ":80\"}");
  }
  return t;
}

scenarios::Tree with_writers(const scenarios::Tree& base, int writers, const std::string& interval) {
  scenarios::Tree t = base;
  for (int i = 1; i <= writers; ++i) {
    const std::string name = i == 1 ? "load" : "load" + std::to_string(i);
    scenarios::apply_override(t, "workloads." + name + "={kind: pg_writer, node: app, host: postgres-primary, interval: " +
                                     interval + ", start: 2s}");
  }
  return t;
}

GrowthRow measure_run(const std::string& label, const std::function<scenarios::Tree()>& make_tree,
                      const std::string& file, const std::string& duration) {
  GrowthRow row;
  row.label = label;
  int pipe_fd[2];
  if (pipe(pipe_fd) != 0) return row;
  std::fflush(stdout);
  const pid_t pid = fork();
  if (pid == 0) {
    close(pipe_fd[0]);
    std::uint64_t out[3] = {0, 0, 0};  // events, commits, CPU ns
    try {
      scenarios::Tree t = make_tree();
      scenarios::apply_override(t, "duration=" + duration);
      const double before = cpu_seconds();
      const auto spec = scenarios::spec_from_tree(t, file);
      scenarios::RunOptions ro;
      ro.max_events = 0;
      const auto r = scenarios::run_scenario(spec, spec.seed, ro);
      out[0] = r.events_processed;
      if (auto it = r.metrics.find("commits.acked"); it != r.metrics.end()) out[1] = static_cast<std::uint64_t>(it->second);
      out[2] = static_cast<std::uint64_t>((cpu_seconds() - before) * 1e9);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "%s: %s\n", label.c_str(), e.what());
      _exit(1);
    }
    const ssize_t n = write(pipe_fd[1], out, sizeof out);
    _exit(n == sizeof out ? 0 : 1);
  }
  close(pipe_fd[1]);
  if (pid < 0) {
    close(pipe_fd[0]);
    return row;
  }
  std::uint64_t got_values[3] = {0, 0, 0};
  const bool got = read(pipe_fd[0], got_values, sizeof got_values) == static_cast<ssize_t>(sizeof got_values);
  close(pipe_fd[0]);
  int status = 0;
  rusage ru{};
  wait4(pid, &status, 0, &ru);
  row.ok = got && WIFEXITED(status) && WEXITSTATUS(status) == 0;
  row.events = got_values[0];
  row.commits = got_values[1];
  row.cpu_s = static_cast<double>(got_values[2]) / 1e9;
  row.peak_rss_kib = ru.ru_maxrss;
  sim::Time d = 0;
  sim::parse_duration(duration, sim::kSecond, d);
  row.simulated_s = sim::to_seconds(d);
  return row;
}

}  // namespace bench
