#include "sim/simulation.hpp"

#include "sim/network.hpp"
#include "sim/node.hpp"
#include "sim/tcp.hpp"

namespace sim {

Simulation::Simulation(std::uint64_t seed) : seed_(seed), log_(&now_, &origin_) {
  owners_.emplace_back();  // owner 0: the simulation itself
  network_ = std::make_unique<Network>(*this);
  tcp_ = std::make_unique<Tcp>(*this);
}

Simulation::~Simulation() = default;

EventId Simulation::at(Time t, Callback fn, Phase phase, Owner owner) {
  if (t < now_) t = now_;  // never schedule into the past: the order of time is total
  return queue_.push(t, phase, owner, std::move(fn));
}

std::uint32_t Simulation::new_owner() {
  owners_.emplace_back();
  return static_cast<std::uint32_t>(owners_.size() - 1);
}

void Simulation::thaw(std::uint32_t id) {
  OwnerState& o = owners_[id];
  if (!o.frozen) return;
  o.frozen = false;
  auto deferred = std::move(o.deferred);
  o.deferred.clear();
  // Everything that fell due while frozen (and was not cancelled since) runs now, in the order
  // it fell due. Events of an incarnation that died while frozen are dropped when they surface.
  for (const auto& [phase, ev] : deferred) queue_.reschedule(ev, now_, phase);
}

bool Simulation::dispatch(EventQueue::Popped& ev) {
  now_ = ev.time;
  if (ev.owner.id != 0) {
    OwnerState& o = owners_[ev.owner.id];
    if (o.incarnation != ev.owner.incarnation) {  // a dead incarnation's event
      queue_.cancel(ev.id);
      return false;
    }
    if (o.frozen) {
      o.deferred.emplace_back(ev.phase, ev.id);
      return false;
    }
  }
  ++processed_;
  Callback fn = queue_.take(ev.id);
  fn();
  return true;
}

bool Simulation::step() {
  EventQueue::Popped ev;
  if (!queue_.pop(ev)) return false;
  dispatch(ev);
  return true;
}

void Simulation::run_until(Time end) {
  EventQueue::Popped ev;
  while (queue_.next_time() <= end) {
    if (!queue_.pop(ev)) break;
    dispatch(ev);
  }
  if (now_ < end) now_ = end;
}

Node& Simulation::add_node(const std::string& name) {
  const auto id = static_cast<std::uint32_t>(nodes_.size());
  nodes_.push_back(std::make_unique<Node>(*this, id, name));
  node_ids_.try_emplace(name, id);  // a repeated name keeps finding the first node, as a scan would
  network_->on_node_added(*nodes_.back());
  return *nodes_.back();
}

Node* Simulation::find_node(std::string_view name) const {
  const std::uint32_t* id = node_ids_.find(name);
  return id == nullptr ? nullptr : nodes_[*id].get();
}

void Timer::arm_at(Time t, Callback fn) {
  if (sim_->pending(id_)) sim_->cancel(id_);
  deadline_ = t;
  id_ = sim_->at(t, std::move(fn), Phase::Normal, sim_->owner(owner_id_));
}

void Timer::cancel() {
  if (sim_ != nullptr && sim_->pending(id_)) sim_->cancel(id_);
  deadline_ = kNever;
}

}  // namespace sim
