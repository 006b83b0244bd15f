#pragma once
// A Simulation instance (never a singleton): clock, event loop, owners and their incarnations,
// named random streams, nodes, network, trace, metrics and invariants of one run.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sim/event_queue.hpp"
#include "sim/invariants.hpp"
#include "sim/lookup_map.hpp"
#include "sim/log.hpp"
#include "sim/metrics.hpp"
#include "sim/random.hpp"
#include "sim/time.hpp"
#include "sim/trace.hpp"

namespace sim {

class Network;
class Tcp;
class Node;

class Simulation {
 public:
  explicit Simulation(std::uint64_t seed);
  ~Simulation();
  Simulation(const Simulation&) = delete;
  Simulation& operator=(const Simulation&) = delete;

  Time now() const { return now_; }
  std::uint64_t seed() const { return seed_; }
  /// The engine time that is the scenario's time 0: 0, unless the run's stack is set up before
  /// it (scenarios/postgres_ready.hpp). The clock itself always starts at 0 (a model's "never
  /// yet" of 0 stays in the past); records, and what models report in scenario time, are
  /// stamped relative to the origin, negative during the set-up.
  Time origin() const { return origin_; }
  void set_origin(Time t) { origin_ = t; }
  /// An engine time as the scenario counts it.
  Time scenario_time(Time t) const { return t - origin_; }
  Time scenario_now() const { return now_ - origin_; }

  EventId at(Time t, Callback fn, Phase phase = Phase::Normal, Owner owner = {});
  /// Saturates at kNever: a delay of "forever" must not wrap round into the past.
  EventId after(Time delay, Callback fn, Phase phase = Phase::Normal, Owner owner = {}) {
    return at(delay > kNever - now_ ? kNever : now_ + delay, std::move(fn), phase, owner);
  }
  bool cancel(EventId id) { return queue_.cancel(id); }
  bool pending(EventId id) const { return queue_.pending(id); }

  /// Runs every event with time <= end, then leaves the clock at `end`.
  void run_until(Time end);
  /// Runs one event; false when none is left.
  bool step();
  std::uint64_t events_processed() const { return processed_; }
  std::size_t events_pending() const { return queue_.size(); }
  const EventQueue& queue() const { return queue_; }

  /// Owners: a process or node registers one; retiring it (a crash, a kill, an exit) bumps its
  /// incarnation so every event it had scheduled is dropped by the loop, and models need not
  /// cancel timers by hand. A frozen owner's events wait until it thaws, in their order.
  std::uint32_t new_owner();
  Owner owner(std::uint32_t id) const { return Owner{id, owners_[id].incarnation}; }
  void retire(std::uint32_t id) { ++owners_[id].incarnation; }
  void freeze(std::uint32_t id) { owners_[id].frozen = true; }
  void thaw(std::uint32_t id);
  bool frozen(std::uint32_t id) const { return owners_[id].frozen; }
  bool alive(Owner o) const { return owners_[o.id].incarnation == o.incarnation; }

  /// A random stream named after the component that draws from it ("lb1/haproxy/check/web1").
  Rng rng(std::string_view name) const { return Rng(seed_, name); }

  Node& add_node(const std::string& name);
  Node* find_node(std::string_view name) const;
  Node& node(std::uint32_t id) const { return *nodes_[id]; }
  const std::vector<std::unique_ptr<Node>>& nodes() const { return nodes_; }

  Network& network() { return *network_; }
  Tcp& tcp() { return *tcp_; }
  Trace& trace() { return trace_; }
  const Trace& trace() const { return trace_; }
  Metrics& metrics() { return metrics_; }
  Invariants& invariants() { return invariants_; }
  Log& log() { return log_; }

  /// A trace record stamped now.
  void record(std::string kind, std::vector<Field> fields, bool notable = false) {
    trace_.record(now_ - origin_, std::move(kind), std::move(fields), notable);
  }
  /// The same written in place (`record(kind, {{"node", name}, ...})`): the fields are copied only
  /// if the record is written or observed.
  void record(std::string_view kind, std::initializer_list<FieldRef> fields, bool notable = false) {
    trace_.record(now_ - origin_, kind, fields, notable);
  }

 private:
  struct OwnerState {
    std::uint32_t incarnation = 0;
    bool frozen = false;
    std::vector<std::pair<Phase, EventId>> deferred;  // fell due while frozen; still cancellable
  };
  bool dispatch(EventQueue::Popped& ev);

  std::uint64_t seed_;
  Time now_ = 0;
  Time origin_ = 0;
  std::uint64_t processed_ = 0;
  EventQueue queue_;
  std::vector<OwnerState> owners_;
  std::vector<std::unique_ptr<Node>> nodes_;
  FlatLookupMap<std::string, std::uint32_t> node_ids_;  // name -> id: lookups per request and per fault
  std::unique_ptr<Network> network_;
  std::unique_ptr<Tcp> tcp_;
  Trace trace_;
  Metrics metrics_;
  Invariants invariants_;
  Log log_;
};

/// A re-armable timer bound to an owner: arming again cancels the previous deadline.
class Timer {
 public:
  Timer() = default;
  Timer(Simulation* sim, std::uint32_t owner_id) : sim_(sim), owner_id_(owner_id) {}
  void arm_after(Time delay, Callback fn) { arm_at(sim_->now() + delay, std::move(fn)); }
  void arm_at(Time t, Callback fn);
  void cancel();
  bool armed() const { return sim_ != nullptr && sim_->pending(id_); }
  Time deadline() const { return armed() ? deadline_ : kNever; }

 private:
  Simulation* sim_ = nullptr;
  std::uint32_t owner_id_ = 0;
  EventId id_;
  Time deadline_ = kNever;
};

}  // namespace sim
