#pragma once
#include <cstdint>
#include <string>

#include "models/http/http.hpp"
#include "sim/process.hpp"
#include "sim/random.hpp"

namespace models {

/// The seed's `load-test.sh URL COUNT INTERVAL`: a shell loop of `curl` then `sleep INTERVAL`,
/// so the next request starts INTERVAL after the previous one finished.
struct HttpClientConfig {
  std::string name;  // the workload's name: metric prefix
  std::string url = "http://localhost/";
  std::int64_t count = 0;  // 0: until `duration` or the end of the run
  sim::Time interval = 500 * sim::kMillisecond;
  sim::Time timeout = 5 * sim::kSecond;          // curl --max-time
  sim::Time connect_timeout = 5 * sim::kSecond;  // curl --connect-timeout
  sim::Time start = 0;                           // first request, from the start of the run
  sim::Time duration = 0;                        // 0: no limit
  /// The loop's own cost per iteration beyond the request and the sleep: bash forking and
  /// exec'ing curl and sleep in a container (runtime.exec_delay; 0 for an ideal machine).
  sim::Distribution loop_overhead = sim::Distribution::constant(0);
  /// This run's machine speed (runtime.exec_load_sigma): every loop_overhead draw is scaled by it.
  double loop_overhead_scale = 1.0;
  /// Not a curl option but the machine's (runtime.wakeup_delay): how late curl's poll() wakes
  /// for its own deadlines. A SYN-ACK that came in meanwhile is taken: with --connect-timeout 3
  /// on a loaded host, real curls connected at 3.11 s on the SYN retransmitted at "3 s".
  sim::Distribution wakeup_delay = sim::Distribution::constant(0);
};

/// A request's two curl deadlines, each as late as curl's wake-up (one draw a request).
struct CurlDeadlines {
  sim::Time connect_timeout, timeout;
};
CurlDeadlines curl_deadlines(const HttpClientConfig& config, sim::Rng& wakeup_rng);

class HttpClient final : public sim::Process {
 public:
  HttpClient(sim::Node& node, HttpClientConfig config);
  const HttpClientConfig& config() const { return config_; }

 protected:
  void on_start() override;

 private:
  void send_next();
  void record(const HttpResponse& r, sim::Time sent);
  HttpClientConfig config_;
  std::string path_;
  std::int64_t sent_ = 0;
  std::uint64_t seq_ = 0;
  sim::Rng loop_rng_;
  sim::Rng wakeup_rng_;
};

}  // namespace models
