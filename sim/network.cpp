#include "sim/network.hpp"

#include <boost/graph/adjacency_list.hpp>
#include <algorithm>
#include <charconv>
#include <boost/graph/connected_components.hpp>
#include <cstdio>
#include <memory>
#include <stdexcept>

#include "sim/events.hpp"
#include "sim/node.hpp"
#include "sim/pool_allocator.hpp"
#include "sim/simulation.hpp"

namespace sim {

std::uint32_t proto_from_name(const std::string& name) {
  if (name == "tcp") return kTcp;
  if (name == "udp") return kUdp;
  if (name == "vrrp") return kVrrp;
  if (name == "icmp") return kIcmp;
  if (name == "arp") return kArp;
  if (name == "all" || name == "any") return kAnyProto;
  return 0;
}

std::string Ipv4::str() const {
  char buf[20];
  std::snprintf(buf, sizeof buf, "%u.%u.%u.%u", value >> 24, (value >> 16) & 255, (value >> 8) & 255, value & 255);
  return buf;
}

std::optional<Ipv4> Ipv4::parse(const std::string& text) {
  // Four decimal numbers 0-255 joined by dots, nothing around them. By hand rather than sscanf:
  // every request to a host name asks first whether the name is an address.
  std::uint32_t value = 0;
  const char* p = text.data();
  const char* end = p + text.size();
  for (int part = 0; part < 4; ++part) {
    if (part > 0) {
      if (p == end || *p != '.') return std::nullopt;
      ++p;
    }
    unsigned n = 0;
    const auto [next, err] = std::from_chars(p, end, n);
    if (err != std::errc() || next == p || n > 255) return std::nullopt;
    p = next;
    value = (value << 8) | n;
  }
  if (p != end) return std::nullopt;
  return Ipv4{value};
}

bool Subnet::contains(Ipv4 ip) const {
  const std::uint32_t mask = prefix == 0 ? 0 : ~0u << (32 - prefix);
  return (ip.value & mask) == (base.value & mask);
}

std::string Subnet::str() const { return base.str() + "/" + std::to_string(prefix); }

std::optional<Subnet> Subnet::parse(const std::string& text) {
  const auto slash = text.find('/');
  if (slash == std::string::npos) return std::nullopt;
  auto ip = Ipv4::parse(text.substr(0, slash));
  if (!ip) return std::nullopt;
  int prefix = -1;
  try {
    std::size_t used = 0;
    prefix = std::stoi(text.substr(slash + 1), &used);
    if (used != text.size() - slash - 1) return std::nullopt;
  } catch (...) {
    return std::nullopt;
  }
  if (prefix < 8 || prefix > 30) return std::nullopt;
  return Subnet{*ip, prefix};
}

Network::Network(Simulation& sim) : sim_(sim) {}

SegmentId Network::add_segment(const std::string& name, Subnet subnet, Distribution latency) {
  segments_.push_back(Segment{name, subnet, std::move(latency), 2});
  components_dirty_ = true;
  return static_cast<SegmentId>(segments_.size() - 1);
}

std::optional<SegmentId> Network::find_segment(const std::string& name) const {
  for (std::size_t i = 0; i < segments_.size(); ++i)
    if (segments_[i].name == name) return static_cast<SegmentId>(i);
  return std::nullopt;
}

void Network::on_node_added(Node& node) {
  if (nodes_.size() <= node.id()) nodes_.resize(node.id() + 1);
  nodes_[node.id()].delay_rng = sim_.rng("net/delay/" + node.name());
  nodes_[node.id()].loss_rng = sim_.rng("net/loss/" + node.name());
  nodes_[node.id()].neigh_rng = sim_.rng("net/neigh/" + node.name());
}

Time Network::reachable_time(NodeId node, Time at) {
  // neigh_rand_reach_time(): base/2 plus a uniform draw below base. A namespace's parameters get
  // their first draw when its interface appears and a new one every 300 s (neigh_periodic_work).
  NodeNet& nn = nodes_[node];
  constexpr Time kRedraw = 300 * kSecond;
  const auto draw = [&] { return base_reachable_time / 2 + nn.neigh_rng.uniform_int(0, base_reachable_time - 1); };
  if (nn.reachable_time < 0) nn.reachable_time = draw();
  while (at >= nn.reach_epoch + kRedraw) {
    nn.reach_epoch += kRedraw;
    nn.reachable_time = draw();
  }
  return nn.reachable_time;
}

bool Network::neighbour_failed(NodeId src, NodeNet::Neighbour& e, Time now) {
  if (e.delay_from == kNever) {
    const Time stale_at = e.confirmed + reachable_time(src, now);
    if (now < stale_at) return false;  // still REACHABLE: frames go to the MAC that is gone
    // When the MAC stopped answering: its container's stop, when known; else (a cut path, an
    // address moved away) its last confirmation. Until then any probe was answered, so an entry
    // that expired earlier was merely STALE, waiting for a packet.
    Time died = e.confirmed;
    const auto& downs = nodes_[e.node].down_at;
    if (e.starts >= 1 && e.starts <= downs.size() && downs[e.starts - 1] != kNever)
      died = std::max(died, downs[e.starts - 1]);
    const Time from = std::max(stale_at, died);
    // neigh_timer_handler: an entry used within DELAY_PROBE_TIME before it expires goes straight
    // to DELAY when it expires; otherwise it turns STALE, and the first use after starts DELAY.
    const bool recently_used = e.used >= from - delay_first_probe_time && e.used >= died && e.used <= from;
    e.delay_from = recently_used ? from : now;
  }
  return now >= e.delay_from + delay_first_probe_time + ucast_probes * retrans_time;
}

void Network::confirm_neighbour(NodeId node, Ipv4 ip, NodeId peer) {
  auto* e = nodes_[node].arp_cache.find(ip);
  if (e == nullptr || e->node != peer || e->starts != sim_.node(peer).starts()) return;
  e->confirmed = sim_.now();
  e->delay_from = kNever;
}

void Network::learn_from_request(NodeId owner, NodeId src) {
  // arp_process(): a request addressed to us creates or updates the sender's entry (STALE, the
  // sender's MAC), so a restarted container that talks first is reachable at once.
  for (const auto& a : nodes_[src].attachments) {
    bool shared = false;
    for (const auto& b : nodes_[owner].attachments) shared = shared || b.segment == a.segment;
    if (!shared) continue;
    set_neighbour(owner, a.address, {src, sim_.node(src).starts(), NodeNet::Neighbour::kNoConfirmation, sim_.now(), kNever});
    return;
  }
}

void Network::set_neighbour(NodeId node, Ipv4 ip, const NodeNet::Neighbour& value) {
  auto [e, made] = nodes_[node].arp_cache.try_emplace(ip, value);
  if (!made) *e = value;
  auto& list = entry_nodes_[ip];
  // Another MAC than the one every entry was left on: the next request must look again.
  if (value.node != list.converged_node || value.starts != list.converged_starts) list.converged = false;
  if (made) {
    list.nodes.push_back(node);
    // Entries come and go (FAILED, a restart's empty table): past twice the live count at the
    // last tidy-up, tidy up again, so the list stays within a small factor of the live entries.
    if (list.nodes.size() > 2 * list.tidy_size + 16) {
      auto& v = list.nodes;
      std::sort(v.begin(), v.end());
      v.erase(std::unique(v.begin(), v.end()), v.end());
      std::erase_if(v, [&](NodeId m) { return !nodes_[m].arp_cache.contains(ip); });  // reads only
      list.tidy_size = v.size();
    }
  }
}

void Network::heard_request(NodeId src) {
  // arp_process(), "Update our ARP tables": a broadcast request reaches every host on the
  // bridge, and one that already has an entry for the sender's address takes the sender's MAC
  // from it (STALE: a request does not prove reachability), unless it was updated within
  // locktime. So a restarted container that ARPs for anyone repoints its neighbours' entries
  // for its own address at its new MAC: in the real cascade runs, replica2 streamed from the
  // restarted replica1 at its first retry after replica1's start, whose walreceiver had ARPed
  // for the primary. Only entries that exist change (no arp_accept).
  const Node& sn = sim_.node(src);
  const Time now = sim_.now();
  for (const auto& a : nodes_[src].attachments) {
    if (!a.carries()) continue;
    // Only the nodes that made an entry for the address can have one, and once a request has
    // left every one of them on src's current MAC, later requests change nothing until some
    // entry for the address takes another MAC (set_neighbour() clears `converged`). A restarted
    // haproxy resolving 3,000 backends walked every node per request, 3,000 x 3,000 in all; a
    // node never restarted, whose address nobody else had, walks its short list once.
    auto* list = entry_nodes_.find(a.address);
    if (list == nullptr) continue;
    if (list->converged && list->converged_node == src && list->converged_starts == sn.starts()) continue;
    bool all_current = true;
    // Each entry's update depends on that entry alone, so the list's order (the order entries
    // were made, a duplicate at worst) changes nothing.
    for (NodeId m : list->nodes) {
      if (m == src) continue;
      auto* found = nodes_[m].arp_cache.find(a.address);
      if (found == nullptr) continue;
      auto& e = *found;
      if (e.node == src && e.starts == sn.starts()) continue;  // the same MAC: nothing to learn
      bool on_bridge = false;
      for (const auto& b : nodes_[m].attachments) on_bridge = on_bridge || (b.carries() && b.segment == a.segment);
      if (e.confirmed > now - locktime || !on_bridge || !path_open(src, static_cast<NodeId>(m), kArp)) {
        all_current = false;  // this one keeps the other MAC for now
        continue;
      }
      e = {src, sn.starts(), NodeNet::Neighbour::kNoConfirmation, e.used, kNever};
    }
    if (all_current) {
      list->converged = true;
      list->converged_node = src;
      list->converged_starts = sn.starts();
    }
  }
}

Ipv4 Network::allocate(SegmentId seg) {
  Segment& s = segments_[seg];
  // Host numbers 2 .. 2^(32-prefix)-2 (.1 is the gateway, the last is broadcast); like the
  // runtimes' IPAM, allocation goes on from the last one and wraps, so it never leaves the subnet.
  const std::uint32_t last = (1u << (32 - s.subnet.prefix)) - 2;
  const std::uint32_t net = s.subnet.base.value & ~((1u << (32 - s.subnet.prefix)) - 1);
  for (std::uint32_t tried = 0; tried < last; ++tried) {
    if (s.next_host > last || s.next_host < 2) s.next_host = 2;
    Ipv4 ip{net + s.next_host++};
    if (!primary_.contains(ip)) return ip;
  }
  throw std::runtime_error("network " + s.name + " (" + s.subnet.str() + ") has no free address left");
}

Ipv4 Network::attach(Node& node, SegmentId segment, std::optional<Ipv4> address) {
  Ipv4 ip = address ? *address : allocate(segment);
  nodes_[node.id()].attachments.push_back(Attachment{segment, ip, true});
  index_primary(node.id(), ip);
  components_dirty_ = true;
  return ip;
}

void Network::index_primary(NodeId node, Ipv4 ip) {
  auto& list = primary_[ip];
  list.insert(std::upper_bound(list.begin(), list.end(), node), node);
}

void Network::unindex_primary(NodeId node, Ipv4 ip) {
  auto* list = primary_.find(ip);
  if (list == nullptr) return;
  auto at = std::find(list->begin(), list->end(), node);
  if (at != list->end()) list->erase(at);
  if (list->empty()) primary_.erase(ip);
}

void Network::set_router(NodeId node, bool forwards) {
  nodes_[node].router = forwards;
  components_dirty_ = true;
}

std::optional<Ipv4> Network::address_of(NodeId node, std::optional<SegmentId> segment) const {
  for (const auto& a : nodes_[node].attachments)
    if (!segment || a.segment == *segment) return a.address;
  return std::nullopt;
}

std::vector<SegmentId> Network::segments_of(NodeId node) const {
  std::vector<SegmentId> out;
  for (const auto& a : nodes_[node].attachments) out.push_back(a.segment);
  return out;
}

void Network::add_address(NodeId node, SegmentId segment, Ipv4 ip) {
  auto& list = secondary_[ip];
  for (const auto& s : list)
    if (s.node == node) return;
  list.push_back(Secondary{node, segment, secondary_seq_++});
  sim_.record(events::kVipAdded, {{events::field::kNode, sim_.node(node).name()}, {events::field::kVip, ip.str()}}, true);
  for (const auto& fn : address_observers_) fn(node, ip, true);
}

bool Network::link_up(NodeId node, SegmentId segment) const {
  for (const auto& a : nodes_[node].attachments)
    if (a.segment == segment) return a.carries();
  return false;
}

bool Network::has_route(NodeId node) const {
  for (const auto& a : nodes_[node].attachments)
    if (a.carries()) return true;
  return false;
}

void Network::remove_address(NodeId node, Ipv4 ip) {
  auto it = secondary_.find(ip);
  if (it == secondary_.end()) return;
  auto& list = it->second;
  bool removed = false;
  for (std::size_t i = 0; i < list.size(); ++i)
    if (list[i].node == node) {
      list.erase(list.begin() + static_cast<std::ptrdiff_t>(i));
      removed = true;
      break;
    }
  if (list.empty()) secondary_.erase(it);
  if (!removed) return;
  sim_.record(events::kVipRemoved, {{events::field::kNode, sim_.node(node).name()}, {events::field::kVip, ip.str()}}, true);
  for (const auto& fn : address_observers_) fn(node, ip, false);
}

bool Network::holds(NodeId node, Ipv4 ip) const {
  for (const auto& a : nodes_[node].attachments)
    if (a.address == ip) return true;
  auto it = secondary_.find(ip);
  if (it == secondary_.end()) return false;
  for (const auto& s : it->second)
    if (s.node == node) return true;
  return false;
}

std::vector<NodeId> Network::holders(Ipv4 ip) const {
  std::vector<NodeId> out;
  if (const auto* p = primary_.find(ip)) out = *p;
  auto it = secondary_.find(ip);
  if (it != secondary_.end())
    for (const auto& s : it->second) out.push_back(s.node);
  return out;
}

void Network::gratuitous_arp(NodeId node, Ipv4 ip) {
  std::vector<NodeId> heard;
  const bool resolving = !incomplete_.empty();  // almost always not: no list to build
  for (std::size_t n = 0; n < nodes_.size(); ++n) {
    if (n == node) continue;
    if (path_open(node, static_cast<NodeId>(n), kArp)) {
      set_neighbour(static_cast<NodeId>(n), ip, {node, sim_.node(node).starts(), sim_.now(), sim_.now(), kNever});
      if (resolving) heard.push_back(static_cast<NodeId>(n));
    }
  }
  // Without arp_accept a gratuitous ARP makes no entry, but it does update an existing one, an
  // INCOMPLETE one included (arp_process -> neigh_update), which sends what waited on it: a
  // SYN queued at the VIP's previous holder goes on to the new one the moment keepalived
  // announces it (the real demo1-part2 requests sent into the hand-over ended 4 ms after it).
  for (NodeId n : heard)
    if (incomplete_.count({n, ip}) != 0) release_waiting({n, ip}, node);
}

void Network::await_neighbour(NodeId node, Ipv4 ip, std::function<void(NodeId)> on_resolved, std::function<void()> on_failed) {
  const std::pair<NodeId, Ipv4> key{node, ip};
  const Node& n = sim_.node(node);
  auto it = incomplete_.find(key);
  if (it != incomplete_.end()) {
    auto& q = it->second.waiting;
    if (q.size() >= unres_qlen) q.erase(q.begin());  // __neigh_event_send drops the oldest
    q.emplace_back(std::move(on_resolved), std::move(on_failed));
    return;
  }
  Resolution& r = incomplete_[key];
  r.id = ++resolutions_;
  r.waiting.clear();
  r.waiting.emplace_back(std::move(on_resolved), std::move(on_failed));
  // The first broadcast probe went out with the packet (and found nobody); the next ones
  // retrans_time apart, until arp_failure_delay (mcast_solicit of them) fails the entry.
  const std::uint64_t id = r.id;
  for (Time t = retrans_time; t < arp_failure_delay; t += retrans_time)
    sim_.after(t, [this, key, id] { probe_neighbour(key, id, false); }, Phase::Normal, n.owner());
  sim_.after(arp_failure_delay, [this, key, id] { probe_neighbour(key, id, true); }, Phase::Normal, n.owner());
}

void Network::probe_neighbour(std::pair<NodeId, Ipv4> key, std::uint64_t id, bool last) {
  auto it = incomplete_.find(key);
  if (it == incomplete_.end() || it->second.id != id) return;  // resolved, or a newer resolution
  if (auto h = resolve(key.first, key.second)) {
    release_waiting(key, *h);
    return;
  }
  if (!last) return;
  auto waiting = std::move(it->second.waiting);
  incomplete_.erase(it);
  for (auto& w : waiting) w.second();
}

void Network::release_waiting(std::pair<NodeId, Ipv4> key, NodeId holder) {
  // (An entry of a namespace that went down is already gone: node_down erases it, and its probes
  // were the node's timers.)
  auto it = incomplete_.find(key);
  if (it == incomplete_.end()) return;
  auto waiting = std::move(it->second.waiting);
  incomplete_.erase(it);
  for (auto& w : waiting) w.first(holder);
}

std::optional<NodeId> Network::resolve(NodeId src, Ipv4 ip) {
  // Primary addresses are unique per bridge. The sender's neighbour entry says which MAC frames
  // go to. While that MAC answers (its container is up, not restarted, reachable) the entry is
  // confirmed and used. When it stops answering (docker stop: the MAC is gone; docker start: a
  // new veth, a new MAC), frames to it are lost, with no error, until Linux's neighbour
  // unreachability detection fails the entry: the rest of its REACHABLE time, then DELAY and
  // PROBE (8 s). HAProxy logs `sC`, 5 s per attempt, for SYNs lost this way in the real runs;
  // a restarted PostgreSQL stayed unreachable from the writer for 13 s (an `ip neigh` probe in
  // the app container showed the old MAC REACHABLE, DELAY, PROBE, then the new one). Then a
  // broadcast ARP finds the address's current MAC, or fails after 3 s: an address never seen.
  if (const auto* p = primary_.find(ip)) {
    const NodeId n = p->front();  // the first node (in node order) with that address
    const Time now = sim_.now();
    auto& cache = nodes_[src].arp_cache;
    if (auto* cached = cache.find(ip)) {
      auto& e = *cached;
      const Node& c = sim_.node(e.node);
      // (e.node == n: the address is still that node's; path_open checks both ends are up.)
      const bool answers = e.node == n && c.starts() == e.starts && path_open(src, n, kArp) && path_open(n, src, kArp);
      if (answers) {
        e.confirmed = now;  // TCP's forward progress or a unicast probe's answer confirms it
        e.used = now;
        e.delay_from = kNever;
        return e.node;
      }
      if (!neighbour_failed(src, e, now)) {
        e.used = now;
        return std::nullopt;
      }
      cache.erase(ip);  // FAILED: the next packet resolves afresh
    }
    heard_request(src);  // the broadcast request goes out, answered or not
    if (!sim_.node(n).up() || !path_open(src, n, kArp) || !path_open(n, src, kArp)) return std::nullopt;
    set_neighbour(src, ip, {n, sim_.node(n).starts(), now, now, kNever});
    learn_from_request(n, src);
    return n;
  }
  auto it = secondary_.find(ip);
  auto& cache = nodes_[src].arp_cache;
  if (const auto* cached = cache.find(ip)) {
    // A cached entry keeps being used while its node's container is the one that answered:
    // the neighbour entry stays valid whether or not that node still has the address, until a
    // gratuitous ARP repoints it. A previous holder that forwards (ip_forward) routes what it
    // gets on to the address (Tcp); one that does not drops it. A node gone or started again
    // (a new MAC): a fresh ARP finds the holder. (The real runs of split-brain/both-master,
    // both containers restarted, lost no request in a 5 s gap; kill-vrrp-child, the container
    // left running, lost one to its 3 s ARP failure.)
    const NodeId cn = cached->node;
    const Node& c = sim_.node(cn);
    if (c.up() && c.starts() == cached->starts && (holds(cn, ip) || c.ip_forward)) return cn;
  }
  heard_request(src);  // a broadcast request for the address
  if (it == secondary_.end()) return std::nullopt;
  // Every holder answers the ARP request; the last answer wins, the newest holder's.
  std::optional<NodeId> chosen;
  for (const auto& s : it->second)
    if (path_open(src, s.node, kArp)) chosen = s.node;
  if (chosen) set_neighbour(src, ip, {*chosen, sim_.node(*chosen).starts(), sim_.now(), sim_.now(), kNever});
  return chosen;
}

void Network::recompute_components() const {
  // Vertices: segments, then forwarding nodes. Edges: connected attachments of forwarding
  // nodes that are up. Hosts are not vertices: they sit at the edge of one or more bridges.
  using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::undirectedS>;
  const std::size_t ns = segments_.size();
  Graph g(ns + nodes_.size());
  for (std::size_t n = 0; n < nodes_.size(); ++n) {
    if (!nodes_[n].router || !sim_.node(static_cast<NodeId>(n)).up()) continue;
    for (const auto& a : nodes_[n].attachments)
      if (a.carries()) boost::add_edge(a.segment, ns + n, g);
  }
  std::vector<int> component(boost::num_vertices(g));
  boost::connected_components(g, component.data());
  segment_component_.assign(component.begin(), component.begin() + static_cast<std::ptrdiff_t>(ns));
  components_dirty_ = false;
}

bool Network::rule_drops(NodeId src, NodeId dst, std::uint32_t proto) const {
  for (const auto& [id, r] : rules_) {
    if ((r.proto & proto) == 0) continue;
    if ((r.from.count(src) && r.to.count(dst)) || (r.both_ways && r.from.count(dst) && r.to.count(src))) return true;
  }
  return false;
}

bool Network::path_open(NodeId src, NodeId dst, std::uint32_t proto) const {
  if (!sim_.node(src).up() || !sim_.node(dst).up()) return false;
  if (src == dst) return true;
  if (components_dirty_) recompute_components();
  bool joined = false;
  for (const auto& a : nodes_[src].attachments) {
    if (!a.carries()) continue;
    for (const auto& b : nodes_[dst].attachments)
      if (b.carries() && segment_component_[a.segment] == segment_component_[b.segment]) joined = true;
  }
  return joined && !rule_drops(src, dst, proto);
}

std::optional<Time> Network::transit(NodeId src, NodeId dst) {
  if (src == dst) return Time{0};
  // The bridge both share (first in attach order) gives the wire latency.
  std::optional<SegmentId> seg;
  for (const auto& a : nodes_[src].attachments)
    for (const auto& b : nodes_[dst].attachments)
      if (!seg && a.carries() && b.carries() && a.segment == b.segment) seg = a.segment;
  if (!seg)
    for (const auto& a : nodes_[src].attachments)
      if (!seg && a.carries()) seg = a.segment;
  Time t = 0;
  if (seg) {
    auto key = std::make_tuple(*seg, src, dst);
    Rng* rng = link_rngs_.find(key);
    if (rng == nullptr)
      rng = link_rngs_.try_emplace(key, sim_.rng("net/" + segments_[*seg].name + "/" + sim_.node(src).name() + "->" +
                                                 sim_.node(dst).name())).first;
    t = segments_[*seg].latency.sample(*rng);
  }
  for (NodeId n : {src, dst}) {
    NodeNet& nn = nodes_[n];
    if (nn.loss > 0 && nn.loss_rng.bernoulli(nn.loss)) return std::nullopt;
    if (nn.extra_delay) t += nn.extra_delay->sample(nn.delay_rng);
  }
  return t;
}

Time Network::egress(NodeId src, std::uint64_t bytes) {
  NodeNet& nn = nodes_[src];
  const Time now = sim_.now();
  if (nn.nic_rate_bytes_per_s == 0 || bytes == 0) return std::max(now, nn.nic_busy_until);
  const Time start = std::max(now, nn.nic_busy_until);
  const auto wire = static_cast<Time>(static_cast<unsigned __int128>(bytes) * static_cast<unsigned __int128>(kSecond) /
                                      nn.nic_rate_bytes_per_s);
  nn.nic_busy_until = start + wire;
  return nn.nic_busy_until;
}

bool Network::send(NodeId src, NodeId dst, std::uint32_t proto, Callback on_arrival) {
  if (!path_open(src, dst, proto)) return false;
  auto t = transit(src, dst);
  if (!t) return false;
  sim_.after(*t, std::move(on_arrival), Phase::Normal, sim_.node(dst).owner());
  return true;
}

void Network::bind(NodeId node, std::uint32_t proto, std::uint16_t port, Owner owner, DatagramFn fn) {
  bindings_[BindingKey{node, proto, port}] = Binding{owner, std::move(fn)};
}

void Network::unbind(NodeId node, std::uint32_t proto, std::uint16_t port) { bindings_.erase(BindingKey{node, proto, port}); }

bool Network::send_datagram(NodeId src, NodeId dst, std::uint32_t proto, std::uint16_t port, std::any payload) {
  std::optional<SegmentId> shared;
  for (const auto& a : nodes_[src].attachments)
    for (const auto& b : nodes_[dst].attachments)
      if (!shared && a.carries() && b.carries() && a.segment == b.segment) shared = a.segment;
  Datagram d{src, address_of(src, shared).value_or(Ipv4{}), proto, port, std::move(payload)};
  return send(src, dst, proto, [this, dst, d = std::move(d)] { deliver_datagram(dst, d); });
}

void Network::multicast(NodeId src, SegmentId segment, std::uint32_t proto, std::uint16_t port, const std::any& payload) {
  if (!link_up(src, segment)) return;
  const Ipv4 from = address_of(src, segment).value_or(Ipv4{});
  // One copy of the datagram, shared by its deliveries (a copy each was two allocations each).
  std::shared_ptr<const Datagram> d;
  for (std::size_t n = 0; n < nodes_.size(); ++n) {
    const auto dst = static_cast<NodeId>(n);
    if (dst == src || !link_up(dst, segment)) continue;
    if (!d) d = std::allocate_shared<Datagram>(PoolAllocator<Datagram>(), Datagram{src, from, proto, port, payload});
    send(src, dst, proto, [this, dst, d] { deliver_datagram(dst, *d); });
  }
}

void Network::deliver_datagram(NodeId dst, const Datagram& d) {
  const BindingKey key{dst, d.proto, d.port};
  const Binding* b = bindings_.find(key);
  if (b == nullptr) return;  // nobody listens: dropped
  if (!sim_.alive(b->owner)) {  // the binder has exited: its socket is gone
    bindings_.erase(key);
    return;
  }
  const Owner o = b->owner;
  DatagramFn fn = b->fn;
  if (!sim_.frozen(o.id)) fn(d);
  else sim_.after(0, [fn, d] { fn(d); }, Phase::Normal, o);
}

void Network::broadcast(NodeId src, std::uint32_t proto, const std::function<void(NodeId)>& on_arrival) {
  for (std::size_t n = 0; n < nodes_.size(); ++n) {
    const auto dst = static_cast<NodeId>(n);
    if (dst == src) continue;
    // Multicast stays on the bridge: only nodes sharing a connected segment hear it.
    bool shared = false;
    for (const auto& a : nodes_[src].attachments)
      for (const auto& b : nodes_[dst].attachments)
        if (a.carries() && b.carries() && a.segment == b.segment) shared = true;
    if (!shared) continue;
    send(src, dst, proto, [on_arrival, dst] { on_arrival(dst); });
  }
}

void Network::disconnect(NodeId node, std::optional<SegmentId> segment) {
  std::vector<SegmentId> cut;
  for (auto& a : nodes_[node].attachments)
    if ((!segment || a.segment == *segment) && a.connected) {
      a.connected = false;
      cut.push_back(a.segment);
    }
  components_dirty_ = true;
  // `docker network disconnect` deletes the interface, and the secondary addresses on it go too.
  std::vector<Ipv4> gone;
  for (const auto& [ip, list] : secondary_)
    for (const auto& s : list)
      if (s.node == node && std::find(cut.begin(), cut.end(), s.segment) != cut.end()) gone.push_back(ip);
  for (Ipv4 ip : gone) remove_address(node, ip);
  for (SegmentId seg : cut)
    for (const auto& fn : link_observers_) fn(node, seg, false);
}

void Network::connect(NodeId node, std::optional<SegmentId> segment) {
  std::vector<SegmentId> back;
  for (auto& a : nodes_[node].attachments)
    if ((!segment || a.segment == *segment) && !a.connected) {
      a.connected = true;
      back.push_back(a.segment);
    }
  components_dirty_ = true;
  for (SegmentId seg : back)
    for (const auto& fn : link_observers_) fn(node, seg, true);
}

void Network::set_link(NodeId node, std::optional<SegmentId> segment, bool up) {
  std::vector<SegmentId> changed;
  for (auto& a : nodes_[node].attachments)
    if ((!segment || a.segment == *segment) && a.up != up) {
      a.up = up;
      if (a.connected) changed.push_back(a.segment);
    }
  components_dirty_ = true;
  // The addresses stay configured on a down interface: whoever added them (keepalived) removes
  // them itself, if at all.
  for (SegmentId seg : changed)
    for (const auto& fn : link_observers_) fn(node, seg, up);
}

int Network::add_drop(std::set<NodeId> from, std::set<NodeId> to, std::uint32_t proto, bool both_ways) {
  const int id = next_rule_++;
  rules_.emplace(id, Rule{std::move(from), std::move(to), proto, both_ways});
  return id;
}

int Network::partition(const std::vector<std::set<NodeId>>& groups) {
  // Every pair of groups is cut both ways; nodes in no group keep talking to everyone.
  const int id = next_rule_++;
  std::set<NodeId> all;
  for (const auto& g : groups) all.insert(g.begin(), g.end());
  for (std::size_t i = 0; i < groups.size(); ++i) {
    std::set<NodeId> others;
    for (std::size_t j = 0; j < groups.size(); ++j)
      if (j != i) others.insert(groups[j].begin(), groups[j].end());
    // Negative keys: never the (positive) id of a drop rule, however many drops come later.
    rules_.emplace(-(id * 1000 + static_cast<int>(i)), Rule{groups[i], others, kAnyProto, false});
  }
  return id;
}

void Network::remove_rule(int id) {
  rules_.erase(id);
  // A partition's rules are stored under -(id*1000+i).
  for (auto it = rules_.lower_bound(-(id * 1000 + 999)); it != rules_.end() && it->first <= -(id * 1000);)
    it = rules_.erase(it);
}

void Network::heal_all() {
  rules_.clear();
  for (std::size_t n = 0; n < nodes_.size(); ++n) {
    connect(static_cast<NodeId>(n));  // through connect(), so link observers hear the interface return
    nodes_[n].extra_delay.reset();
    nodes_[n].loss = 0;
  }
  components_dirty_ = true;
}

void Network::set_extra_delay(NodeId node, std::optional<Distribution> delay) { nodes_[node].extra_delay = std::move(delay); }
void Network::set_loss(NodeId node, double probability) { nodes_[node].loss = probability; }

void Network::node_up(Node& node) {
  NodeNet& nn = nodes_[node.id()];
  nn.arp_cache.clear();  // a new network namespace starts with an empty neighbour table
  for (auto& a : nn.attachments) a.up = true;  // and new veths, up
  nn.reach_epoch = sim_.now();  // and its interface's parameters get a new reachable_time,
  nn.reachable_time = -1;       // drawn when first needed
  if (node.dynamic_address && node.starts() > 1) {
    for (auto& a : nn.attachments) {
      const Ipv4 old = a.address;
      unindex_primary(node.id(), old);  // its old address is free for the allocation, as before
      a.address = Ipv4{0};
      a.address = allocate(a.segment);
      index_primary(node.id(), a.address);
      sim_.record(events::kAddressChange,
                  {{events::field::kNode, node.name()}, {events::field::kOld, old.str()}, {events::field::kNew, a.address.str()}},
                  true);
    }
  }
  // The components join bridges through forwarding nodes that are up: a host's start or stop
  // leaves them as they were (3,000 backends starting made as many walks over every node).
  if (nn.router) components_dirty_ = true;
}

void Network::node_down(Node& node) {
  auto& downs = nodes_[node.id()].down_at;
  if (node.starts() >= 1) {
    if (downs.size() < node.starts()) downs.resize(node.starts(), kNever);
    downs[node.starts() - 1] = sim_.now();
  }
  // So do its INCOMPLETE neighbour entries and the packets waiting in them.
  std::erase_if(incomplete_, [&node](const auto& e) { return e.first.first == node.id(); });
  // Secondary addresses live in the namespace and vanish with it.
  std::vector<Ipv4> held;
  for (const auto& [ip, list] : secondary_)
    for (const auto& s : list)
      if (s.node == node.id()) held.push_back(ip);
  for (Ipv4 ip : held) remove_address(node.id(), ip);
  if (nodes_[node.id()].router) components_dirty_ = true;  // as in node_up
}

}  // namespace sim
