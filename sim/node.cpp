#include "sim/node.hpp"
#include "sim/events.hpp"

#include "sim/network.hpp"

namespace sim {

Node::Node(Simulation& sim, std::uint32_t id, std::string name)
    : sim_(sim),
      id_(id),
      name_(std::move(name)),
      owner_id_(sim.new_owner()),
      lifecycle_owner_(sim.new_owner()),
      rng_(sim.rng(name_ + "/lifecycle")),
      teardown_rng_(sim.rng(name_ + "/teardown")),
      disk_(sim, name_) {}

Process* Node::process(std::string_view name) const {
  for (const auto& p : processes_)
    if (p->name() == name) return p.get();
  return nullptr;
}

std::vector<Process*> Node::processes_with_comm(std::string_view comm) const {
  std::vector<Process*> out;
  for (const auto& p : processes_)
    if (p->comm() == comm) out.push_back(p.get());
  return out;
}

bool Node::pid_alive(std::uint32_t pid) const {
  if (!up_) return false;
  if (pid == 1) return true;
  for (const auto& p : processes_)
    if (p->pid() == pid) return true;
  return false;
}

void Node::come_up() {
  up_ = true;
  ++starts_;
  next_pid_ = 2;  // a new PID namespace; 1 is the entrypoint
  sim_.network().node_up(*this);
  sim_.record(events::kNodeUp, {{events::field::kNode, name_}}, true);
  for (const auto& p : processes_)
    if (p->autostart) p->start();
}

void Node::go_down() {
  if (!up_) return;
  up_ = false;
  stopping_ = false;
  tearing_down_ = false;
  killed_ = false;
  sim_.retire(owner_id_);
  sim_.network().node_down(*this);
  sim_.record(events::kNodeDown, {{events::field::kNode, name_}}, true);
  disk_.container_stopped();
  if (restart_pending_) {
    restart_pending_ = false;
    if (recreate_pending_) replace_container();
    start();
  }
}

void Node::tear_down() {
  if (tearing_down_) return;  // the last exit and the grace period's SIGKILL may both get here
  tearing_down_ = true;
  const Distribution& d = (killed_ && kill_teardown_delay) ? *kill_teardown_delay : teardown_delay;
  const Time delay = d.sample(teardown_rng_);
  if (delay <= 0) {
    go_down();
    return;
  }
  const std::uint32_t starts = starts_;
  sim_.after(delay, [this, starts] { if (up_ && starts_ == starts) go_down(); }, Phase::Normal, sim_.owner(lifecycle_owner_));
}

void Node::start(bool engine_delay_done) {
  if (up_) return;
  // A second `docker start` while the first is still in progress is a no-op: only the first
  // start since the node last came up may bring it up (not a later one after a kill).
  const std::uint32_t starts = starts_;
  const Distribution& d = (!start_requested_ && first_start_delay) ? *first_start_delay : start_delay;
  start_requested_ = true;
  // The draw is taken either way, so that a node's later draws do not depend on who started it.
  const Time delay = d.sample(rng_);
  sim_.after(engine_delay_done ? 0 : delay, [this, starts] { if (!up_ && starts_ == starts) come_up(); }, Phase::Normal,
             sim_.owner(lifecycle_owner_));
}

void Node::stop() {
  if (!up_ || stopping_) return;
  if (paused_) unpause();  // docker stop on a paused container unpauses it to deliver SIGTERM
  stopping_ = true;
  sim_.record(events::kNodeStop, {{events::field::kNode, name_}});
  for (const auto& p : processes_) p->stop();
  process_exited();  // nothing was running: down at once
  if (!up_) return;
  const std::uint32_t starts = starts_;
  sim_.after(stop_timeout, [this, starts] {
    if (!up_ || !stopping_ || starts_ != starts) return;
    for (const auto& p : processes_) p->kill();  // the runtime's SIGKILL after the grace period
    tear_down();
  }, Phase::Normal, sim_.owner(lifecycle_owner_));
}

void Node::process_exited() {
  if (!stopping_) return;
  for (const auto& p : processes_)
    if (p->state() != ProcessState::Stopped) return;
  tear_down();
}

void Node::kill() {
  if (!up_) return;
  paused_ = false;
  killed_ = true;  // before the kills: the last process's exit starts the teardown
  for (const auto& p : processes_) {
    p->thaw();
    p->kill();
  }
  tear_down();
}

void Node::crash() {
  disk_.power_loss();  // the host's page cache goes, whether or not the container ran
  if (!up_) return;
  paused_ = false;
  go_down();  // first: the dying processes' RSTs never leave
  for (const auto& p : processes_) {
    p->thaw();
    p->kill();
  }
}

void Node::pause() {
  if (!up_ || paused_) return;
  paused_ = true;
  for (const auto& p : processes_) p->freeze();
}

void Node::unpause() {
  if (!paused_) return;
  paused_ = false;
  for (const auto& p : processes_) p->thaw();
}

void Node::restart() {
  if (!up_) {
    start();
    return;
  }
  restart_pending_ = true;  // docker restart: start again once the stop has completed
  stop();
}

void Node::recreate() {
  if (!up_) {
    replace_container();
    start();
    return;
  }
  recreate_pending_ = true;  // replaced once the stop has completed, then started
  restart();
}

void Node::replace_container() {
  recreate_pending_ = false;
  sim_.record(events::kNodeRecreate, {{events::field::kNode, name_}}, true);
  disk_.recreate();
}

}  // namespace sim
