#include "sim/tcp.hpp"

#include <functional>
#include <memory>

#include "sim/node.hpp"
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

void Tcp::listen(Process& p, std::uint16_t port, AcceptFn on_accept) {
  listeners_[{p.node().id(), port}] = {&p, std::move(on_accept)};
}

bool Tcp::listening(NodeId node, std::uint16_t port) const { return listeners_.count({node, port}) != 0; }

void Tcp::unlisten(Process& p, std::uint16_t port) {
  auto it = listeners_.find({p.node().id(), port});
  if (it != listeners_.end() && it->second.first == &p) listeners_.erase(it);
}

void Tcp::connect(Process& client, Ipv4 ip, std::uint16_t port, Time timeout, ConnectFn done) {
  // One completion only: whichever of answer and timeout comes first wins.
  auto finished = std::make_shared<bool>(false);
  auto complete = std::make_shared<ConnectFn>(std::move(done));
  const Owner client_owner = client.owner();
  auto finish = [this, finished, complete, client_owner](ConnectResult r, ConnId id) {
    if (*finished) return;
    *finished = true;
    if (!sim_.alive(client_owner)) return;
    (*complete)(r, id);
  };
  Network& net = sim_.network();
  const NodeId src = client.node().id();
  auto dst = net.resolve(src, ip);
  if (!dst && !net.has_neighbour(src, ip)) {
    const Time wait = std::min(timeout, net.arp_failure_delay);
    client.after(wait, [finish, wait, timeout] {
      finish(wait < timeout ? ConnectResult::Unreachable : ConnectResult::Timeout, 0);
    });
    return;
  }
  client.after(timeout, [finish] { finish(ConnectResult::Timeout, 0); });
  // An unanswered SYN is sent again after 1 s, then 2, 4, 8... (Linux: initial RTO 1 s, doubled,
  // tcp_syn_retries 6). A SYN that went to a stale neighbour entry (a VIP's previous holder) is
  // lost, and the retransmission goes wherever a gratuitous ARP has pointed the entry since.
  const Time deadline = sim_.now() + timeout;
  auto answered = std::make_shared<bool>(false);
  auto attempt = std::make_shared<std::function<void(int)>>();
  std::weak_ptr<std::function<void(int)>> weak = attempt;
  Process* cp = &client;
  *attempt = [this, weak, src, ip, port, cp, client_owner, finish, finished, answered, deadline](int n) {
    if (*finished || *answered) return;
    Network& net = sim_.network();
    if (auto dst = net.resolve(src, ip)) {
      const NodeId d = *dst;
      net.send(src, d, kTcp, [this, d, port, src, cp, client_owner, finish, ip, answered] {
        // SYN arrived at d (d's kernel answers, whatever its processes are doing).
        Network& n = sim_.network();
        if (*answered) return;        // a retransmitted duplicate: the first one is answered
        if (!n.holds(d, ip)) return;  // not our address (any more): the kernel drops it silently
        auto it = listeners_.find({d, port});
        if (it == listeners_.end()) {
          *answered = n.send(d, src, kTcp, [finish] { finish(ConnectResult::Refused, 0); });
          return;
        }
        Process* server = it->second.first;
        const ConnId id = next_conn_++;
        conns_.emplace(id, Conn{Side{cp, client_owner, src, nullptr}, Side{server, server->owner(), d, nullptr}});
        AcceptFn accept = it->second.second;
        *answered = n.send(d, src, kTcp, [finish, id] { finish(ConnectResult::Connected, id); });
        if (!*answered) {  // the SYN-ACK cannot leave: no connection; the client retransmits
          conns_.erase(id);
          return;
        }
        sim_.after(0, [accept, id] { accept(id); }, Phase::Normal, server->owner());
      });
    }
    const Time rto = kSecond << n;
    if (n < 6 && sim_.now() + rto < deadline)
      if (auto again = weak.lock()) cp->after(rto, [again, n] { (*again)(n + 1); });
  };
  (*attempt)(0);
}

Tcp::Side* Tcp::side_of(Conn& c, const Process& p) {
  if (c.client.proc == &p) return &c.client;
  if (c.server.proc == &p) return &c.server;
  return nullptr;
}

Tcp::Side* Tcp::peer_of(Conn& c, const Process& p) {
  if (c.client.proc == &p) return &c.server;
  if (c.server.proc == &p) return &c.client;
  return nullptr;
}

NodeId Tcp::peer_node(ConnId conn, const Process& side) const {
  auto it = conns_.find(conn);
  if (it == conns_.end()) return 0;
  return it->second.client.proc == &side ? it->second.server.node : it->second.client.node;
}

Process* Tcp::server_of(ConnId conn) const {
  auto it = conns_.find(conn);
  return it == conns_.end() ? nullptr : it->second.server.proc;
}

void Tcp::send(ConnId conn, const Process& from, Callback on_receive) {
  auto it = conns_.find(conn);
  if (it == conns_.end()) return;
  Side* me = side_of(it->second, from);
  Side* peer = peer_of(it->second, from);
  if (me == nullptr) return;
  const Owner peer_owner = peer->owner;
  const NodeId src = me->node, dst = peer->node;
  Network& net = sim_.network();
  if (!net.path_open(src, dst, kTcp)) return;
  auto t = net.transit(src, dst);
  if (!t) return;
  sim_.after(*t, [this, conn, fn = std::move(on_receive)] {
    if (conns_.count(conn)) fn();
  }, Phase::Normal, peer_owner);
}

void Tcp::on_reset(ConnId conn, const Process& side, Callback fn) {
  auto it = conns_.find(conn);
  if (it == conns_.end()) return;
  if (Side* s = side_of(it->second, side)) s->on_reset = std::move(fn);
}

void Tcp::close(ConnId conn) { conns_.erase(conn); }

void Tcp::reset(ConnId conn, const Process& by) {
  auto it = conns_.find(conn);
  if (it == conns_.end()) return;
  Side* me = side_of(it->second, by);
  Side* peer = peer_of(it->second, by);
  if (me != nullptr && peer->on_reset) notify_reset(*me, *peer);
  conns_.erase(it);
}

void Tcp::notify_reset(const Side& from, const Side& to) {
  Network& net = sim_.network();
  if (!net.path_open(from.node, to.node, kTcp)) return;
  if (auto t = net.transit(from.node, to.node)) sim_.after(*t, to.on_reset, Phase::Normal, to.owner);
}

void Tcp::process_exited(Process& p) {
  for (auto it = listeners_.begin(); it != listeners_.end();) {
    if (it->second.first == &p) it = listeners_.erase(it);
    else ++it;
  }
  // The kernel resets every connection the process held; the RST reaches the peer only if the
  // path is open (a crashed node's interface is already gone, so its peers hear nothing).
  for (auto it = conns_.begin(); it != conns_.end();) {
    Side* peer = peer_of(it->second, p);
    Side* me = side_of(it->second, p);
    if (peer == nullptr) {
      ++it;
      continue;
    }
    if (peer->on_reset) notify_reset(*me, *peer);
    it = conns_.erase(it);
  }
}

}  // namespace sim
