#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "models/http/http.hpp"
#include "sim/process.hpp"
#include "sim/random.hpp"

namespace models {

/// nginx serving static files (`listen 80`, a docroot holding `files`), or, with `proxy_pass`,
/// a reverse proxy such as the seed's `vip-access` container.
struct NginxConfig {
  std::uint16_t listen = 80;
  /// Paths that exist in the docroot and answer 200; anything else answers 404.
  std::vector<std::string> files = {"/"};
  /// Time to produce a response once the request is read.
  sim::Distribution service_time = sim::Distribution::constant(300 * sim::kMicrosecond);
  /// `proxy_pass http://HOST:PORT` (empty: serve files).
  std::string proxy_pass;
  sim::Time proxy_connect_timeout = 60 * sim::kSecond;  // nginx defaults
  sim::Time proxy_read_timeout = 60 * sim::kSecond;
};

class Nginx final : public sim::Process {
 public:
  Nginx(sim::Node& node, NginxConfig config);
  const NginxConfig& config() const { return config_; }
  std::uint64_t served() const { return served_; }

 protected:
  void on_start() override;
  void on_sigterm() override;  // the image's STOPSIGNAL is SIGQUIT: stop accepting, finish requests

 private:
  void serve(sim::ConnId conn, HttpRequest req);
  void proxy(sim::ConnId conn, HttpRequest req);
  NginxConfig config_;
  sim::Rng service_rng_;
  std::uint64_t served_ = 0;
};

}  // namespace models
