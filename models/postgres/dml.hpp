#pragma once
// One statement of a client's explicit transaction block, as the server must tell them apart to
// run pgbench's TPC-B-like script (pgbench.c builtin_script "tpcb-like"): BEGIN, a row UPDATE
// or SELECT by its key, an INSERT, END/COMMIT, ROLLBACK. Only what changes the numbers is kept:
// which row an UPDATE locks (its relation and key) and which relation an INSERT appends to.
#include <cstdint>
#include <optional>
#include <string>

namespace models::postgres {

struct DmlStatement {
  enum class Kind { Begin, Commit, Rollback, Update, Select, Insert };
  Kind kind = Kind::Begin;
  std::string relation;   // lower case: pgbench_accounts ...
  std::int64_t key = 0;   // `WHERE col = N` (Update, Select)
};

/// `sql` as one such statement (a trailing semicolon allowed), or nullopt for anything else
/// (several statements in one query, DDL, functions: the caller's older paths).
///
///   parse_dml("UPDATE pgbench_branches SET bbalance = bbalance + -12 WHERE bid = 1;")
///     -> {Update, "pgbench_branches", 1}
std::optional<DmlStatement> parse_dml(const std::string& sql);

}  // namespace models::postgres
