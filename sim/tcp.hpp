#pragma once
// Just enough TCP for health checks and client requests: listeners owned by processes, a
// handshake the kernel completes even for a frozen process, data deliveries into the peer's
// incarnation, and RST to the peers of a process that exits (but not of a node that vanished).
#include <cstdint>
#include <functional>
#include <map>

#include "sim/network.hpp"
#include "sim/time.hpp"

namespace sim {

class Process;
class Simulation;

enum class ConnectResult { Connected, Refused, Timeout, Unreachable };
const char* to_string(ConnectResult r);

using ConnId = std::uint64_t;

class Tcp {
 public:
  explicit Tcp(Simulation& sim) : sim_(sim) {}
  using AcceptFn = std::function<void(ConnId)>;
  using ConnectFn = std::function<void(ConnectResult, ConnId)>;

  /// Binds (node, port) for `p` until it exits. `on_accept` runs inside the process, so a frozen
  /// process accepts only once thawed, while its clients already see the connection established.
  void listen(Process& p, std::uint16_t port, AcceptFn on_accept);
  bool listening(NodeId node, std::uint16_t port) const;
  /// Closes a listening socket (graceful shutdowns stop accepting before they exit).
  void unlisten(Process& p, std::uint16_t port);

  /// Opens a connection from `client` to ip:port; `done` runs in the client exactly once:
  /// Connected, Refused (RST: nobody listens), Unreachable (ARP failed: nobody has the IP),
  /// or Timeout (no answer within `timeout`).
  void connect(Process& client, Ipv4 ip, std::uint16_t port, Time timeout, ConnectFn done);

  /// Sends data: `on_receive` runs in the peer after the transit delay, if the connection is
  /// still open then. A lost segment is simply not delivered; callers keep their own timeouts.
  void send(ConnId conn, const Process& from, Callback on_receive);
  /// Called in the peer if the connection is reset (peer process exited while it was open).
  void on_reset(ConnId conn, const Process& side, Callback fn);
  /// Orderly close by one side; the other side gets no callback (our requests are one-shot).
  void close(ConnId conn);
  /// Abortive close by `by` (SO_LINGER 0, or a proxy shutting a session down): the peer's
  /// reset handler runs after the transit delay, if the path is open.
  void reset(ConnId conn, const Process& by);
  bool open(ConnId conn) const { return conns_.count(conn) != 0; }
  NodeId peer_node(ConnId conn, const Process& side) const;
  /// The accepting process of a connection (nullptr once closed).
  Process* server_of(ConnId conn) const;
  std::size_t open_count() const { return conns_.size(); }

  void process_exited(Process& p);

 private:
  struct Side {
    Process* proc;
    Owner owner;
    NodeId node;
    Callback on_reset;
  };
  struct Conn {
    Side client, server;
  };
  Side* side_of(Conn& c, const Process& p);
  Side* peer_of(Conn& c, const Process& p);
  void notify_reset(const Side& from, const Side& to);

  Simulation& sim_;
  std::map<std::pair<NodeId, std::uint16_t>, std::pair<Process*, AcceptFn>> listeners_;
  std::map<ConnId, Conn> conns_;
  ConnId next_conn_ = 1;
};

}  // namespace sim
