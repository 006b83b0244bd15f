#pragma once
// keepalived.conf as plain structs; field names follow the directives so configs render back.
#include <optional>
#include <string>
#include <vector>

#include "sim/time.hpp"

namespace models::keepalived {

/// `vrrp_script NAME { script "..." interval T timeout T weight W rise N fall N }`.
/// Defaults as keepalived 2.2: interval 1 s, timeout = interval, weight 0, rise 1, fall 1.
/// What a vrrp_script's command checks, told to the simulator (`checks:`) when the command is a
/// script of the user's own that it cannot read.
struct ScriptCheck {
  enum class Kind {
    Command,  // none told: the command itself is one the model understands
    Process,  // exit 0 while a process of that name exists on the node
    Pidfile,  // exit 0 while the file holds the PID of a live process (`kill -0 $(cat F)`)
    Exit,     // always this exit code
    Http,     // `curl -fs URL`: exit 0 when an answer of 200-399 comes within the script's timeout
  };
  Kind kind = Kind::Command;
  std::string what;   // the process name, the pid file's path, or the URL (http://HOST[:PORT]/PATH)
  int exit_code = 0;  // Exit
};

struct VrrpScriptConfig {
  std::string name;
  /// The command. Modelled by itself: `killall -0 P`, `pidof P`, `pgrep [-x] P` (exit 0 while a
  /// process named P exists on the same node), `true`, `false`, `/bin/true`, `/bin/false`. Any
  /// other command needs `checks` to say what it checks.
  std::string script;
  ScriptCheck checks;
  sim::Time interval = 1 * sim::kSecond;
  std::optional<sim::Time> timeout;  // unset: the interval
  int weight = 0;  // 0: a failure puts the instance in FAULT; otherwise see effective_priority
  int rise = 1;
  int fall = 1;
  /// Time the command takes to run (fork, exec, scan /proc): well under a millisecond to a few.
  sim::Time exec_time = 2 * sim::kMillisecond;
};

/// `vrrp_instance NAME { state interface virtual_router_id priority advert_int version nopreempt
/// preempt_delay authentication unicast_peer virtual_ipaddress track_script garp_master_* }`.
struct VrrpInstanceConfig {
  std::string name;
  std::string state = "BACKUP";  // the wish at start-up: MASTER or BACKUP
  /// `eth0` is the node's first network, `ethN` its (N+1)-th; a network name also works.
  std::string interface = "eth0";
  int virtual_router_id = 51;
  int priority = 100;
  sim::Time advert_int = 1 * sim::kSecond;
  int version = 2;  // vrrp_version (global_defs) or per instance
  bool nopreempt = false;
  sim::Time preempt_delay = 0;
  std::string auth_type;  // "" (none) or "PASS" (AH is not modelled)
  std::string auth_pass;  // only the first 8 characters go on the wire
  std::vector<std::string> unicast_peer;  // IPv4 literals; empty: multicast 224.0.0.18
  std::vector<std::string> virtual_ipaddress;  // "172.20.0.100/16" or "172.20.0.100"
  std::vector<std::string> track_script;
  sim::Time garp_master_delay = 5 * sim::kSecond;
  int garp_master_repeat = 5;
  /// A master that hears a lower-priority advert sends this many gratuitous ARPs at once and
  /// again after the delay (0: none). Unset, keepalived uses global_defs'
  /// vrrp_garp_lower_prio_*, which default to global_defs' vrrp_garp_master_* (5, 5 s), not to
  /// this instance's garp_master_* (strict mode, not modelled, would make them 0).
  std::optional<int> garp_lower_prio_repeat;
  std::optional<sim::Time> garp_lower_prio_delay;
};

struct KeepalivedConfig {
  std::vector<VrrpScriptConfig> scripts;
  std::vector<VrrpInstanceConfig> instances;
};

}  // namespace models::keepalived
