#pragma once
// The portable SHA-256 the trace used before libcrypto: the hashing benchmark's baseline.
#include <cstdint>
#include <string>
#include <string_view>

namespace bench {

class PortableSha256 {
 public:
  PortableSha256();
  void update(std::string_view data);
  std::string hex_digest();  // finalises; call once

 private:
  void block(const unsigned char* p);
  std::uint32_t h_[8];
  unsigned char buf_[64];
  std::size_t buf_len_ = 0;
  std::uint64_t total_ = 0;
};

std::string portable_sha256_hex(std::string_view data);

}  // namespace bench
