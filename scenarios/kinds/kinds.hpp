#pragma once
// Every daemon kind the simulator knows, one line each, in the order their sections are listed
// in messages and their packages in image names ("haproxy-keepalived"). Adding a kind: its
// models/ folder, its declaration (scenarios/kinds/KEY.{hpp,cpp}, validation/kinds/KEY.{hpp,cpp}),
// one line here and one in validation/kinds/real_kinds.hpp, its tests. Nothing else names it.
#include <string_view>
#include <variant>

#include "scenarios/kinds/failover_script.hpp"
#include "scenarios/kinds/haproxy.hpp"
#include "scenarios/kinds/keepalived.hpp"
#include "scenarios/kinds/nginx.hpp"
#include "scenarios/kinds/pgbouncer.hpp"
#include "scenarios/kinds/postgres.hpp"

namespace scenarios {

template <class... Config>
struct KindList {
  static_assert((Declared<DaemonKind<Config>, Config> && ...), "a daemon kind lacks a part of its declaration");
  /// One daemon's section as read: the config of one of the kinds.
  using Variant = std::variant<Config...>;
  /// Calls f(DaemonKind<C>{}) for each kind, in list order.
  template <class F>
  static void each(F&& f) {
    (f(DaemonKind<Config>{}), ...);
  }
};

using Kinds = KindList<models::haproxy::HaproxyConfig, models::NginxConfig, models::keepalived::KeepalivedConfig, PostgresSection,
                       PgbouncerSection, FailoverScriptSection>;

/// A daemon on a node, as its `nodes.N.KEY` section declares it.
using ComponentSpec = Kinds::Variant;

/// The declaration of a component's kind, for a generic lambda: visit_kind(c, [](auto kind, const auto& config) {...}).
template <class F>
decltype(auto) visit_kind(const ComponentSpec& c, F&& f) {
  return std::visit([&](const auto& config) -> decltype(auto) {
    return f(DaemonKind<std::decay_t<decltype(config)>>{}, config);
  }, c);
}

/// "haproxy", "nginx", ...: the component's YAML key, process name and log key.
inline std::string_view kind_key(const ComponentSpec& c) {
  return visit_kind(c, [](auto kind, const auto&) -> std::string_view { return decltype(kind)::key; });
}

}  // namespace scenarios
