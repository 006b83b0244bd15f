#pragma once
// A TCP stream model, as Linux behaves: listeners owned by processes, a handshake the kernel
// completes even for a frozen process, ordered and reliable delivery of sized messages through a
// receive window, retransmission with the RTO back-off until `tcp_retries2` or `tcp_user_timeout`
// gives up, keepalives, orderly close (FIN) and reset (RST), and half-open connections when a
// peer vanishes without a word (node crash, cable cut).
#include <algorithm>
#include <any>
#include <cstdint>
#include <vector>
#include <functional>
#include <map>
#include <memory>

#include "sim/callback.hpp"
#include "sim/network.hpp"
#include "sim/pool_allocator.hpp"
#include "sim/time.hpp"

namespace sim {

class Process;
class Simulation;

enum class ConnectResult { Connected, Refused, Timeout, Unreachable };
const char* to_string(ConnectResult r);

using ConnId = std::uint64_t;

/// Per-socket settings, named after the socket options and libpq's connection parameters.
struct TcpOptions {
  /// TCP_USER_TIMEOUT (libpq `tcp_user_timeout`): how long sent data may stay unacknowledged
  /// (and, with keepalives, how long the peer may stay silent) before the connection is dropped
  /// with ETIMEDOUT. 0: off, `tcp_retries2` (15, about 924.6 s) decides.
  Time user_timeout = 0;
  /// SO_KEEPALIVE (libpq `keepalives`, on by default in libpq; off for a plain socket).
  bool keepalive = false;
  /// TCP_KEEPIDLE / TCP_KEEPINTVL / TCP_KEEPCNT (libpq `keepalives_idle/interval/count`);
  /// the defaults are net.ipv4.tcp_keepalive_time/intvl/probes.
  Time keepalive_idle = 7200 * kSecond;
  Time keepalive_interval = 75 * kSecond;
  int keepalive_count = 9;
  /// The receive buffer (net.ipv4.tcp_rmem's default 131072): a peer that does not read stops
  /// the sender once this much is waiting.
  std::uint64_t rcvbuf_bytes = 131072;
};

/// Linux's retransmission constants (include/net/tcp.h, net.ipv4.tcp_retries2).
inline constexpr Time kTcpRtoMin = 200 * kMillisecond;
inline constexpr Time kTcpRtoMax = 120 * kSecond;
inline constexpr int kTcpRetries2 = 15;
/// How long unacknowledged data is retransmitted before ETIMEDOUT with `tcp_retries2` (the
/// kernel's tcp_model_timeout over an RTO starting at TCP_RTO_MIN): 924.6 s.
Time tcp_retries_timeout(int retries = kTcpRetries2);

/// An active open's SYN (net/ipv4/tcp_timer.c tcp_retransmit_timer, tcp_write_timeout): the
/// first waits TCP_TIMEOUT_INIT (1 s); since Linux 6.5 the next `tcp_syn_linear_timeouts` (4 by
/// default, in every network namespace) wait 1 s too, the later ones twice as long each time;
/// the kernel sends `tcp_syn_retries` (6) plus `tcp_syn_linear_timeouts` retransmissions and
/// gives up (ETIMEDOUT) one more wait after the last. With the defaults the SYNs leave at 0, 1,
/// 2, 3, 4, 5, 7, 11, 19, 35 and 67 s and connect() fails at 131 s (the validation host's 6.18,
/// whose containers share it; measured there, docs/validation.md); before 6.5 (Debian
/// bookworm's 6.1), as with `tcp_syn_linear_timeouts` 0: 0, 1, 3, 7, 15, 31, 63 s, then 127 s.
inline constexpr Time kTcpTimeoutInit = kSecond;
inline constexpr int kTcpSynRetries = 6;
inline constexpr int kTcpSynLinearTimeouts = 4;
/// The kernel's timer wheel (kernel/time/timer.c, CONFIG_HZ=250 on the validation host): a timer
/// due `delta` jiffies ahead goes into the level whose range holds it (level 0 below 63 jiffies,
/// each next one 8 times longer: 63 << 3n) and fires at the first bucket boundary of that level
/// strictly after its expiry (calc_index rounds up), so up to one granule late: 4 ms below 252 ms,
/// 32 ms below 2.016 s, 256 ms below 16.128 s, 2.048 s below 129 s. A SYN retransmission due
/// 1 s after the last SYN leaves 0-32 ms late, one due 4 s after it 0-256 ms late (measured on the
/// validation host: the SYN at "11 s" left at 11.23-11.50 s).
inline constexpr Time kJiffy = 4 * kMillisecond;  // 1 / CONFIG_HZ
/// When a kernel timer armed at `now` for `delay` fires; `phase` (>= 0) places the host's
/// jiffies counter against simulated time: jiffy k begins at k * kJiffy - phase (one draw a run).
Time kernel_timer_expiry(Time now, Time delay, Time phase);

struct SynSchedule {
  int syn_retries = kTcpSynRetries;
  int linear_timeouts = kTcpSynLinearTimeouts;
  /// The wait after SYN number `sent` (0: the first) before the next one, or before giving up
  /// after the last.
  Time wait_after(int sent) const {
    return sent <= linear_timeouts ? kTcpTimeoutInit : kTcpTimeoutInit << std::min(sent - linear_timeouts, 30);
  }
  /// Retransmissions before the kernel gives up.
  int retransmissions() const { return syn_retries + linear_timeouts; }
  /// When connect() fails with ETIMEDOUT, from the first SYN: 131 s with the defaults.
  Time give_up() const;
};

class Tcp {
 public:
  explicit Tcp(Simulation& sim) : sim_(sim) {}
  /// The kernel's SYN retransmission settings (net.ipv4.tcp_syn_retries,
  /// net.ipv4.tcp_syn_linear_timeouts) for the connects started from now on.
  void set_syn_schedule(SynSchedule s) { syn_ = s; }
  const SynSchedule& syn_schedule() const { return syn_; }
  using AcceptFn = Function<void(ConnId)>;
  using ConnectFn = Function<void(ConnectResult, ConnId)>;
  /// A message read from the stream: its payload and size. 64 bytes in place: a reader's handler
  /// that holds a protocol's own Function (HTTP's response handler) still fits.
  using DataFn = Function<void(const std::any& payload, std::uint64_t bytes), 64>;

