#pragma once
// A client that speaks PostgreSQL's protocol by hand and notes when each message arrives: a
// login, then one query. For the tests of what leaves a server (or a pooler) in one send(2).
#include <any>
#include <string>
#include <utility>
#include <vector>

#include "models/postgres/protocol.hpp"
#include "sim/process.hpp"
#include "sim/simulation.hpp"

namespace testing {

class RawPgClient final : public sim::Process {
 public:
  RawPgClient(sim::Node& node, std::string host, std::uint16_t port, std::string sql)
      : sim::Process(node, "raw"), host_(std::move(host)), port_(port), sql_(std::move(sql)) {}
  /// Each message as it arrived: its name (AuthenticationOk, BackendKeyData, ReadyForQuery,
  /// CommandComplete or other) and when.
  std::vector<std::pair<std::string, sim::Time>> arrivals;
  /// When the first message named `what` arrived at or after position `from` (-1: none).
  sim::Time first(const std::string& what, std::size_t from = 0) const {
    for (std::size_t i = from; i < arrivals.size(); ++i)
      if (arrivals[i].first == what) return arrivals[i].second;
    return -1;
  }

 protected:
  void on_start() override {
    namespace pg = models::postgres;
    const auto ip = sim().network().address_of(sim().find_node(host_)->id());
    sim().tcp().connect(*this, *ip, port_, sim::kSecond, [this](sim::ConnectResult r, sim::ConnId c) {
      if (r != sim::ConnectResult::Connected) return;
      sim().tcp().on_data(c, *this, [this, c](const std::any& m, std::uint64_t) {
        const char* what = std::any_cast<pg::CommandComplete>(&m) != nullptr    ? "CommandComplete"
                           : std::any_cast<pg::ReadyForQuery>(&m) != nullptr    ? "ReadyForQuery"
                           : std::any_cast<pg::AuthenticationOk>(&m) != nullptr ? "AuthenticationOk"
                           : std::any_cast<pg::BackendKeyData>(&m) != nullptr   ? "BackendKeyData"
                                                                                : "other";
        arrivals.emplace_back(what, sim().now());
        // The login's ReadyForQuery: now the query.
        if (std::any_cast<pg::ReadyForQuery>(&m) != nullptr && !asked_) {
          asked_ = true;
          sim().tcp().send_data(c, *this, pg::Query{sql_, 0}, 64);
        }
      });
      pg::StartupMessage sm;
      sm.database = "demodb";
      sim().tcp().send_data(c, *this, sm, 64);
    });
  }

 private:
  std::string host_;
  std::uint16_t port_;
  std::string sql_;
  bool asked_ = false;
};

}  // namespace testing
