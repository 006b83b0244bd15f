#pragma once
// Segments (container bridges), nodes attached to them with IPv4 addresses, and the faults a
// test can inflict: disconnect, partitions, one-way and protocol-filtered drops, delay, loss.
// Reachability runs on a Boost.Graph of segments and forwarding nodes; ordinary hosts do not
// forward, so a host on two bridges never joins them.
#include <any>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "sim/event_queue.hpp"
#include "sim/lookup_map.hpp"
#include "sim/random.hpp"
#include "sim/time.hpp"

namespace sim {

class Simulation;
class Node;

using NodeId = std::uint32_t;
using SegmentId = std::uint32_t;

/// Protocol classes that faults can filter on (a bit mask).
enum Proto : std::uint32_t {
  kTcp = 1u << 0,
  kUdp = 1u << 1,
  kVrrp = 1u << 2,
  kIcmp = 1u << 3,
  kArp = 1u << 4,
  kAnyProto = 0xffffffffu,
};
/// "tcp", "udp", "vrrp", "icmp", "arp", "all"; 0 when unknown.
std::uint32_t proto_from_name(const std::string& name);

struct Ipv4 {
  std::uint32_t value = 0;
  bool operator==(const Ipv4& o) const { return value == o.value; }
  bool operator<(const Ipv4& o) const { return value < o.value; }
  std::string str() const;
  static std::optional<Ipv4> parse(const std::string& text);
};
/// What identifies an address in a LookupMap.
inline std::uint64_t hash_key(const Ipv4& ip) { return ip.value; }

/// A datagram as its receiver reads it: who sent it, to which (protocol, port), and what the
/// sender put in it (the receiver knows its own protocol's payload type).
struct Datagram {
  NodeId src_node = 0;
  Ipv4 src;
  std::uint32_t proto = 0;
  std::uint16_t port = 0;
  std::any payload;
};
using DatagramFn = std::function<void(const Datagram&)>;

struct Subnet {
  Ipv4 base;
  int prefix = 24;
  bool contains(Ipv4 ip) const;
  std::string str() const;
  static std::optional<Subnet> parse(const std::string& text);
};

class Network {
 public:
  explicit Network(Simulation& sim);

  SegmentId add_segment(const std::string& name, Subnet subnet, Distribution latency);
  std::optional<SegmentId> find_segment(const std::string& name) const;
  const std::string& segment_name(SegmentId s) const { return segments_[s].name; }
  Subnet segment_subnet(SegmentId s) const { return segments_[s].subnet; }
  /// Attaches a node; with no address, the segment hands out the next free host address.
  Ipv4 attach(Node& node, SegmentId segment, std::optional<Ipv4> address);
  void set_router(NodeId node, bool forwards);
  /// The node's primary address on a segment (its first attachment when segment is omitted).
  std::optional<Ipv4> address_of(NodeId node, std::optional<SegmentId> segment = {}) const;
  /// Which segments the node is attached to, in attach order.
  std::vector<SegmentId> segments_of(NodeId node) const;