  /// Binds (node, port) for `p` until it exits; a process may listen on several ports. `on_accept`
  /// runs inside the process, so a frozen process accepts only once thawed, while its clients
  /// already see the connection established.
  void listen(Process& p, std::uint16_t port, AcceptFn on_accept);
  bool listening(NodeId node, std::uint16_t port) const;
  /// Closes a listening socket (graceful shutdowns stop accepting before they exit).
  void unlisten(Process& p, std::uint16_t port);

  /// Opens a connection from `client` to ip:port; `done` runs in the client exactly once:
  /// Connected, Refused (RST: nobody listens), Unreachable (ARP failed: nobody has the IP),
  /// or Timeout (no answer within `timeout`, or by the kernel's own give-up: SynSchedule).
  /// An unanswered SYN is retransmitted on the SynSchedule; one that would leave exactly at
  /// `timeout` does not beat it (the kernel's timer wheel only ever fires late).
  void connect(Process& client, Ipv4 ip, std::uint16_t port, Time timeout, ConnectFn done);

  /// Sends a message of `bytes` on the stream: `on_receive` runs in the peer when it reads it,
  /// after every message sent before it. Messages leave at the sender's NIC rate, wait for room
  /// in the peer's receive buffer, and are retransmitted while the path is cut.
  void send(ConnId conn, const Process& from, Callback on_receive, std::uint64_t bytes = 0);
  /// The same with a payload for the peer's `on_data` handler (the peer decides what it means).
  void send_data(ConnId conn, const Process& from, std::any payload, std::uint64_t bytes = 0);
  /// Payloads written with one send(2), as a server that buffers its replies and flushes them
  /// together (PostgreSQL's CommandComplete with the ReadyForQuery that flushes it): one message
  /// of their total bytes on the wire and in every buffer; the peer's `on_data` runs for each
  /// in order when it reads them, until one of them closes the connection.
  struct Payload {
    std::any data;
    std::uint64_t bytes = 0;
  };
  void send_data(ConnId conn, const Process& from, std::vector<Payload> payloads);
  /// Handlers of one side, all run in that side's process:
  /// `on_data` for messages sent with send_data;
  void on_data(ConnId conn, const Process& side, DataFn fn);
  /// `on_close` when the peer's FIN is read (EOF, after all its data); without one, the side
  /// closes its end at EOF, as a one-shot server does;
  void on_close(ConnId conn, const Process& side, Callback fn);
  /// `on_reset` when an RST arrives (the peer aborted, or exited with unread data, or data went
  /// to a socket that no longer exists);
  void on_reset(ConnId conn, const Process& side, Callback fn);
  /// `on_timeout` when retransmissions or keepalives give up (ETIMEDOUT).
  void on_timeout(ConnId conn, const Process& side, Callback fn);
  void set_options(ConnId conn, const Process& side, TcpOptions options);

