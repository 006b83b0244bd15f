#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "validation/validate.hpp"

// `hasim validate` runs run_real.py / run_netns.py through run_child: a SIGINT or SIGTERM sent to
// hasim's pid alone (not a terminal's Ctrl-C, which reaches the whole group) must reach the
// runner, which tears its stack down, and hasim must wait for that. A fake runner stands in for
// run_real.py: no root, no containers.

namespace {
namespace fs = std::filesystem;

struct FakeRunner {
  fs::path dir;
  explicit FakeRunner(const std::string& on_signal) {
    char tmpl[] = "/tmp/hasim-run-child-XXXXXX";
    REQUIRE(mkdtemp(tmpl) != nullptr);
    dir = tmpl;
    // Like run_real.py: a handler that tears down (here: writes a file a little later) and exits
    // 130; `ready` once the handler is in place. After `ready` the runner forks no foreground
    // command (`ready` is written by a builtin) and waits in the `wait` builtin, where a trapped
    // signal always runs its trap. While bash waits for a foreground child it holds a SIGINT in a
    // flag (jobs.c, wait_sigint_handler) that the next wait_for clears: one arriving just after
    // the child was reaped is lost. A runner looping on `sleep 0.05` lost it on a loaded CI host
    // (2026-12-06): no trap, exit 0 after 39 s.
    std::ofstream(dir / "runner.sh") << "#!/bin/bash\n"
                                     << "trap 'kill $idle 2>/dev/null; " << on_signal << "' INT TERM\n"
                                     << "echo $$ > \"$1/pid\"\n"
                                     << "sleep 30 & idle=$!\n"
                                     << ": > \"$1/ready\"\n"
                                     << "wait $idle\n"
                                     << "exit 0\n";
  }
  ~FakeRunner() { fs::remove_all(dir); }
  std::vector<std::string> argv() const { return {"/bin/bash", (dir / "runner.sh").string(), dir.string()}; }
  pid_t pid() const {
    std::ifstream in(dir / "pid");
    int p = 0;
    in >> p;
    return p;
  }
};

/// Sends `sig` to this process (not to the runner) once the runner is ready, from a thread that
/// blocks the signal itself, so the waiting thread's handler gets it as hasim's would.
std::thread signal_self_when_ready(const fs::path& dir, int sig) {
  return std::thread([dir, sig] {
    sigset_t both;
    sigemptyset(&both);
    sigaddset(&both, SIGINT);
    sigaddset(&both, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &both, nullptr);
    for (int i = 0; i < 400 && !fs::exists(dir / "ready"); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(25));
    kill(getpid(), sig);
  });
}
}  // namespace

TEST_CASE("a SIGINT sent to hasim alone reaches the runner, whose teardown ends before run_child returns", "[validate]") {
  FakeRunner r("sleep 0.3; echo done > \"$1/teardown\"; exit 130");
  std::thread t = signal_self_when_ready(r.dir, SIGINT);
  const auto t0 = std::chrono::steady_clock::now();
  const int rc = validation::run_child(r.argv());
  t.join();
  CHECK(rc == 130);
  CHECK(validation::interrupting_signal() == SIGINT);
  CHECK(fs::exists(r.dir / "teardown"));  // it finished its teardown before we returned
  CHECK(kill(r.pid(), 0) != 0);           // and it is gone (reaped)
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(20));  // not the runner's 30 s
}

TEST_CASE("a SIGTERM sent to hasim alone is passed on as a SIGTERM", "[validate]") {
  FakeRunner r("echo done > \"$1/teardown\"; exit 130");
  std::thread t = signal_self_when_ready(r.dir, SIGTERM);
  const int rc = validation::run_child(r.argv());
  t.join();
  CHECK(rc == 130);
  CHECK(validation::interrupting_signal() == SIGTERM);
  CHECK(fs::exists(r.dir / "teardown"));
}

TEST_CASE("a runner still tearing down after the bounded wait is left to finish alone, not killed", "[validate]") {
  // Its teardown takes 2 s; we wait 1 s, report 128 + SIGINT and return; it goes on and
  // finishes (its file appears later), as a half-killed run_real.py would not.
  FakeRunner r("sleep 2; echo done > \"$1/teardown\"; exit 130");
  std::thread t = signal_self_when_ready(r.dir, SIGINT);
  const int rc = validation::run_child(r.argv(), "", 1);
  t.join();
  CHECK(rc == 128 + SIGINT);
  CHECK(validation::interrupting_signal() == SIGINT);
  const pid_t pid = r.pid();
  CHECK_FALSE(fs::exists(r.dir / "teardown"));
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);  // still our child: reaped here
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 130);
  CHECK(fs::exists(r.dir / "teardown"));
}

TEST_CASE("a runner that ends without a signal reports its own status and no interruption", "[validate]") {
  FakeRunner r("exit 1");
  std::ofstream(r.dir / "runner.sh") << "#!/bin/bash\nexit 3\n";
  CHECK(validation::run_child(r.argv()) == 3);
  CHECK(validation::interrupting_signal() == 0);
}
