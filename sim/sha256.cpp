#include "sim/sha256.hpp"

#include <openssl/evp.h>

#include <stdexcept>

namespace sim {

struct Sha256::Context {
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  ~Context() { EVP_MD_CTX_free(md); }
};

Sha256::Sha256() : ctx_(std::make_unique<Context>()) {
  if (ctx_->md == nullptr || EVP_DigestInit_ex(ctx_->md, EVP_sha256(), nullptr) != 1)
    throw std::runtime_error("libcrypto: SHA-256 unavailable");
}

Sha256::~Sha256() = default;

Sha256::Sha256(const Sha256& other) : ctx_(std::make_unique<Context>()) {
  if (ctx_->md == nullptr || EVP_MD_CTX_copy_ex(ctx_->md, other.ctx_->md) != 1)
    throw std::runtime_error("libcrypto: cannot copy a SHA-256 state");
}

void Sha256::update(std::string_view data) { EVP_DigestUpdate(ctx_->md, data.data(), data.size()); }

std::string Sha256::hex_digest() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_DigestFinal_ex(ctx_->md, digest, &n);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < n; ++i) {
    out.push_back(hex[digest[i] >> 4]);
    out.push_back(hex[digest[i] & 0xf]);
  }
  return out;
}

std::string sha256_hex(std::string_view data) {
  Sha256 s;
  s.update(data);
  return s.hex_digest();
}

}  // namespace sim