  /// Orderly close by `by` (close(2)): a FIN follows the data already sent, or an RST when data
  /// sits unread in its receive buffer (Linux, RFC 2525).
  void close(ConnId conn, const Process& by);
  /// The same by the side that connected (the one-shot clients' close).
  void close(ConnId conn);
  /// Abortive close by `by` (SO_LINGER 0, or a proxy shutting a session down): an RST.
  void reset(ConnId conn, const Process& by);

  /// Both ends still hold their socket.
  bool open(ConnId conn) const;
  /// `side` still holds its socket (the peer may be gone without its knowing: half-open).
  bool open(ConnId conn, const Process& side) const;
  NodeId peer_node(ConnId conn, const Process& side) const;
  /// The accepting process of a connection (nullptr once it is gone).
  Process* server_of(ConnId conn) const;
  /// Connections with at least one end still open.
  std::size_t open_count() const { return conns_.size(); }
  /// Bytes in `side`'s receive buffer that its process has not read yet.
  std::uint64_t unread_bytes(ConnId conn, const Process& side) const;
  /// Bytes `side` has written that the peer's kernel has not taken yet (waiting for room in its
  /// window, or for a retransmission to get through).
  std::uint64_t queued_bytes(ConnId conn, const Process& side) const;
  /// `fn` runs once in `side`'s process, as an event of its own, when all it has queued has been
  /// taken by the peer's kernel (a writer that stopped at a full send buffer, woken by POLLOUT);
  /// at once when nothing is queued. A later call replaces an earlier one still waiting.
  void on_writable(ConnId conn, const Process& side, Callback fn);

  void process_exited(Process& p);