  // Secondary addresses (VIPs) and ARP.
  void add_address(NodeId node, SegmentId segment, Ipv4 ip);
  void remove_address(NodeId node, Ipv4 ip);
  bool holds(NodeId node, Ipv4 ip) const;
  /// Nodes that currently have `ip` configured, in the order they configured it.
  std::vector<NodeId> holders(Ipv4 ip) const;
  /// A gratuitous ARP from `node` for `ip`: every node that hears it points its cache at `node`.
  void gratuitous_arp(NodeId node, Ipv4 ip);
  /// Where a packet from `src` to `ip` goes: the ARP cache when it has an entry for a shared
  /// IP, else the current holder (a fresh ARP, answered last by the newest holder).
  std::optional<NodeId> resolve(NodeId src, Ipv4 ip);
  /// A packet `node` routes on to `ip`, which nobody answers for now, waits in the node's
  /// INCOMPLETE neighbour entry for it, with every other packet for `ip` (up to unres_qlen, the
  /// oldest dropped first). All go out, `on_resolved(holder)`, when a holder answers one of the
  /// kernel's broadcast probes (retrans_time apart) or its gratuitous ARP reaches the node; all
  /// fail, `on_failed()`, when the last probe goes unanswered (arp_failure_delay after the
  /// first). The node going down or restarting drops them with its namespace.
  void await_neighbour(NodeId node, Ipv4 ip, std::function<void(NodeId)> on_resolved, std::function<void()> on_failed);
  /// Traffic from `peer` reached `node` on a connection to `ip`: `node`'s entry for `ip`, if it
  /// holds `peer`'s current MAC, is confirmed (REACHABLE again).
  void confirm_neighbour(NodeId node, Ipv4 ip, NodeId peer);
  /// Whether `src` has a neighbour entry for `ip` (possibly stale: a SYN sent through it may be lost).
  bool has_neighbour(NodeId src, Ipv4 ip) const { return nodes_[src].arp_cache.contains(ip); }
  /// Observers of secondary-address changes (VIP monitors): called after `ip` was added to or
  /// removed from `node`, whatever the cause (a daemon, the namespace going down, a removed
  /// interface). Each change is also a notable `vip_added`/`vip_removed` trace record.
  using AddressObserver = std::function<void(NodeId node, Ipv4 ip, bool added)>;
  void observe_addresses(AddressObserver fn) { address_observers_.push_back(std::move(fn)); }
  /// Observers of link changes (keepalived's netlink listener): `docker network disconnect`
  /// removes the interface, `connect` brings one back.
  using LinkObserver = std::function<void(NodeId node, SegmentId segment, bool up)>;
  void observe_links(LinkObserver fn) { link_observers_.push_back(std::move(fn)); }
  /// Whether the node's interface on `segment` carries traffic: it exists (attached, not
  /// disconnected) and is up (not `ip link set down`).
  bool link_up(NodeId node, SegmentId segment) const;
  /// Whether any of the node's interfaces carries traffic: with none, the kernel has no route
  /// to anything but the node itself, and a connect() or send() fails at once with ENETUNREACH.
  bool has_route(NodeId node) const;

  // Reachability.
  /// Whether a packet of protocol `proto` sent now from src would reach dst (up, attached,
  /// connected, on bridges joined by forwarding nodes, and not dropped by a fault rule).
  bool path_open(NodeId src, NodeId dst, std::uint32_t proto) const;
  /// Samples the one-way delay of a packet (bridge latency plus fault delays); nullopt if lost.
  std::optional<Time> transit(NodeId src, NodeId dst);
  /// A NIC's egress rate in bytes per second (0: unlimited, the default): a node's messages
  /// leave one after another, so a large transfer takes bytes / rate.
  void set_nic_rate(NodeId node, std::uint64_t bytes_per_second) { nodes_[node].nic_rate_bytes_per_s = bytes_per_second; }
  /// Queues `bytes` on src's NIC now; returns when the last byte has left.
  Time egress(NodeId src, std::uint64_t bytes);
  /// Sends a packet: `on_arrival` runs at dst after the transit delay, owned by dst's current
  /// incarnation (so a restarted node never sees it). Returns false when the packet is dropped.
  bool send(NodeId src, NodeId dst, std::uint32_t proto, Callback on_arrival);
  /// Datagram sockets (UDP, raw IP such as VRRP's protocol 112): `fn` receives what arrives at
  /// (node, proto, port) while the incarnation `owner` lives, as an event of that owner (so a
  /// frozen daemon reads its socket buffer at thaw). A later bind of the same key replaces it.
  void bind(NodeId node, std::uint32_t proto, std::uint16_t port, Owner owner, DatagramFn fn);
  void unbind(NodeId node, std::uint32_t proto, std::uint16_t port);
  /// Sends a datagram to (dst, proto, port); false when it is dropped on the way. Nobody bound
  /// there: it is dropped at dst.
  bool send_datagram(NodeId src, NodeId dst, std::uint32_t proto, std::uint16_t port, std::any payload);
  /// Multicast on one segment (224.0.0.18 for VRRP): every other node whose interface on it is up.
  void multicast(NodeId src, SegmentId segment, std::uint32_t proto, std::uint16_t port, const std::any& payload);
  /// Multicast/broadcast on every segment of src; `on_arrival(dst)` for each receiver.
  void broadcast(NodeId src, std::uint32_t proto, const std::function<void(NodeId)>& on_arrival);

