#pragma once
// The real side of every kind in scenarios::Kinds, checked at compile time: a kind added to the
// list without its RealDaemon specialisation (one include line here) does not build.
#include "scenarios/kinds/kinds.hpp"
#include "validation/kinds/failover_script.hpp"
#include "validation/kinds/haproxy.hpp"
#include "validation/kinds/keepalived.hpp"
#include "validation/kinds/nginx.hpp"
#include "validation/kinds/pgbouncer.hpp"
#include "validation/kinds/postgres.hpp"

namespace validation {

template <class... Config>
constexpr bool all_real(scenarios::KindList<Config...>*) {
  return (RealDeclared<RealDaemon<Config>, Config> && ...);
}
static_assert(all_real(static_cast<scenarios::Kinds*>(nullptr)), "a daemon kind lacks (part of) its real side");

/// Calls f(key, RealDaemon<C>{}) for each kind, in list order.
template <class F>
void each_real(F&& f) {
  scenarios::Kinds::each([&](auto kind) {
    using K = decltype(kind);
    f(std::string(K::key), RealDaemon<typename K::Config>{});
  });
}

/// Calls f(RealDaemon<C>{}) for the kind whose key is `key` (not at all for an unknown key).
template <class F>
void with_real_daemon(const std::string& key, F&& f) {
  each_real([&](const std::string& k, auto real) {
    if (k == key) f(real);
  });
}

/// Calls f(key, RealDaemon<C>{}, config) for one component.
template <class F>
decltype(auto) visit_real(const scenarios::ComponentSpec& c, F&& f) {
  return scenarios::visit_kind(c, [&](auto kind, const auto& config) -> decltype(auto) {
    using K = decltype(kind);
    return f(std::string(K::key), RealDaemon<typename K::Config>{}, config);
  });
}

}  // namespace validation
