// hasim-fuzz: a mutation fuzzer over every shipped scenario (scenarios/**/*.yaml), driving
// `hasim check` (the loader in a forked child with --jobs 1, else or with --check-binary the binary) and
// the built `hasim run --json --trace` as a user would, and asserting what the project
// promises for any input (issue 14):
//   - exit status 0 or 2, nothing else (no crash, no uncaught exception, no abort);
//   - exit 2 prints one line "hasim: error: FILE:LINE:COLUMN: ..." (LINE, COLUMN >= 1);
//   - a failed run leaves no output file; a good one writes it, and its stdout is valid JSON;
//   - check and run agree (a run may stop only at its event budget where check passed);
//   - each command ends within --timeout seconds and --max-rss-mib of memory.
// Deterministic: --seed and the mutant number decide each mutant. Defects are saved under
// WORK/defects/ with the command and its output; the exit status is 1 when there is any.
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "scenarios/loader.hpp"
#include "scenarios/report.hpp"
#include "scenarios/tree.hpp"
#include "tests/fuzz/mutator.hpp"

namespace fs = std::filesystem;

namespace {

struct Options {
  std::uint64_t mutants = 1000, seed = 1, first = 0;
  int jobs = 2;
  double timeout_s = 30;
  long max_rss_mib = 1024;
  std::string bin = HASIM_BIN, source = HASIM_SOURCE_DIR, work;
  std::uint64_t max_events = 500000;
  bool rlimit = true, verbose = false, check_binary = false;
};

struct Ran {
  int status = -1;       // exit status, or 128 + signal
  bool timed_out = false;
  long rss_kib = 0;
  double seconds = 0;
  std::string out, err;
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// Runs `argv` (or, when argv is empty, `in_child` in a forked copy of this process) with
/// stdout and stderr into files under `dir`, within the time and memory limits.
Ran spawn(const std::vector<std::string>& argv, const fs::path& dir, const Options& o,
          const std::function<int()>& in_child = {}) {
  const fs::path out = dir / "stdout", err = dir / "stderr";
  // Everything the child needs is made before the fork: in a process with other threads, the
  // child may only make async-signal-safe calls until execv (a malloc lock another thread held
  // at the fork stays locked in the child for ever).
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const auto start = std::chrono::steady_clock::now();
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::setpgid(0, 0);
    const int fo = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const int fe = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const int fi = ::open("/dev/null", O_RDONLY);
    ::dup2(fi, 0);
    ::dup2(fo, 1);
    ::dup2(fe, 2);
    if (o.rlimit) {
      // A hard ceiling besides the measured peak: a runaway ends in bad_alloc (a defect, exit 1)
      // instead of taking the machine. Off under AddressSanitizer, which maps terabytes.
      rlimit lim{};
      lim.rlim_cur = lim.rlim_max = static_cast<rlim_t>(4) << 30;
      ::setrlimit(RLIMIT_AS, &lim);
    }
    if (argv.empty()) _exit(in_child());
    ::execv(args[0], args.data());
    _exit(127);
  }
  Ran r;
  int st = 0;
  rusage ru{};
  for (;;) {
    const pid_t got = ::wait4(pid, &st, WNOHANG, &ru);
    if (got == pid) break;
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (elapsed > o.timeout_s && !r.timed_out) {
      r.timed_out = true;
      ::kill(-pid, SIGKILL);
      ::kill(pid, SIGKILL);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  r.rss_kib = ru.ru_maxrss;
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  r.out = slurp(out);
  r.err = slurp(err);
  return r;
}

/// Strict JSON (RFC 8259), strings in valid UTF-8; nesting bounded.
class Json {
 public:
  explicit Json(const std::string& s) : s_(s) {}
  bool valid() {
    ws();
    if (!value(0)) return false;
    ws();
    return i_ == s_.size();
  }

 private:
  bool value(int depth) {
    if (depth > 256 || i_ >= s_.size()) return false;
    const char c = s_[i_];
    if (c == '{') return object(depth);
    if (c == '[') return array(depth);
    if (c == '"') return string();
    if (c == '-' || (c >= '0' && c <= '9')) return number();
    for (const char* lit : {"true", "false", "null"})
      if (s_.compare(i_, std::strlen(lit), lit) == 0) {
        i_ += std::strlen(lit);
        return true;
      }
    return false;
  }
  bool object(int depth) {
    ++i_;
    ws();
    if (peek('}')) return ++i_, true;
    for (;;) {
      ws();
      if (!peek('"') || !string()) return false;
      ws();
      if (!peek(':')) return false;
      ++i_;
      ws();
      if (!value(depth + 1)) return false;
      ws();
      if (peek('}')) return ++i_, true;
      if (!peek(',')) return false;
      ++i_;
    }
  }
  bool array(int depth) {
    ++i_;
    ws();
    if (peek(']')) return ++i_, true;
    for (;;) {
      ws();
      if (!value(depth + 1)) return false;
      ws();
      if (peek(']')) return ++i_, true;
      if (!peek(',')) return false;
      ++i_;
    }
  }
  bool string() {
    const std::size_t start = ++i_;
    while (i_ < s_.size() && s_[i_] != '"') {
      const unsigned char c = static_cast<unsigned char>(s_[i_]);
      if (c < 0x20) return false;
      if (c == '\\') {
        ++i_;
        if (i_ >= s_.size()) return false;
        const char e = s_[i_];
        if (e == 'u') {
          if (i_ + 4 >= s_.size()) return false;
          for (int k = 1; k <= 4; ++k)
            if (!std::isxdigit(static_cast<unsigned char>(s_[i_ + k]))) return false;
          i_ += 4;
        } else if (std::string("\"\\/bfnrt").find(e) == std::string::npos) {
          return false;
        }
      }
      ++i_;
    }
    if (i_ >= s_.size()) return false;
    const bool utf8 = scenarios::invalid_utf8_at(s_.substr(start, i_ - start)) == std::string::npos;
    ++i_;
    return utf8;
  }
  bool number() {
    const std::size_t start = i_;
    if (peek('-')) ++i_;
    if (peek('0')) ++i_;
    else if (!digits()) return false;
    if (peek('.')) {
      ++i_;
      if (!digits()) return false;
    }
    if (peek('e') || peek('E')) {
      ++i_;
      if (peek('+') || peek('-')) ++i_;
      if (!digits()) return false;
    }
    return i_ > start;
  }
  bool digits() {
    const std::size_t start = i_;
    while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') ++i_;
    return i_ > start;
  }
  bool peek(char c) const { return i_ < s_.size() && s_[i_] == c; }
  void ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\n' || s_[i_] == '\t' || s_[i_] == '\r')) ++i_;
  }
  const std::string& s_;
  std::size_t i_ = 0;
};

/// "hasim: error: FILE:LINE:COLUMN: message\n", one line, LINE and COLUMN from 1.
bool located(const std::string& err) {
  const std::string prefix = "hasim: error: ";
  if (err.rfind(prefix, 0) != 0 || err.empty() || err.back() != '\n') return false;
  if (std::count(err.begin(), err.end(), '\n') != 1) return false;
  // FILE may contain ':'; find ":N:N: " after it.
  for (std::size_t at = prefix.size(); (at = err.find(':', at)) != std::string::npos; ++at) {
    std::size_t i = at + 1, n1 = i;
    while (i < err.size() && std::isdigit(static_cast<unsigned char>(err[i]))) ++i;
    if (i == n1 || i >= err.size() || err[i] != ':') continue;
    std::size_t n2 = ++i;
    while (i < err.size() && std::isdigit(static_cast<unsigned char>(err[i]))) ++i;
    if (i == n2 || err.compare(i, 2, ": ") != 0) continue;
    if (std::stol(err.substr(n1, n2 - 1 - n1)) >= 1 && std::stol(err.substr(n2, std::min<std::size_t>(i - n2, 9))) >= 1 &&
        at > prefix.size())
      return true;
  }
  return false;
}

/// What `hasim check` does, in this process: load, validate and describe; exit 2 with its
/// message on bad input (written with write(2): this runs in a forked child).
int library_check(const std::string& path) {
  auto say = [](int fd, const std::string& text) {
    for (std::size_t done = 0; done < text.size();) {
      const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
      if (n <= 0) return;
      done += static_cast<std::size_t>(n);
    }
  };
  try {
    const auto spec = scenarios::load_scenario(path);
    std::string out = path + ": ok\n";
    for (const auto& f : spec.faults) out += "    " + scenarios::fault_summary(f) + "\n";
    say(1, out);
    return 0;
  } catch (const scenarios::ScenarioError& e) {
    say(2, std::string("hasim: error: ") + e.what() + "\n");
    return 2;
  } catch (const std::exception& e) {
    say(2, std::string("hasim: error: ") + e.what() + "\n");
    return 1;
  }
}

struct Target {
  std::string rel;     // path under scenarios/ of the file mutated
  std::string run;     // path under scenarios/ of the file given to hasim (an includer for a profile)
};

struct Outcome {
  std::string op, detail, target;
  int check_status = -1, run_status = -1;
  std::string check_err_class, run_err_class;
  std::vector<std::string> defects;
  double seconds = 0;
  long rss_kib = 0;
};

/// The first words of an error message after its location and key path, for the tally
/// ("must be at most 365d", "unknown key").
std::string error_class(const std::string& err) {
  std::string m = err;
  for (std::size_t at = 0; (at = m.find(':', at)) != std::string::npos; ++at) {
    std::size_t i = at + 1;
    while (i < m.size() && std::isdigit(static_cast<unsigned char>(m[i]))) ++i;
    if (i == at + 1 || i >= m.size() || m[i] != ':') continue;
    std::size_t j = i + 1;
    while (j < m.size() && std::isdigit(static_cast<unsigned char>(m[j]))) ++j;
    if (j == i + 1 || m.compare(j, 2, ": ") != 0) continue;
    m = m.substr(j + 2);
    break;
  }
  const auto sep = m.find(": ");
  if (sep != std::string::npos && m.substr(0, sep).find(' ') == std::string::npos) m = m.substr(sep + 2);
  std::string words;
  int n = 0;
  for (char c : m) {
    if (c == '\n' || c == '\'' || c == '(' || c == ',' || c == ';') break;
    if (c == ' ' && ++n == 4) break;
    words += c;
  }
  return words;
}

void usage() {
  std::fprintf(stderr,
               "usage: hasim-fuzz [--mutants N] [--seed S] [--first K] [--jobs J] [--timeout SECONDS] [--max-rss-mib M]\n"
               "                  [--max-events E] [--bin HASIM] [--source DIR] [--work DIR] [--no-rlimit] [--check-binary]\n"
               "                  [--verbose]\n");
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) usage();
      return argv[++i];
    };
    if (a == "--mutants") o.mutants = std::stoull(next());
    else if (a == "--seed") o.seed = std::stoull(next());
    else if (a == "--first") o.first = std::stoull(next());
    else if (a == "--jobs") o.jobs = std::max(1, std::stoi(next()));
    else if (a == "--timeout") o.timeout_s = std::stod(next());
    else if (a == "--max-rss-mib") o.max_rss_mib = std::stol(next());
    else if (a == "--max-events") o.max_events = std::stoull(next());
    else if (a == "--bin") o.bin = next();
    else if (a == "--source") o.source = next();
    else if (a == "--work") o.work = next();
    else if (a == "--no-rlimit") o.rlimit = false;
    else if (a == "--verbose") o.verbose = true;
    else if (a == "--check-binary") o.check_binary = true;
    else usage();
  }
  ::signal(SIGPIPE, SIG_IGN);
  if (o.work.empty()) o.work = (fs::temp_directory_path() / ("hasim-fuzz-" + std::to_string(::getpid()))).string();
  const fs::path work = fs::absolute(o.work);
  const bool own_work = o.work.find("hasim-fuzz-") != std::string::npos;
  fs::create_directories(work);

  // The corpus: every shipped scenario file. A profile under calibration/ is mutated in place
  // and run through a scenario that includes it. Fault profiles (faults/) are not scenarios and
  // are left out: `hasim explore` reads them, and tests/scenarios/explore_test.cpp checks its errors.
  const fs::path shipped = fs::path(o.source) / "scenarios";
  std::vector<Target> targets;
  std::vector<std::string> shipped_abs;
  for (const auto& e : fs::recursive_directory_iterator(shipped))
    if (e.is_regular_file() && e.path().extension() == ".yaml") {
      const std::string rel = fs::relative(e.path(), shipped).generic_string();
      if (rel.rfind("faults/", 0) == 0) continue;
      targets.push_back({rel, rel});
    }
  std::sort(targets.begin(), targets.end(), [](const Target& a, const Target& b) { return a.rel < b.rel; });
  for (auto& t : targets) {
    if (t.rel.rfind("calibration/", 0) != 0) continue;
    for (const auto& u : targets)
      if (u.rel.rfind("calibration/", 0) != 0 && slurp(shipped / u.rel).find(t.rel) != std::string::npos) {
        t.run = u.rel;
        break;
      }
  }
  std::map<std::string, std::string> originals;
  for (const auto& t : targets) originals[t.rel] = slurp(shipped / t.rel);

  // One mirror of scenarios/ per worker, so relative includes resolve as in the repository.
  std::vector<fs::path> mirrors;
  for (int j = 0; j < o.jobs; ++j) {
    const fs::path m = work / ("w" + std::to_string(j));
    fs::remove_all(m);
    for (const auto& t : targets) {
      fs::create_directories((m / "scenarios" / t.rel).parent_path());
      std::ofstream(m / "scenarios" / t.rel, std::ios::binary) << originals[t.rel];
    }
    mirrors.push_back(m);
  }
  // Other shipped scenarios as include targets: a copy no worker mutates.
  shipped_abs.clear();
  for (const auto& t : targets) {
    const fs::path p = work / "pristine" / "scenarios" / t.rel;
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << originals[t.rel];
    shipped_abs.push_back(p.string());
  }
  const fuzz::Hostile hostile = fuzz::make_hostile_files(work.string(), shipped_abs);

  std::vector<Outcome> outcomes(o.mutants);
  std::atomic<std::uint64_t> next{0};
  std::mutex print;
  const auto start = std::chrono::steady_clock::now();
  auto worker = [&](int j) {
    const fs::path mirror = mirrors[static_cast<std::size_t>(j)];
    for (;;) {
      const std::uint64_t k = next.fetch_add(1);
      if (k >= o.mutants) return;
      const std::uint64_t index = o.first + k;
      const Target& t = targets[index % targets.size()];
      const fs::path file = mirror / "scenarios" / t.rel;
      const fs::path run_file = mirror / "scenarios" / t.run;
      const fuzz::Mutant m = fuzz::mutate(originals[t.rel], file.string(), hostile, o.seed, index);
      std::ofstream(file, std::ios::binary | std::ios::trunc) << m.text;
      const fs::path trace = mirror / "trace.jsonl";
      fs::remove(trace);
      Outcome& r = outcomes[k];
      r.op = m.op;
      r.detail = m.detail;
      r.target = t.rel;
      // check: `hasim check` itself, or (faster: no exec) the same loader in a forked child.
      // The loader in a forked child allocates before any exec: safe only with no other thread
      // (with --jobs 2 under ASan a child hung for good in a lock taken at the fork).
      const Ran c = o.check_binary || o.jobs > 1 ? spawn({o.bin, "check", run_file.string()}, mirror, o)
                                                 : spawn({}, mirror, o, [&] { return library_check(run_file.string()); });
      std::vector<std::string> run_args = {o.bin, "run", run_file.string(), "--json", "--runs", "1", "--quiet", "--trace",
                                           trace.string()};
      // --max-events 0: leave the binary's default (and let a binary without the option run).
      if (o.max_events > 0) run_args.insert(run_args.end(), {"--max-events", std::to_string(o.max_events)});
      const Ran x = spawn(run_args, mirror, o);
      r.check_status = c.status;
      r.run_status = x.status;
      r.seconds = c.seconds + x.seconds;
      r.rss_kib = std::max(c.rss_kib, x.rss_kib);
      for (const auto* ran : {&c, &x}) {
        const std::string cmd = ran == &c ? "check" : "run";
        if (ran->timed_out) r.defects.push_back(cmd + ": still running after " + std::to_string(o.timeout_s) + " s");
        else if (ran->status != 0 && ran->status != 2)
          r.defects.push_back(cmd + ": exit status " + std::to_string(ran->status) + ": " + ran->err.substr(0, 300));
        if (ran->rss_kib > o.max_rss_mib * 1024)
          r.defects.push_back(cmd + ": peak memory " + std::to_string(ran->rss_kib / 1024) + " MiB");
        if (ran->status == 2 && !located(ran->err))
          r.defects.push_back(cmd + ": exit 2 without a one-line FILE:LINE:COLUMN message: " + ran->err.substr(0, 300));
      }
      if (c.status == 2) r.check_err_class = error_class(c.err);
      if (x.status == 2) r.run_err_class = error_class(x.err);
      if (x.status == 2 && fs::exists(trace)) r.defects.push_back("run: exit 2 left its --trace file behind");
      if (x.status == 0 && !fs::exists(trace)) r.defects.push_back("run: exit 0 without its --trace file");
      if (x.status == 0 && !Json(x.out).valid()) r.defects.push_back("run: --json output is not valid JSON (UTF-8)");
      if (c.status == 2 && x.status == 0) r.defects.push_back("check refused what run accepted: " + c.err.substr(0, 200));
      if (c.status == 0 && x.status == 2 && x.err.find("its budget") == std::string::npos)
        r.defects.push_back("check accepted what run refused: " + x.err.substr(0, 200));
      if (c.status == 2 && x.status == 2 && c.err != x.err && x.err.find("its budget") == std::string::npos)
        r.defects.push_back("check and run gave different errors");
      if (!r.defects.empty()) {
        const fs::path d = work / "defects" / (std::to_string(index) + "-" + m.op);
        fs::create_directories(d);
        std::ofstream(d / fs::path(t.rel).filename(), std::ios::binary) << m.text;
        std::ofstream rep(d / "README.txt");
        rep << "mutant " << index << " (seed " << o.seed << ") of scenarios/" << t.rel << ": " << m.op << ": " << m.detail
            << "\nrun as: " << run_file.string() << "\n";
        for (const auto& def : r.defects) rep << "defect: " << def << "\n";
        rep << "check exit " << c.status << "\n" << c.err << "\nrun exit " << x.status << "\n" << x.err << "\n";
      }
      std::ofstream(file, std::ios::binary | std::ios::trunc) << originals[t.rel];
      if (o.verbose || !r.defects.empty()) {
        std::lock_guard<std::mutex> lock(print);
        std::fprintf(stderr, "mutant %llu %s %s: check %d, run %d, %.2f s%s%s\n", static_cast<unsigned long long>(index),
                     t.rel.c_str(), m.op.c_str(), c.status, x.status, r.seconds, r.defects.empty() ? "" : "  DEFECT: ",
                     r.defects.empty() ? "" : r.defects.front().c_str());
      }
    }
  };
  std::vector<std::thread> threads;
  for (int j = 1; j < o.jobs; ++j) threads.emplace_back(worker, j);
  worker(0);
  for (auto& th : threads) th.join();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  // The tally: outcomes by exit status and error class, the slowest and largest mutants.
  std::size_t defects = 0, ok = 0, refused = 0, budget = 0;
  std::map<std::string, std::size_t> classes, ops;
  double slowest = 0;
  long largest = 0;
  for (const auto& r : outcomes) {
    defects += r.defects.empty() ? 0 : 1;
    ++ops[r.op];
    if (r.run_status == 0) ++ok;
    else if (r.run_status == 2 && r.check_status == 0) ++budget;
    else if (r.run_status == 2) ++refused;
    if (!r.check_err_class.empty()) ++classes[r.check_err_class];
    slowest = std::max(slowest, r.seconds);
    largest = std::max(largest, r.rss_kib);
  }
  std::printf("hasim-fuzz: %llu mutants (seed %llu, first %llu) of %zu shipped scenario files in %.1f s (%d jobs)\n",
              static_cast<unsigned long long>(o.mutants), static_cast<unsigned long long>(o.seed),
              static_cast<unsigned long long>(o.first), targets.size(), wall, o.jobs);
  std::printf("  ran: %zu; refused with a located error: %zu; stopped at the event budget: %zu; defects: %zu\n", ok, refused,
              budget, defects);
  std::printf("  slowest mutant %.2f s (check + run), largest peak memory %ld MiB\n", slowest, largest / 1024);
  std::printf("  mutations:");
  for (const auto& [op, n] : ops) std::printf(" %s %zu,", op.c_str(), n);
  std::printf("\n  most common refusals:");
  std::vector<std::pair<std::size_t, std::string>> top;
  for (const auto& [c, n] : classes) top.emplace_back(n, c);
  std::sort(top.rbegin(), top.rend());
  for (std::size_t i = 0; i < std::min<std::size_t>(top.size(), 12); ++i) std::printf("\n    %5zu  %s", top[i].first, top[i].second.c_str());
  std::printf("\n");
  if (defects > 0) {
    std::printf("  defects saved under %s\n", (work / "defects").c_str());
    return 1;
  }
  if (own_work) fs::remove_all(work);
  return 0;
}
