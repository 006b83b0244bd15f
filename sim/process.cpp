#include "sim/process.hpp"
#include "sim/events.hpp"

#include "sim/node.hpp"
#include "sim/tcp.hpp"

namespace sim {

const char* to_string(ProcessState s) {
  switch (s) {
    case ProcessState::Stopped: return "stopped";
    case ProcessState::Starting: return "starting";
    case ProcessState::Running: return "running";
    case ProcessState::Stopping: return "stopping";
  }
  return "?";
}

Process::Process(Node& node, std::string name, std::string comm)
    : sim_(node.sim()),
      node_(node),
      name_(std::move(name)),
      comm_(comm.empty() ? name_ : std::move(comm)),
      path_(node.name() + "/" + name_),
      owner_id_(sim_.new_owner()),
      lifecycle_rng_(sim_.rng(path_ + "/lifecycle")) {}

void Process::start() {
  if (state_ != ProcessState::Stopped || !node_.up()) return;
  state_ = ProcessState::Starting;
  pid_ = node_.next_pid();
  sim_.record(events::kProcessExec, {{events::field::kNode, node_.name()}, {events::field::kProcess, name_}});
  const Distribution& d = (!started_once_ && first_start_delay) ? *first_start_delay : start_delay;
  started_once_ = true;
  after(d.sample(lifecycle_rng_), [this] {
    state_ = ProcessState::Running;
    sim_.record(events::kProcessStart, {{events::field::kNode, node_.name()}, {events::field::kProcess, name_}}, true);
    on_start();
  });
}

void Process::stop() {
  if (state_ == ProcessState::Stopped || state_ == ProcessState::Stopping) return;
  if (state_ == ProcessState::Starting) {  // not yet installed its handler: default action
    kill();
    return;
  }
  state_ = ProcessState::Stopping;
  exit_held_ = false;
  sim_.record(events::kProcessSigterm, {{events::field::kNode, node_.name()}, {events::field::kProcess, name_}});
  // A SIGTERM sent to a frozen process is handled only when it thaws: run it as our event.
  after(0, [this] {
    on_sigterm();
    if (exit_held_) return;  // finish_stop() will end it
    after(stop_delay.sample(lifecycle_rng_), [this] { exit_now(/*graceful=*/true); });
  });
}

void Process::finish_stop() {
  if (state_ != ProcessState::Stopping) return;
  exit_now(/*graceful=*/true);
}

void Process::adopt(Process& child, bool pdeath_sigterm) {
  child.parent_ = this;
  child.pdeath_sigterm_ = pdeath_sigterm;
  child.autostart = false;
  children_.push_back(&child);
}

void Process::kill() {
  if (state_ == ProcessState::Stopped) return;
  exit_now();
}

void Process::exit_now(bool graceful) {
  if (graceful) on_stopped();
  const bool was_frozen = frozen();
  state_ = ProcessState::Stopped;
  pid_ = 0;
  sim_.retire(owner_id_);  // drops every timer and delivery of this incarnation
  if (was_frozen) sim_.thaw(owner_id_);  // a new incarnation starts unfrozen
  sim_.tcp().process_exited(*this);
  sim_.record(events::kProcessExit, {{events::field::kNode, node_.name()}, {events::field::kProcess, name_}}, true);
  on_exit();
  // The kernel: our children with a death signal get SIGTERM; our parent gets SIGCHLD, which it
  // handles as its own event (nothing if it is gone or frozen until it thaws).
  for (Process* c : children_)
    if (c->pdeath_sigterm_ && c->state_ != ProcessState::Stopped) c->stop();
  if (parent_ != nullptr && parent_->running()) {
    Process* parent = parent_;
    parent->after(0, [parent, this, graceful] { parent->on_child_exit(*this, graceful); });
  }
  node_.process_exited();
  if (restart_pending_) {
    restart_pending_ = false;
    start();
  }
}

void Process::restart() {
  if (state_ == ProcessState::Stopped) {
    start();
    return;
  }
  restart_pending_ = true;
  stop();
}

void Process::freeze() {
  if (state_ == ProcessState::Stopped || frozen()) return;
  sim_.freeze(owner_id_);
  sim_.record(events::kProcessFreeze, {{events::field::kNode, node_.name()}, {events::field::kProcess, name_}}, true);
}

void Process::thaw() {
  if (!frozen()) return;
  sim_.thaw(owner_id_);
  sim_.record(events::kProcessThaw, {{events::field::kNode, node_.name()}, {events::field::kProcess, name_}}, true);
}

}  // namespace sim
