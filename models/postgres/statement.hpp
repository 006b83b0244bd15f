#pragma once
// What an operator types at psql (`psql -c '...'`) on a server, for the statements the model
// carries out: ALTER SYSTEM SET/RESET of a GUC it models, pg_reload_conf(), pg_promote(),
// pg_create_physical_replication_slot() and CHECKPOINT. Anything else is refused with a reason, so a scenario asking for something the
// model cannot do fails at load time instead of being ignored.
#include <string>
#include <variant>
#include <vector>

namespace models::postgres {

/// One SQL statement of an operator step.
struct OperatorStatement {
  enum class Kind { AlterSystemSet, AlterSystemReset, ReloadConf, Promote, Checkpoint, CreateSlot };
  Kind kind = Kind::ReloadConf;
  std::string name;   // ALTER SYSTEM: the GUC, lower case; CreateSlot: the slot's name
  std::string value;  // ALTER SYSTEM SET: the value as written ('FIRST 1 (pg2)', 10s, '')
  std::string text;   // the statement as written, trimmed (psql -c's argument)
};

/// Splits `sql` at semicolons outside quotes and parses each statement; the error says which
/// statement the model cannot run and why. psql runs each `-c` separately: ALTER SYSTEM may
/// not share a transaction block with another statement.
///
///   parse_operator_sql("ALTER SYSTEM SET synchronous_standby_names = ''; SELECT pg_reload_conf()")
std::variant<std::vector<OperatorStatement>, std::string> parse_operator_sql(const std::string& sql);

}  // namespace models::postgres