  // Faults. Each returns an id that the matching heal takes.
  void disconnect(NodeId node, std::optional<SegmentId> segment = {});
  void connect(NodeId node, std::optional<SegmentId> segment = {});
  /// `ip link set ethN down` / `up` inside the node: unlike a disconnect, the interface and
  /// every address on it (VIPs included) stay; the kernel removes its routes, nothing leaves or
  /// arrives on it, and netlink tells the link observers. The namespace's next start (a new
  /// veth) brings it up again.
  void set_link(NodeId node, std::optional<SegmentId> segment, bool up);
  int add_drop(std::set<NodeId> from, std::set<NodeId> to, std::uint32_t proto, bool both_ways);
  int partition(const std::vector<std::set<NodeId>>& groups);
  void remove_rule(int id);
  void heal_all();
  void set_extra_delay(NodeId node, std::optional<Distribution> delay);
  void set_loss(NodeId node, double probability);

  // Called by Simulation/Node.
  void on_node_added(Node& node);
  void node_up(Node& node);
  void node_down(Node& node);

  /// Linux gives up on an unanswered ARP after 3 probes a second apart: EHOSTUNREACH.
  Time arp_failure_delay = 3 * kSecond;
  /// Linux's neighbour unreachability detection (net/core/neighbour.c, the sysctl defaults under
  /// net.ipv4.neigh.default). An entry is REACHABLE for `reachable_time` after its last
  /// confirmation, drawn uniformly in [base/2, 3*base/2) per network namespace and drawn again
  /// every 300 s; then STALE, and the first packet through it starts DELAY (5 s), then PROBE
  /// (3 unicast probes 1 s apart), then FAILED: only then does a broadcast ARP find a new MAC.
  Time base_reachable_time = 30 * kSecond;
  Time delay_first_probe_time = 5 * kSecond;
  int ucast_probes = 3;
  Time retrans_time = kSecond;
  /// neigh's locktime (1 s): an entry updated more recently keeps its MAC against a request's.
  Time locktime = kSecond;
  /// Packets an INCOMPLETE entry holds (unres_qlen_bytes' 212,992 bytes: about 101 SYNs).
  std::size_t unres_qlen = 101;

 private:
  struct Segment {
    std::string name;
    Subnet subnet;
    Distribution latency;
    std::uint32_t next_host = 2;  // .1 is the gateway, as in a container bridge
  };
  struct Attachment {
    SegmentId segment;
    Ipv4 address;
    bool connected = true;  // the interface exists (docker network disconnect deletes it)
    bool up = true;         // its administrative state (ip link set up/down)
    /// Frames go through it.
    bool carries() const { return connected && up; }
  };
  struct NodeNet {
    std::vector<Attachment> attachments;
    bool router = false;
    std::optional<Distribution> extra_delay;
    Rng delay_rng;
    Rng loss_rng;  // net/loss/<node>: each fault target draws from its own stream
    double loss = 0.0;
    std::uint64_t nic_rate_bytes_per_s = 0;
    Time nic_busy_until = 0;
    /// Neighbour entries: the node whose MAC answered, and which of its container's starts that
    /// MAC belongs to (a restarted container's new veth has a new MAC: the entry is dead).
    /// `confirmed` is the last time that MAC answered (kNoConfirmation: learnt from someone
    /// else's ARP request, STALE from the start), `used` the last packet sent through it, and
    /// `delay_from` when it entered DELAY (kNever: not yet).
    struct Neighbour {
      static constexpr Time kNoConfirmation = -(Time{1} << 60);  // far past, no overflow in sums
      NodeId node;
      std::uint32_t starts;
      Time confirmed = 0;
      Time used = 0;
      Time delay_from = kNever;
    };
    FlatLookupMap<Ipv4, Neighbour> arp_cache;
    /// The namespace's reachable_time (re-drawn every 300 s from net/neigh/<node>).
    Rng neigh_rng;
    /// When each of the node's incarnations went down (index starts-1; kNever: still up): the
    /// moment that incarnation's MAC stopped answering its neighbours.
    std::vector<Time> down_at;
    Time reach_epoch = 0;      // when the namespace's parameters were last drawn
    Time reachable_time = -1;  // -1: not drawn yet (only a dead neighbour needs it)
  };
  struct Rule {
    std::set<NodeId> from, to;
    std::uint32_t proto;
    bool both_ways;
  };
  struct Secondary {
    NodeId node;
    SegmentId segment;
    std::uint64_t since;  // configuration order, for "newest holder answers ARP last"
  };
  bool rule_drops(NodeId src, NodeId dst, std::uint32_t proto) const;
  Time reachable_time(NodeId node, Time at);
  /// Whether a neighbour entry whose MAC no longer answers has reached FAILED by `now` (marking
  /// its DELAY start the first time it is asked after REACHABLE ran out).
  bool neighbour_failed(NodeId src, NodeNet::Neighbour& e, Time now);
  /// `src`'s ARP request for one of `owner`'s addresses reaches `owner`, whose kernel learns
  /// (or overwrites) its entry for the sender's address on their common segment.
  void learn_from_request(NodeId owner, NodeId src);
  /// `src` broadcasts an ARP request: every node on its bridges with an entry for its address
  /// updates that entry to src's current MAC.
  void heard_request(NodeId src);
  /// Makes or overwrites `node`'s neighbour entry for `ip` (a new one is noted in entry_nodes_).
  void set_neighbour(NodeId node, Ipv4 ip, const NodeNet::Neighbour& value);
  /// Per address, the nodes that made a neighbour entry for it: a superset of those that still
  /// have one (entries are dropped without telling the list; set_neighbour() tidies it as it grows).
  /// `converged`: every entry for the address holds converged_node's MAC of its
  /// converged_starts-th start, as a request from it left them; cleared when set_neighbour()
  /// writes another MAC into an entry for the address.
  struct EntryNodes {
    std::vector<NodeId> nodes;
    std::size_t tidy_size = 0;
    bool converged = false;
    NodeId converged_node = 0;
    std::uint32_t converged_starts = 0;
  };
  LookupMap<Ipv4, EntryNodes> entry_nodes_;
  void recompute_components() const;
  Ipv4 allocate(SegmentId seg);

