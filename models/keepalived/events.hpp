#pragma once
// The trace records keepalived's model makes, one name each (validation/parse_logs.py emits
// vrrp_state from the real "(VI_1) Entering X STATE" lines).
namespace models::keepalived::events {

inline constexpr const char* kState = "vrrp_state";                     // "(VI) Entering MASTER STATE"
inline constexpr const char* kAdvert = "vrrp_advert";                   // an advertisement sent
inline constexpr const char* kDrop = "vrrp_drop";                       // an advert discarded (auth, VRID, ...)
inline constexpr const char* kForceElection = "vrrp_force_election";    // a lower-priority advert seen as master
inline constexpr const char* kPriority = "vrrp_priority";               // effective priority changed
inline constexpr const char* kScript = "vrrp_script";                   // a track script ran
inline constexpr const char* kScriptResult = "vrrp_script_result";      // its result changed its state
inline constexpr const char* kRespawn = "vrrp_respawn";                 // the parent forks a new VRRP child
inline constexpr const char* kDaemonRefused = "daemon_refused";         // a live pid file stopped the start

}  // namespace models::keepalived::events
