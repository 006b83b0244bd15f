#pragma once
// A PostgreSQL client program run on a node by an operator (pg_rewind, pg_basebackup): one libpq
// connection to a server named by host, its start-up handshake, then the program's own messages.
#include <any>
#include <cstdint>
#include <string>

#include "models/postgres/protocol.hpp"
#include "sim/process.hpp"
#include "sim/tcp.hpp"

namespace models::postgres {

/// The connection part of a frontend program (libpq's PQconnectdb): resolve the host, connect,
/// send the startup packet, wait for ReadyForQuery. A failure ends the program with libpq's
/// message, as `pg_fatal("%s", PQerrorMessage(conn))` does.
class FrontendProgram : public sim::Process {
 public:
  FrontendProgram(sim::Node& node, std::string name) : sim::Process(node, std::move(name)) { autostart = false; }

 protected:
  /// Connects to host:port as `user` (a replication connection with `replication`).
  void connect_to(const std::string& host, std::uint16_t port, const std::string& user, bool replication);
  void send_message(std::any m, std::uint64_t bytes = kSmallMessageBytes);
  /// The handshake is over: the program sends its first command.
  virtual void on_ready() = 0;
  /// A message after the handshake (ErrorResponse included).
  virtual void on_reply(const std::any& m) = 0;
  /// The program ends with `message` (its last line); it exits.
  virtual void finish(bool ok, const std::string& message) = 0;
  void on_exit() override;

  sim::ConnId conn_ = 0;
  std::string host_;
  bool ready_ = false;
};

}  // namespace models::postgres
