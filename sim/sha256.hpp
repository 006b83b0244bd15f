#pragma once
// SHA-256 (FIPS 180-4), used for the trace hash that pins determinism across runs and machines.
// Backed by libcrypto (OpenSSL), a vetted implementation that uses the CPU's SHA instructions:
// the trace is hashed as it is produced, so the hash's speed is part of every run's.
#include <memory>
#include <string>
#include <string_view>

namespace sim {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256& other);  // the state so far: hash a prefix, keep feeding the original
  Sha256& operator=(const Sha256&) = delete;
  void update(std::string_view data);
  std::string hex_digest();  // finalises; call once

 private:
  struct Context;
  std::unique_ptr<Context> ctx_;
};

std::string sha256_hex(std::string_view data);

}  // namespace sim
