#include <algorithm>
#include <optional>
#include <vector>

#include "models/http/http.hpp"
#include "models/keepalived/keepalived.hpp"
#include "models/keepalived/events.hpp"
#include "sim/network.hpp"
#include "sim/node.hpp"

namespace models::keepalived {

VrrpScript::VrrpScript(VrrpChild& k, VrrpScriptConfig config)
    : k_(k), config_(std::move(config)), command_(read_command(config_.script)) {}

void VrrpScript::start() {
  // keepalived starts every script at start-up with its result one short of `rise`: a single
  // success makes it good, a single failure makes it failed (vrrp_scheduler.c).
  status_ = Status::Init;
  result_ = config_.rise - 1;
  const std::uint64_t g = ++gen_;
  k_.after(0, [this, g] {
    if (g == gen_) run();
  });
}

void VrrpScript::stop() {
  ++gen_;
  status_ = Status::Init;
}

bool VrrpScript::command_succeeds() const {
  switch (config_.checks.kind) {
    case ScriptCheck::Kind::Exit:
      return config_.checks.exit_code == 0;
    case ScriptCheck::Kind::Process:
      return process_exists(config_.checks.what);
    case ScriptCheck::Kind::Pidfile:
      return pidfile_names_live_process(config_.checks.what);
    case ScriptCheck::Kind::Http:  // asked over the network: see http_check
    case ScriptCheck::Kind::Command:
      break;
  }
  if (command_.fixed) return *command_.fixed;
  return process_exists(command_.process);
}

VrrpScript::Command VrrpScript::read_command(const std::string& script) {
  // Words split at white space, as the shell does for a line without quotes.
  std::vector<std::string> words;
  std::string word;
  for (const char c : script + " ") {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r') {
      if (!word.empty()) words.push_back(std::move(word));
      word.clear();
    } else {
      word.push_back(c);
    }
  }
  std::string cmd = words.empty() ? "" : words.front();
  const auto slash = cmd.rfind('/');
  if (slash != std::string::npos) cmd = cmd.substr(slash + 1);  // /usr/bin/killall -> killall
  if (cmd == "true") return {true, ""};
  if (cmd == "false") return {false, ""};
  // killall -0 P, pidof P, pgrep [-x] P: exit 0 while some process named P exists. A frozen
  // process and one still starting exist too; only an exited one does not.
  Command c;
  for (std::size_t i = 1; i < words.size(); ++i) {
    if (words[i][0] == '-') continue;
    c.process = words[i];
    break;
  }
  return c;
}

bool VrrpScript::process_exists(const std::string& name) const {
  // A frozen process and one still starting exist too; only an exited one does not.
  const sim::Process* p = k_.node().process(name);
  return p != nullptr && p->state() != sim::ProcessState::Stopped;
}

bool VrrpScript::pidfile_names_live_process(const std::string& path) const {
  // `kill -0 "$(cat F)"`: fails when the file is missing, holds no number, or names a PID that
  // no process of the container has (any more).
  const std::optional<std::string> text = k_.node().disk().read_file(path);
  const std::optional<std::uint64_t> pid = text ? pid_in(*text) : std::nullopt;
  if (!pid || *pid == 0 || *pid >= 0xffffffffu) return false;
  return k_.node().pid_alive(static_cast<std::uint32_t>(*pid));
}

void VrrpScript::run() {
  if (!k_.active()) return;
  const std::uint64_t g = gen_;
  // The next run is scheduled at launch, one interval later, whatever this one takes.
  k_.after(config_.interval, [this, g] {
    if (g == gen_) run();
  });
  const sim::Time timeout = config_.timeout.value_or(config_.interval);
  if (config_.checks.kind == ScriptCheck::Kind::Http) {
    http_check(g, timeout);
    return;
  }
  const bool timed_out = config_.exec_time > timeout;
  k_.after(timed_out ? timeout : config_.exec_time, [this, g, timed_out] {
    if (g != gen_ || !k_.active()) return;
    result(!timed_out && command_succeeds());
  });
}

void VrrpScript::http_check(std::uint64_t g, sim::Time timeout) {
  // `curl -fs URL` from inside the container: localhost is the container itself (its own
  // address: the daemon listens on every address), a name is asked of the engine's DNS. A
  // connection or name failure, an answer of 400 or more, or no answer before keepalived's
  // `timeout` (it kills the script then) is a failure.
  const auto target = HostPort::parse(config_.checks.what, 80);
  std::optional<sim::Ipv4> ip;
  if (target && (target->host == "localhost" || target->host.rfind("127.", 0) == 0))
    ip = k_.sim().network().address_of(k_.node().id());
  else if (target)
    ip = container_dns(k_.sim(), target->host);
  if (!ip) {
    k_.after(std::min(config_.exec_time, timeout), [this, g] {
      if (g == gen_ && k_.active()) result(false);
    });
    return;
  }
  const auto scheme = config_.checks.what.find("://");
  const auto slash = config_.checks.what.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  HttpRequest req;
  req.path = slash == std::string::npos ? "/" : config_.checks.what.substr(slash);
  http_request(k_, *ip, target->port, req, timeout, timeout, [this, g](const HttpResponse& r, sim::ConnId) {
    if (g == gen_ && k_.active()) result(r.status >= 200 && r.status < 400);
  });
}

void VrrpScript::result(bool ok) {
  const int rise = config_.rise, fall = config_.fall;
  const Status before = status_;
  if (ok) {
    if (result_ < rise - 1) {
      ++result_;
    } else {
      status_ = Status::Good;
      result_ = rise + fall - 1;
    }
  } else {
    if (result_ > rise) {
      --result_;
    } else {
      status_ = Status::Failed;
      result_ = 0;
    }
  }
  k_.sim().record(events::kScriptResult, {{"node", k_.node().name()}, {"script", config_.name}, {"ok", ok},
                                         {"result", static_cast<std::int64_t>(result_)}});
  if (status_ != before) {
    k_.sim().record(events::kScript, {{"node", k_.node().name()}, {"script", config_.name},
                                    {"status", std::string(status_ == Status::Good ? "succeeded" : "failed")}}, true);
    k_.script_changed();
  }
}

}  // namespace models::keepalived
