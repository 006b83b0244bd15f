// libpq's host list and target_session_attrs (see host_walk.hpp; fe-connect.c CONNECTION_NEEDED's
// try_next_host and CONNECTION_CHECK_TARGET).
#include "models/postgres/host_walk.hpp"

namespace models::postgres {

std::optional<TargetSessionAttrs> parse_target_session_attrs(const std::string& text) {
  // fe-connect.c connectOptions2: exactly these spellings, else "invalid target_session_attrs value".
  if (text == "any") return TargetSessionAttrs::Any;
  if (text == "read-write") return TargetSessionAttrs::ReadWrite;
  if (text == "read-only") return TargetSessionAttrs::ReadOnly;
  if (text == "primary") return TargetSessionAttrs::Primary;
  if (text == "standby") return TargetSessionAttrs::Standby;
  if (text == "prefer-standby") return TargetSessionAttrs::PreferStandby;
  return std::nullopt;
}

const char* to_string(TargetSessionAttrs t) {
  switch (t) {
    case TargetSessionAttrs::Any: return "any";
    case TargetSessionAttrs::ReadWrite: return "read-write";
    case TargetSessionAttrs::ReadOnly: return "read-only";
    case TargetSessionAttrs::Primary: return "primary";
    case TargetSessionAttrs::Standby: return "standby";
    case TargetSessionAttrs::PreferStandby: return "prefer-standby";
  }
  return "?";
}

std::vector<std::string> split_host_list(const std::string& hosts) {
  std::vector<std::string> out;
  for (std::size_t from = 0; from <= hosts.size();) {
    const auto comma = hosts.find(',', from);
    out.push_back(hosts.substr(from, comma == std::string::npos ? std::string::npos : comma - from));
    if (comma == std::string::npos) break;
    from = comma + 1;
  }
  return out;
}

HostWalk::HostWalk(std::vector<std::string> hosts, TargetSessionAttrs target) : hosts_(std::move(hosts)), target_(target) {}

std::optional<std::string> HostWalk::current() const {
  if (index_ >= hosts_.size()) return std::nullopt;
  return hosts_[index_];
}

void HostWalk::next(const std::string& why) {
  last_error_ = why;
  error_ += (error_.empty() ? "" : "\n") + why;
  if (++index_ < hosts_.size()) return;
  // Out of hosts: prefer-standby drops its requirement and starts over, once.
  if (target_ == TargetSessionAttrs::PreferStandby && !second_pass_ && !hosts_.empty()) {
    second_pass_ = true;
    index_ = 0;
  }
}

bool HostWalk::fits(bool in_hot_standby, bool default_transaction_read_only) const {
  const bool read_only = in_hot_standby || default_transaction_read_only;
  switch (target_) {
    case TargetSessionAttrs::Any: return true;
    case TargetSessionAttrs::ReadWrite: return !read_only;
    case TargetSessionAttrs::ReadOnly: return read_only;
    case TargetSessionAttrs::Primary: return !in_hot_standby;
    case TargetSessionAttrs::Standby: return in_hot_standby;
    case TargetSessionAttrs::PreferStandby: return second_pass_ || in_hot_standby;
  }
  return true;
}

std::string HostWalk::mismatch() const {
  switch (target_) {
    case TargetSessionAttrs::ReadWrite: return "session is read-only";
    case TargetSessionAttrs::ReadOnly: return "session is not read-only";
    case TargetSessionAttrs::Primary: return "server is in hot standby mode";
    default: return "server is not in hot standby mode";
  }
}

}  // namespace models::postgres
