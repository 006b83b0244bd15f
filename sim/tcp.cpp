#include "sim/tcp.hpp"

#include <algorithm>
#include <functional>
#include <memory>
#include <vector>

#include "sim/node.hpp"
#include "sim/pool_allocator.hpp"
#include "sim/process.hpp"
#include "sim/simulation.hpp"

namespace sim {

const char* to_string(ConnectResult r) {
  switch (r) {
    case ConnectResult::Connected: return "connected";
    case ConnectResult::Refused: return "refused";
    case ConnectResult::Timeout: return "timeout";
    case ConnectResult::Unreachable: return "unreachable";
  }
  return "?";
}

Time tcp_retries_timeout(int retries) {
  // net/ipv4/tcp_timer.c tcp_model_timeout: the RTO doubles from TCP_RTO_MIN until it reaches
  // TCP_RTO_MAX (after ilog2(120 s / 200 ms) = 9 doublings), then stays there.
  constexpr int kThresh = 9;
  if (retries <= kThresh) return ((Time{2} << retries) - 1) * kTcpRtoMin;
  return ((Time{2} << kThresh) - 1) * kTcpRtoMin + (retries - kThresh) * kTcpRtoMax;
}

Time kernel_timer_expiry(Time now, Time delay, Time phase) {
  const Time clk = (now + phase) / kJiffy;                   // jiffies now
  const Time expires = clk + (delay + kJiffy - 1) / kJiffy;  // msecs_to_jiffies rounds up
  const Time delta = expires - clk;
  // Level: the first whose start (63 << 3 * lvl, level 0 starting at 0) lies beyond delta.
  Time granule = 1;
  for (Time start = 63; delta >= start && granule < (Time{1} << 24); start <<= 3) granule <<= 3;
  const Time bucket = (expires / granule + 1) * granule;      // calc_index: strictly after expires
  return bucket * kJiffy - phase;
}

Time SynSchedule::give_up() const {
  Time t = 0;
  for (int sent = 0; sent <= retransmissions(); ++sent) t += wait_after(sent);
  return t;
}

namespace {
/// Runs `fn` in the process owning `o`: now when it is running, at thaw when it is frozen,
/// never when it has exited.
void run_in(Simulation& sim, Owner o, Callback fn) {
  if (!fn || !sim.alive(o)) return;
  if (!sim.frozen(o.id)) fn();
  else sim.after(0, std::move(fn), Phase::Normal, o);
}
}  // namespace

Tcp::Side::Side() = default;
Tcp::Conn::Conn() = default;

void Tcp::listen(Process& p, std::uint16_t port, AcceptFn on_accept) {
  listeners_[{p.node().id(), port}] = Listener{&p, std::make_shared<const AcceptFn>(std::move(on_accept))};
}

bool Tcp::listening(NodeId node, std::uint16_t port) const { return listeners_.contains(std::pair<NodeId, std::uint16_t>{node, port}); }

void Tcp::unlisten(Process& p, std::uint16_t port) {
  const std::pair<NodeId, std::uint16_t> key{p.node().id(), port};
  if (const Listener* l = listeners_.find(key); l != nullptr && l->first == &p) listeners_.erase(key);
}

bool Tcp::finish(Attempt& a, ConnectResult r, ConnId id) {
  if (a.finished) return false;
  a.finished = true;
  if (!sim_.alive(a.client_owner)) return false;
  a.done(r, id);
  return true;
}

void Tcp::connect(Process& client, Ipv4 ip, std::uint16_t port, Time timeout, ConnectFn done) {
  // One state for the whole attempt (one pooled block): whichever of answer and timeout comes
  // first wins.
  auto a = std::allocate_shared<Attempt>(PoolAllocator<Attempt>());
  a->done = std::move(done);
  a->client_owner = client.owner();
  a->client = &client;
  a->src = client.node().id();
  a->ip = ip;
  a->port = port;
  Network& net = sim_.network();
  const NodeId src = a->src;
  if (!net.has_route(src) && !net.segments_of(src).empty() && !net.holds(src, ip) && net.address_of(src) != ip) {
    // No interface of ours carries traffic (all down or removed): no route, connect() fails at
    // once with ENETUNREACH (HAProxy: "Layer4 connection problem ... Network is unreachable").
    client.after(0, [this, a] { finish(*a, ConnectResult::Unreachable, 0); });
    return;
  }
  auto dst = net.resolve(src, ip);
  if (!dst && !net.has_neighbour(src, ip)) {
    const Time wait = std::min(timeout, net.arp_failure_delay);
    client.after(wait, [this, a, wait, timeout] {
      finish(*a, wait < timeout ? ConnectResult::Unreachable : ConnectResult::Timeout, 0);
    });
    return;
  }
  // The caller's timeout, or the kernel's ETIMEDOUT after its last retransmission's wait.
  timeout = std::min(timeout, syn_.give_up());
  client.after(timeout, [this, a] { finish(*a, ConnectResult::Timeout, 0); });
  a->deadline = sim_.now() + timeout;
  a->syn = syn_;
  syn(a, 0);
}

void Tcp::syn(const std::shared_ptr<Attempt>& a, int n) {
  // An unanswered SYN is sent again on the kernel's schedule (SynSchedule: 1 s apart five times,
  // then 2, 4, 8... s on Linux 6.5 and later). A SYN that went to a stale neighbour entry (a
  // VIP's previous holder) is lost, and the retransmission goes wherever a gratuitous ARP has
  // pointed the entry since.
  if (a->finished || a->answered) return;
  Network& net = sim_.network();
  const NodeId src = a->src;
  const Ipv4 ip = a->ip;
  if (auto dst = net.resolve(src, ip)) {
    const NodeId d = *dst;
    net.send(src, d, kTcp, [this, a, d, syn_sent = sim_.now()] { syn_arrive(a, d, false, syn_sent); });
  } else if (n > 0 && !net.has_neighbour(src, ip)) {
    // The neighbour entry failed since the last SYN: this one waits on a broadcast ARP, and
    // when that goes unanswered the kernel reports host unreachable to the socket
    // (arp_error_report -> ICMP host unreachable to itself -> tcp_v4_err in SYN_SENT).
    const Time wait = net.arp_failure_delay;
    if (sim_.now() + wait < a->deadline)
      a->client->after(wait, [this, a] {
        if (a->finished || a->answered || sim_.network().resolve(a->src, a->ip)) return;
        finish(*a, ConnectResult::Unreachable, 0);
      });
  }
  // The next SYN, on the kernel's timer wheel (a little late), unless the kernel has sent its
  // last or the caller gives up first: one due exactly at a timeout always loses to it.
  if (n >= a->syn.retransmissions()) return;
  // Where the host's jiffies counter stands when the run starts: the boundaries of the coarse
  // levels (256 ms, 2 s) fall anywhere in simulated time.
  if (jiffies_phase_ < 0) jiffies_phase_ = sim_.rng("kernel/jiffies").uniform_int(0, (Time{1} << 21) * kJiffy - 1);
  const Time at = kernel_timer_expiry(sim_.now(), a->syn.wait_after(n), jiffies_phase_);
  if (at < a->deadline) a->client->after(at - sim_.now(), [this, a, n] { syn(a, n + 1); });
}

void Tcp::syn_arrive(const std::shared_ptr<Attempt>& a, NodeId d, bool forwarded, Time syn_sent) {
  // The SYN's arrival at node `d` (d's kernel answers, whatever its processes are doing), which
  // answers it if it holds the address; a node that no longer holds it (a VIP's previous holder,
  // still in the sender's ARP cache) routes it as any forwarding host does (ip_forward=1 in our
  // containers): on to the address's holder if it can resolve it, else it ARPs, and after
  // arp_failure_delay with no answer it sends the client an ICMP host unreachable, which ends a
  // connect in SYN_SENT (nginx: "connect() failed (113: No route to host)" 3.1 s after
  // keepalived's VRRP child dropped the VIP, in a real run of demo1-part2/kill-vrrp-child).
  Network& n = sim_.network();
  if (a->answered) return;  // a retransmitted duplicate: the first one is answered
  const Ipv4 ip = a->ip;
  const NodeId src = a->src;
  if (!n.holds(d, ip)) {  // not our address (any more)
    if (forwarded || !sim_.node(d).ip_forward || !sim_.node(d).up()) return;  // dropped silently
    if (auto h = n.resolve(d, ip); h && *h != d) {
      n.send(d, *h, kTcp, [this, a, h = *h, syn_sent] { syn_arrive(a, h, true, syn_sent); });
      return;
    }
    // d's neighbour resolution for ip: the SYN waits in it until a holder answers d's probe or
    // announces itself (keepalived's gratuitous ARP on taking the VIP), then goes on there; if
    // nobody does, d sends the client an ICMP host unreachable.
    n.await_neighbour(
        d, ip,
        [this, a, d, syn_sent](NodeId h) {
          if (a->answered) return;
          sim_.network().send(d, h, kTcp, [this, a, h, syn_sent] { syn_arrive(a, h, true, syn_sent); });
        },
        [this, a, d] {
          if (a->answered) return;
          a->answered = sim_.network().send(d, a->src, kIcmp, [this, a] { finish(*a, ConnectResult::Unreachable, 0); });
        });
    return;
  }
  const Listener* listener = listeners_.find(std::pair<NodeId, std::uint16_t>{d, a->port});
  if (listener == nullptr) {
    a->answered = n.send(d, src, kTcp, [this, a] { finish(*a, ConnectResult::Refused, 0); });
    return;
  }
  Process* server = listener->first;
  const ConnId id = next_conn_++;
  Conn c;
  c.client.proc = a->client;
  c.client.owner = a->client_owner;
  c.client.node = src;
  c.server.proc = server;
  c.server.owner = server->owner();
  c.server.node = d;
  c.server.last_received = sim_.now();
  c.server_ip = ip;
  conns_.try_emplace(id, std::move(c));
  std::shared_ptr<const AcceptFn> accept = listener->second;
  a->answered = n.send(d, src, kTcp, [this, a, id, syn_sent] {
    if (Conn* conn = find(id)) {
      conn->rtt = sim_.now() - syn_sent;
      conn->client.last_received = sim_.now();
    }
    // A client that gave up meanwhile has no socket for this SYN-ACK: its kernel resets.
    if (!finish(*a, ConnectResult::Connected, id)) send_reset(id, /*from_client=*/true), abort(id, true, nullptr);
  });
  if (!a->answered) {  // the SYN-ACK cannot leave: no connection; the client retransmits
    erase_conn(id);
    return;
  }
  sim_.after(0, [accept = std::move(accept), id] { (*accept)(id); }, Phase::Normal, server->owner());
}

Tcp::Conn* Tcp::lookup(ConnId id) const {
  if (id == cached_id_) return cached_;
  const Conn* c = conns_.find(id);
  if (c == nullptr) return nullptr;
  cached_id_ = id;
  // The entry belongs to conns_, a non-const member: only this lookup is const.
  cached_ = const_cast<Conn*>(c);
  return cached_;
}

void Tcp::erase_conn(ConnId id) {
  if (id == cached_id_) cached_id_ = 0, cached_ = nullptr;
  conns_.erase(id);
}

Tcp::Conn* Tcp::find(ConnId id) { return lookup(id); }

Tcp::Side* Tcp::side_of(Conn& c, const Process& p) {
  if (c.client.proc == &p) return &c.client;
  if (c.server.proc == &p) return &c.server;
  return nullptr;
}

const Tcp::Side* Tcp::side_of(const Conn& c, const Process& p) const {
  if (c.client.proc == &p) return &c.client;
  if (c.server.proc == &p) return &c.server;
  return nullptr;
}

Tcp::Side* Tcp::peer_of(Conn& c, const Process& p) {
  if (c.client.proc == &p) return &c.server;
  if (c.server.proc == &p) return &c.client;
  return nullptr;
}

bool Tcp::open(ConnId conn) const {
  const Conn* c = lookup(conn);
  if (c == nullptr) return false;
  const Side& a = c->client;
  const Side& b = c->server;
  return a.open && !a.closing && b.open && !b.closing;
}

bool Tcp::open(ConnId conn, const Process& side) const {
  const Conn* c = lookup(conn);
  if (c == nullptr) return false;
  const Side* s = side_of(*c, side);
  return s != nullptr && s->open && !s->closing;
}

NodeId Tcp::peer_node(ConnId conn, const Process& side) const {
  const Conn* c = lookup(conn);
  if (c == nullptr) return 0;
  return c->client.proc == &side ? c->server.node : c->client.node;
}

Process* Tcp::server_of(ConnId conn) const {
  const Conn* c = lookup(conn);
  return c == nullptr ? nullptr : c->server.proc;
}

std::uint64_t Tcp::unread_bytes(ConnId conn, const Process& side) const {
  const Conn* c = lookup(conn);
  if (c == nullptr) return 0;
  const Side* s = side_of(*c, side);
  return s == nullptr ? 0 : s->unread_bytes;
}

std::uint64_t Tcp::queued_bytes(ConnId conn, const Process& side) const {
  const Conn* c = lookup(conn);
  if (c == nullptr) return 0;
  const Side* s = side_of(*c, side);
  if (s == nullptr) return 0;
  std::uint64_t n = 0;
  for (const auto& m : s->queue) n += m.bytes;
  return n;
}

void Tcp::on_writable(ConnId conn, const Process& side, Callback fn) {
  Conn* c = find(conn);
  if (c == nullptr) return;
  Side* s = side_of(*c, side);
  if (s == nullptr || !s->open) return;
  if (s->queue.empty()) sim_.after(0, std::move(fn), Phase::Normal, s->owner);
  else s->on_writable = std::move(fn);
}

void Tcp::send(ConnId conn, const Process& from, Callback on_receive, std::uint64_t bytes) {
  Message m;
  m.bytes = bytes;
  m.fn = std::move(on_receive);
  enqueue(conn, from, std::move(m));
}

void Tcp::send_data(ConnId conn, const Process& from, std::any payload, std::uint64_t bytes) {
  Message m;
  m.bytes = bytes;
  m.payload = std::move(payload);
  enqueue(conn, from, std::move(m));
}

namespace {
/// What send_data's several payloads travel as: one message's payload, taken apart by read.
struct Payloads {
  std::vector<Tcp::Payload> parts;
};
}  // namespace

void Tcp::send_data(ConnId conn, const Process& from, std::vector<Payload> payloads) {
  Message m;
  for (const auto& p : payloads) m.bytes += p.bytes;
  m.payload = Payloads{std::move(payloads)};
  enqueue(conn, from, std::move(m));
}

void Tcp::enqueue(ConnId id, const Process& from, Message m) {
  Conn* c = find(id);
  if (c == nullptr) return;
  Side* me = side_of(*c, from);
  if (me == nullptr || !me->open || me->closing) return;  // write(2) on a closed socket: EPIPE
  m.seq = me->next_seq++;
  write(id, *c, me == &c->client, std::move(m));
}

void Tcp::write(ConnId id, Conn& c, bool client, Message&& m) {
  Side& me = client ? c.client : c.server;
  const Side& peer = client ? c.server : c.client;
  // Nothing waiting ahead of it and room in the peer's window: it leaves now, without a stop in
  // the send queue (what pump would do with it, minus the queue's allocation).
  const bool room = me.in_peer_bytes == 0 || me.in_peer_bytes + m.bytes <= peer.options.rcvbuf_bytes;
  if (me.queue.empty() && !me.retransmitting && room && me.open && sim_.node(me.node).up()) {
    if (transmit(id, c, client, m)) {
      if (me.closing) forget_if_done(id);  // the FIN has gone
      return;
    }
    me.queue.push_back(std::move(m));
    start_retransmission(id, c, client);
    return;
  }
  me.queue.push_back(std::move(m));
  pump(id, client);
}

bool Tcp::transmit(ConnId id, Conn& c, bool client, Message& m) {
  Side& me = client ? c.client : c.server;
  Side& peer = client ? c.server : c.client;
  Network& net = sim_.network();
  if (!net.path_open(me.node, peer.node, kTcp)) return false;
  const Time leaves = net.egress(me.node, m.bytes);
  const auto t = net.transit(me.node, peer.node);
  if (!t) return false;
  // In order: a segment overtaken by an earlier one's slower draw waits for it (head-of-line).
  const Time at = std::max(leaves + *t, me.last_arrival);
  me.last_arrival = at;
  me.in_peer_bytes += m.bytes;
  // With the way back cut (a one-way drop), the data lands but its ACK never returns: the
  // sender keeps the head and retransmits it (the peer drops the duplicates).
  const bool acked = net.path_open(peer.node, me.node, kTcp);
  const PoolAllocator<Message> pool;
  std::shared_ptr<Message> msg = acked ? std::allocate_shared<Message>(pool, std::move(m)) : std::allocate_shared<Message>(pool, m);
  sim_.at(at, [this, id, to_client = !client, msg = std::move(msg)] { arrive(id, to_client, msg); }, Phase::Normal,
          sim_.node(peer.node).owner());
  return acked;
}

void Tcp::start_retransmission(ConnId id, Conn& c, bool client) {
  // Lost (cut path, dropped segment, lost ACK): retransmitted after the RTO, doubling, and
  // everything written after it waits behind it.
  Side& me = client ? c.client : c.server;
  me.retransmitting = true;
  me.first_loss = sim_.now();
  me.backoff = 0;
  const std::uint64_t gen = ++me.timer_gen;
  Time wait = rto(c);
  if (me.options.user_timeout > 0) wait = std::min(wait, me.options.user_timeout);
  sim_.after(wait, [this, id, client, gen] { retransmit(id, client, gen); }, Phase::Normal, sim_.node(me.node).owner());
}

void Tcp::pump(ConnId id, bool client) {
  Conn* c = find(id);
  if (c == nullptr) return;
  Side& me = client ? c->client : c->server;
  const Side& peer = client ? c->server : c->client;
  if (!me.open || !sim_.node(me.node).up()) return;
  while (!me.queue.empty() && !me.retransmitting) {
    // The peer advertises what is left of its receive buffer; a message larger than the whole
    // buffer still goes once the buffer is empty (it streams through as the reader reads).
    const std::uint64_t bytes = me.queue.front().bytes;
    if (me.in_peer_bytes > 0 && me.in_peer_bytes + bytes > peer.options.rcvbuf_bytes) return;
    if (!transmit(id, *c, client, me.queue.front())) {
      start_retransmission(id, *c, client);
      return;
    }
    me.queue.erase(me.queue.begin());
  }
  if (me.queue.empty() && me.on_writable) {
    // Its own event: the writer writes again, which must not run inside this pump.
    sim_.after(0, std::move(me.on_writable), Phase::Normal, me.owner);
    me.on_writable = nullptr;
  }
  if (me.closing && me.queue.empty()) forget_if_done(id);  // the FIN has gone
}

void Tcp::arrive(ConnId id, bool to_client, const std::shared_ptr<Message>& m) {
  Conn* c = find(id);
  if (c == nullptr) return;
  Side& r = to_client ? c->client : c->server;
  if (!r.open || (r.closing && !m->fin)) {
    // Nobody holds this socket any more (its process exited, it was reset, or its host
    // rebooted), or its process closed it: the kernel answers data with an RST.
    if (r.open) abort(id, to_client, nullptr);
    send_reset(id, /*from_client=*/to_client);
    return;
  }
  if (m->seq <= r.received_seq) {  // a retransmitted duplicate (its first copy's ACK was lost)
    Side& s = to_client ? c->server : c->client;
    s.in_peer_bytes -= std::min(s.in_peer_bytes, m->bytes);
    return;
  }
  r.received_seq = m->seq;
  r.unread_bytes += m->bytes;
  r.last_received = sim_.now();
  // Forward progress on a connection confirms the neighbour entry it uses (tcp_ack ->
  // sk_dst_confirm): a long-lived connection keeps its server's entry REACHABLE. (The server's
  // entry for the client is not tracked: it would matter only if the server were first to talk
  // to a restarted client.)
  if (to_client) sim_.network().confirm_neighbour(r.node, c->server_ip, c->server.node);
  r.probes_out = 0;
  if (r.closing) return;  // our own FIN crossed theirs: nothing left to read
  auto msg = m;
  run_in(sim_, r.owner, [this, id, to_client, msg] { read(id, to_client, msg); });
}

void Tcp::read(ConnId id, bool to_client, const std::shared_ptr<Message>& m) {
  Conn* c = find(id);
  if (c == nullptr) return;
  Side& r = to_client ? c->client : c->server;
  Side& s = to_client ? c->server : c->client;
  r.unread_bytes -= std::min(r.unread_bytes, m->bytes);
  s.in_peer_bytes -= std::min(s.in_peer_bytes, m->bytes);
  if (m->bytes > 0 && !s.queue.empty() && !s.retransmitting) {
    // The window opens again: the sender hears of it one trip later.
    const bool from_client = !to_client;
    sim_.after(c->rtt / 2, [this, id, from_client] { pump(id, from_client); }, Phase::Normal,
               sim_.node(s.node).owner());
  }
  if (!r.open || r.closing) return;
  // A handler runs moved out of its slot (it may close the connection, which frees the slot, or
  // set a new handler) and goes back if the slot is still there and empty: no copy, no malloc.
  auto slot_after = [this, id, to_client]() -> Side* {  // the reader's side, if the connection survived
    Conn* after = find(id);
    return after == nullptr ? nullptr : to_client ? &after->client : &after->server;
  };
  if (m->fin) {
    if (r.on_close) {
      Callback fn = std::move(r.on_close);
      r.on_close = nullptr;
      fn();
      if (Side* after = slot_after(); after != nullptr && !after->on_close) after->on_close = std::move(fn);
    } else {
      close(id, *r.proc);
    }
    return;
  }
  if (m->fn) {
    Callback fn = std::move(m->fn);
    fn();
  } else if (const auto* together = std::any_cast<Payloads>(&m->payload)) {
    // One handler call each, as for messages read one by one; a handler that closed the
    // socket (or whose process is gone) reads no more of them.
    Side* side = &r;
    for (const auto& part : together->parts) {
      if (side == nullptr || !side->open || side->closing || !side->on_data) break;
      DataFn fn = std::move(side->on_data);
      side->on_data = nullptr;
      fn(part.data, part.bytes);
      side = slot_after();
      if (side != nullptr && !side->on_data) side->on_data = std::move(fn);
    }
  } else if (r.on_data) {
    DataFn fn = std::move(r.on_data);
    r.on_data = nullptr;
    fn(m->payload, m->bytes);
    if (Side* after = slot_after(); after != nullptr && !after->on_data) after->on_data = std::move(fn);
  }
}

void Tcp::retransmit(ConnId id, bool client, std::uint64_t gen) {
  Conn* c = find(id);
  if (c == nullptr) return;
  Side& me = client ? c->client : c->server;
  if (gen != me.timer_gen || !me.open || me.queue.empty()) return;
  const Time elapsed = sim_.now() - me.first_loss;
  // tcp_retransmit_timer: give up when the head has been unacknowledged for tcp_user_timeout,
  // or for the time tcp_retries2 retransmissions take (retransmits_timed_out).
  const Time limit = me.options.user_timeout > 0 ? me.options.user_timeout : tcp_retries_timeout();
  if (elapsed >= limit) {
    abort(id, client, &Side::on_timeout);
    return;
  }
  if (transmit(id, *c, client, me.queue.front())) {
    // Through and acknowledged: what waited behind the head follows in order.
    me.queue.erase(me.queue.begin());
    me.retransmitting = false;
    pump(id, client);
    return;
  }
  ++me.backoff;
  Time wait = std::min(rto(*c) << std::min(me.backoff, 20), kTcpRtoMax);
  if (me.options.user_timeout > 0) wait = std::min(wait, std::max<Time>(me.options.user_timeout - elapsed, 1));
  sim_.after(wait, [this, id, client, gen] { retransmit(id, client, gen); }, Phase::Normal, sim_.node(me.node).owner());
}

void Tcp::send_reset(ConnId id, bool from_client) {
  Conn* c = find(id);
  if (c == nullptr) return;
  const Side& me = from_client ? c->client : c->server;
  const Side& peer = from_client ? c->server : c->client;
  Network& net = sim_.network();
  if (!net.path_open(me.node, peer.node, kTcp)) return;
  auto t = net.transit(me.node, peer.node);
  if (!t) return;
  sim_.after(*t, [this, id, to_client = !from_client] { abort(id, to_client, &Side::on_reset); }, Phase::Normal,
             sim_.node(peer.node).owner());
}

void Tcp::abort(ConnId id, bool client, Callback Side::*handler) {
  Conn* c = find(id);
  if (c == nullptr) return;
  Side& s = client ? c->client : c->server;
  if (!s.open) return;
  Callback fn = (handler != nullptr && !s.closing) ? s.*handler : nullptr;
  const Owner o = s.owner;
  s.open = false;
  s.queue.clear();
  s.retransmitting = false;
  ++s.timer_gen;
  ++s.keepalive_gen;
  forget_if_done(id);
  run_in(sim_, o, std::move(fn));
}

void Tcp::forget_if_done(ConnId id) {
  Conn* c = find(id);
  if (c == nullptr) return;
  auto done = [](const Side& s) { return !s.open || (s.closing && s.queue.empty()); };
  if (done(c->client) && done(c->server)) erase_conn(id);
}

void Tcp::on_data(ConnId conn, const Process& side, DataFn fn) {
  if (Conn* c = find(conn))
    if (Side* s = side_of(*c, side)) s->on_data = std::move(fn);
}

void Tcp::on_close(ConnId conn, const Process& side, Callback fn) {
  if (Conn* c = find(conn))
    if (Side* s = side_of(*c, side)) s->on_close = std::move(fn);
}

void Tcp::on_reset(ConnId conn, const Process& side, Callback fn) {
  if (Conn* c = find(conn))
    if (Side* s = side_of(*c, side)) s->on_reset = std::move(fn);
}

void Tcp::on_timeout(ConnId conn, const Process& side, Callback fn) {
  if (Conn* c = find(conn))
    if (Side* s = side_of(*c, side)) s->on_timeout = std::move(fn);
}

void Tcp::set_options(ConnId conn, const Process& side, TcpOptions options) {
  Conn* c = find(conn);
  if (c == nullptr) return;
  Side* s = side_of(*c, side);
  if (s == nullptr) return;
  s->options = options;
  const bool client = s == &c->client;
  if (options.keepalive) arm_keepalive(conn, client, std::max(s->last_received, sim_.now()) + options.keepalive_idle);
  else ++s->keepalive_gen;
}

void Tcp::close(ConnId conn, const Process& by) {
  Conn* c = find(conn);
  if (c == nullptr) return;
  Side* me = side_of(*c, by);
  if (me == nullptr || !me->open || me->closing) return;
  if (me->unread_bytes > 0) {  // tcp_close: unread data means the peer gets an RST, not a FIN
    reset(conn, by);
    return;
  }
  me->closing = true;
  ++me->keepalive_gen;
  Message fin;
  fin.fin = true;
  fin.seq = me->next_seq++;
  write(conn, *c, me == &c->client, std::move(fin));
  forget_if_done(conn);
}

void Tcp::close(ConnId conn) {
  if (Conn* c = find(conn)) close(conn, *c->client.proc);
}

void Tcp::reset(ConnId conn, const Process& by) {
  Conn* c = find(conn);
  if (c == nullptr) return;
  Side* me = side_of(*c, by);
  if (me == nullptr || !me->open) return;
  const bool client = me == &c->client;
  send_reset(conn, client);
  abort(conn, client, nullptr);
}

void Tcp::arm_keepalive(ConnId id, bool client, Time at) {
  Conn* c = find(id);
  if (c == nullptr) return;
  Side& s = client ? c->client : c->server;
  const std::uint64_t gen = ++s.keepalive_gen;
  if (!s.options.keepalive || !s.open || s.closing) return;
  sim_.at(at, [this, id, client, gen] { keepalive(id, client, gen); }, Phase::Normal, sim_.node(s.node).owner());
}

void Tcp::keepalive(ConnId id, bool client, std::uint64_t gen) {
  // net/ipv4/tcp_timer.c tcp_keepalive_timer.
  Conn* c = find(id);
  if (c == nullptr) return;
  Side& s = client ? c->client : c->server;
  const Side& p = client ? c->server : c->client;
  if (gen != s.keepalive_gen || !s.open || s.closing) return;
  const Time now = sim_.now();
  const TcpOptions& o = s.options;
  // Data in flight: the retransmission timer watches the peer instead.
  if (!s.queue.empty()) return arm_keepalive(id, client, now + o.keepalive_idle);
  const Time elapsed = now - s.last_received;
  if (elapsed < o.keepalive_idle && s.probes_out == 0) return arm_keepalive(id, client, s.last_received + o.keepalive_idle);
  if ((o.user_timeout > 0 && elapsed >= o.user_timeout && s.probes_out > 0) ||
      (o.user_timeout == 0 && s.probes_out >= o.keepalive_count)) {
    abort(id, client, &Side::on_timeout);
    return;
  }
  Network& net = sim_.network();
  if (net.path_open(s.node, p.node, kTcp) && net.path_open(p.node, s.node, kTcp)) {
    if (!p.open) {  // the peer's host came back without the socket: it answers the probe with RST
      abort(id, client, &Side::on_reset);
      return;
    }
    s.last_received = now;
    s.probes_out = 0;
    return arm_keepalive(id, client, now + o.keepalive_idle);
  }
  ++s.probes_out;
  arm_keepalive(id, client, now + o.keepalive_interval);
}

void Tcp::process_exited(Process& p) {
  listeners_.erase_if([&p](const auto&, const Listener& l) { return l.first == &p; });
  // The kernel closes every socket the process held: a FIN after the data already written, or
  // an RST where data sat unread. On a host that is already gone nothing leaves: its peers keep
  // a half-open connection until they send (and time out) or a keepalive gives up.
  const std::vector<ConnId> held = conns_.sorted_keys_where([&](ConnId, const Conn& c) {
    const Side* s = side_of(c, p);
    return s != nullptr && s->open && !s->closing;
  });
  const bool host_up = p.node().up();
  for (ConnId id : held) {
    if (host_up) {
      close(id, p);
      continue;
    }
    Conn* c = find(id);
    if (c == nullptr) continue;
    abort(id, side_of(*c, p) == &c->client, nullptr);
  }
  // Orphans (closed, still sending their FIN) of a host that went down vanish with it.
  if (!host_up) {
    const std::vector<ConnId> orphans = conns_.sorted_keys_where([&](ConnId, const Conn& c) {
      const Side* s = side_of(c, p);
      return s != nullptr && s->open;
    });
    for (ConnId id : orphans)
      if (Conn* c = find(id)) abort(id, side_of(*c, p) == &c->client, nullptr);
  }
}

}  // namespace sim