  Simulation& sim_;
  std::vector<Segment> segments_;
  std::vector<NodeNet> nodes_;
  std::map<Ipv4, std::vector<Secondary>> secondary_;
  // Primary address -> the nodes attached with it, in node order (one entry per attachment):
  // resolve(), holders() and allocate() look here instead of scanning every node.
  FlatLookupMap<Ipv4, std::vector<NodeId>> primary_;
  void index_primary(NodeId node, Ipv4 ip);
  void unindex_primary(NodeId node, Ipv4 ip);
  std::uint64_t secondary_seq_ = 0;
  /// INCOMPLETE neighbour entries (await_neighbour), by node and address.
  struct Resolution {
    std::uint64_t id;  // which resolution a probe timer belongs to (a newer one may replace it)
    std::vector<std::pair<std::function<void(NodeId)>, std::function<void()>>> waiting;
  };
  std::map<std::pair<NodeId, Ipv4>, Resolution> incomplete_;
  std::uint64_t resolutions_ = 0;
  /// A probe of resolution `id` for `key` is due: answered, it sends what waits; the last one
  /// unanswered fails it.
  void probe_neighbour(std::pair<NodeId, Ipv4> key, std::uint64_t id, bool last);
  /// Sends what waits on `key`'s resolution to `holder` and forgets the entry.
  void release_waiting(std::pair<NodeId, Ipv4> key, NodeId holder);
  std::map<int, Rule> rules_;
  int next_rule_ = 1;
  /// One latency stream per link direction, `net/<segment>/<src>-><dst>`, made on first use, so
  /// a node added to a bridge shifts nobody else's draws.
  FlatLookupMap<std::tuple<SegmentId, NodeId, NodeId>, Rng> link_rngs_;
  struct Binding {
    Owner owner;
    DatagramFn fn;
  };
  using BindingKey = std::tuple<NodeId, std::uint32_t, std::uint16_t>;  // node, protocol, port
  LookupMap<BindingKey, Binding> bindings_;
  void deliver_datagram(NodeId dst, const Datagram& d);
  mutable bool components_dirty_ = true;
  mutable std::vector<int> segment_component_;
  std::vector<AddressObserver> address_observers_;
  std::vector<LinkObserver> link_observers_;
};

}  // namespace sim
