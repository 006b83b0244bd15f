#include "scenarios/output.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <stdexcept>

namespace scenarios {

void write_file_atomic(const std::string& path, const std::string& data) {
  const std::string tmp = path + ".tmp-hasim";
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (f == nullptr) throw std::runtime_error("cannot write " + path + ": " + std::strerror(errno));
  const bool ok = std::fwrite(data.data(), 1, data.size(), f) == data.size();
  const bool closed = std::fclose(f) == 0;
  if (!ok || !closed) {
    std::remove(tmp.c_str());
    throw std::runtime_error("cannot write " + path + ": " + std::strerror(errno));
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::remove(tmp.c_str());
    throw std::runtime_error("cannot write " + path + ": " + ec.message());
  }
}

AtomicFile::AtomicFile(std::string path) : path_(std::move(path)), tmp_(path_ + ".tmp-hasim") {
  f_ = std::fopen(tmp_.c_str(), "wb");
  if (f_ == nullptr) throw std::runtime_error("cannot write " + path_ + ": " + std::strerror(errno));
}

AtomicFile::~AtomicFile() {
  if (f_ == nullptr) return;
  std::fclose(f_);
  std::remove(tmp_.c_str());
}

void AtomicFile::write(std::string_view data) {
  if (ok_ && std::fwrite(data.data(), 1, data.size(), f_) != data.size()) ok_ = false;
}

void AtomicFile::commit() {
  const bool closed = std::fclose(f_) == 0;
  f_ = nullptr;
  if (!ok_ || !closed) {
    std::remove(tmp_.c_str());
    throw std::runtime_error("cannot write " + path_ + ": " + std::strerror(errno));
  }
  std::error_code ec;
  std::filesystem::rename(tmp_, path_, ec);
  if (ec) {
    std::remove(tmp_.c_str());
    throw std::runtime_error("cannot write " + path_ + ": " + ec.message());
  }
}

}  // namespace scenarios
