// The real PostgreSQL: Debian's postgresql-15. Its image and command are declared; the stack's
// own set-up (initdb on the primary, `pg_basebackup -R -C -S` on each standby, the SQL client
// logging every acknowledged write) is not rendered yet, so `hasim render` refuses a scenario
// with a `postgres:` section, by name, rather than writing a stack that is not the seed's.
#include "validation/kinds/postgres.hpp"

#include "validation/render_detail.hpp"

namespace validation {

using scenarios::PostgresSection;

std::vector<std::string> RealDaemon<PostgresSection>::packages() { return {"postgresql-15"}; }
/// The server in the foreground as the postgres user, its configuration from the mounted file.
std::string RealDaemon<PostgresSection>::command() {
  return "exec runuser -u postgres -- /usr/lib/postgresql/15/bin/postgres -D /var/lib/postgresql/data "
         "-c config_file=/etc/postgresql/postgresql.conf";
}
/// The official image's STOPSIGNAL: SIGINT, a fast shutdown.
std::string RealDaemon<PostgresSection>::stop_signal() { return "INT"; }
bool RealDaemon<PostgresSection>::stop_oldest_only() { return true; }  // the postmaster stops its children
bool RealDaemon<PostgresSection>::net_admin() { return false; }

std::vector<NodeFile> RealDaemon<PostgresSection>::files(const RenderContext& ctx, const PostgresSection&) {
  detail::cannot_render(ctx.where, "PostgreSQL's real stack (initdb, pg_basebackup -R -C -S on the standbys, the SQL "
                                   "client) is not rendered yet");
}

std::vector<std::pair<std::string, std::string>> RealDaemon<PostgresSection>::mounts() {
  return {{"postgresql.conf", "/etc/postgresql/postgresql.conf"}};
}

/// "database system is ready to accept connections" (a primary) or "... read-only connections"
/// (a hot standby): postmaster.c's messages once the server takes connections.
std::string RealDaemon<PostgresSection>::ready_log() { return "database system is ready to accept"; }

std::string RealDaemon<PostgresSection>::plan_entry(const RenderContext&, const PostgresSection&) { return ""; }

}  // namespace validation