 private:
  struct Message {
    std::uint64_t seq = 0;
    std::uint64_t bytes = 0;
    Callback fn;          // run by the reader (send)
    std::any payload;     // or handed to its on_data (send_data)
    bool fin = false;
  };
  struct Side {
    // Made out of line (tcp.cpp): the pooled connection table below asks whether a Conn can be
    // made while Tcp is still being declared, before these member initializers may be read.
    Side();
    Process* proc = nullptr;
    Owner owner;
    NodeId node = 0;
    bool open = true;  // the socket exists (not closed, reset, timed out, or its process gone)
    bool closing = false;  // closed by its process: the FIN is queued, nothing more is read
    Callback on_reset, on_close, on_timeout, on_writable;
    DataFn on_data;
    TcpOptions options;
    // Sending: messages not yet taken by the peer's kernel, the head first. A vector, not a
    // deque: a side holds one to three messages, and a deque allocates twice even when empty
    // (and again when its connection is moved into the table): four allocations a connection.
    std::vector<Message> queue;
    std::uint64_t next_seq = 1;
    std::uint64_t in_peer_bytes = 0;  // taken by the peer's kernel, not yet read by its process
    Time last_arrival = 0;            // in-order: a message never lands before the previous one
    bool retransmitting = false;
    Time first_loss = 0;
    int backoff = 0;
    std::uint64_t timer_gen = 0;  // invalidates a pending retransmission
    // Receiving.
    std::uint64_t received_seq = 0;
    std::uint64_t unread_bytes = 0;
    Time last_received = 0;
    std::uint64_t keepalive_gen = 0;
    int probes_out = 0;
  };
  struct Conn {
    Conn();
    Side client, server;
    Time rtt = 0;  // measured by the handshake
    Ipv4 server_ip{0};  // the address the client connected to: its neighbour entry
  };
  /// One connect(): its SYN retransmissions, the timeout and the answer share it, and whichever
  /// ends it first wins (`finished`).
  struct Attempt {
    ConnectFn done;
    Owner client_owner;
    Process* client = nullptr;
    NodeId src = 0;
    Ipv4 ip{0};
    std::uint16_t port = 0;
    Time deadline = 0;
    SynSchedule syn;  // the kernel's settings when connect() was called
    bool finished = false;
    bool answered = false;  // a SYN-ACK, RST or ICMP error is on its way back
  };
  /// Completes `a` with `r` unless it already completed; false when it had (or its client is
  /// gone), so a late SYN-ACK is answered with an RST.
  bool finish(Attempt& a, ConnectResult r, ConnId id);
  /// SYN number `n` (0 the first) leaves, and the next is armed 1 s << n later.
  void syn(const std::shared_ptr<Attempt>& a, int n);
  /// A SYN of `a` reaches node `d` (`forwarded` by a node that no longer held the address).
  void syn_arrive(const std::shared_ptr<Attempt>& a, NodeId d, bool forwarded, Time syn_sent);
  Side* side_of(Conn& c, const Process& p);
  Side* peer_of(Conn& c, const Process& p);
  const Side* side_of(const Conn& c, const Process& p) const;
  Conn* find(ConnId id);
  void enqueue(ConnId id, const Process& from, Message m);
  /// `m` (numbered) leaves `client`'s side, or waits in its send queue behind what is there.
  void write(ConnId id, Conn& c, bool client, Message&& m);
  /// Transmits what the window allows from `me` (the client side when `client`).
  void pump(ConnId id, bool client);
  void arrive(ConnId id, bool to_client, const std::shared_ptr<Message>& m);
  void read(ConnId id, bool to_client, const std::shared_ptr<Message>& m);
  void retransmit(ConnId id, bool client, std::uint64_t gen);
  /// Puts `m` (the head of a side's queue, or a message with nothing ahead of it) on the wire;
  /// true when it went and its ACK will come back (then `m` is moved from), false when it is
  /// lost or its ACK cannot come back (it stays the head, though a copy may have reached the peer).
  bool transmit(ConnId id, Conn& c, bool client, Message& m);
  void start_retransmission(ConnId id, Conn& c, bool client);
  Time rto(const Conn& c) const { return kTcpRtoMin + c.rtt; }
  /// `me`'s kernel sends an RST to its peer.
  void send_reset(ConnId id, bool from_client);
  /// Ends `s` with one of its handlers (which runs in its process), forgetting the connection
  /// once both ends are gone.
  void abort(ConnId id, bool client, Callback Side::*handler);
  void forget_if_done(ConnId id);
  /// conns_[id], or nullptr. Remembers the last connection found: a message's arrival, its read
  /// and the reader's reply ask for the same one several times in a row (a map walk each, 4% of
  /// a Demo 2 run before). erase_conn() forgets it with the connection.
  Conn* lookup(ConnId id) const;
  void erase_conn(ConnId id);
  void arm_keepalive(ConnId id, bool client, Time at);
  void keepalive(ConnId id, bool client, std::uint64_t gen);

  Simulation& sim_;
  SynSchedule syn_;
  Time jiffies_phase_ = -1;  // drawn at the first SYN retransmission (stream "kernel/jiffies")
  // The accept handler is shared so that a SYN's accept event holds it without copying it.
  using Listener = std::pair<Process*, std::shared_ptr<const AcceptFn>>;
  FlatLookupMap<std::pair<NodeId, std::uint16_t>, Listener> listeners_;
  // Pooled nodes: a connection per HTTP request or health check comes and goes by the thousand.
  LookupMap<ConnId, Conn, PoolAllocator<std::pair<const ConnId, Conn>>> conns_;
  ConnId next_conn_ = 1;
  mutable ConnId cached_id_ = 0;  // 0: none (ids start at 1)
  mutable Conn* cached_ = nullptr;
};

}  // namespace sim
