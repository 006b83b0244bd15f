// validation/bulk_pace.hpp: pgbench -i's COPY pace from a real run's pg_stat_replication rows.
#include <catch2/catch.hpp>

#include "models/postgres/postgres.hpp"
#include "scenarios/tree.hpp"
#include "validation/bulk_pace.hpp"

namespace {
std::string row(double t, long long wal) {
  return "{\"kind\": \"pg_stat_replication\", \"t_s\": " + std::to_string(t) + ", \"application_name\": \"r1\", \"wal_lsn\": " +
         std::to_string(wal) + "}";
}
}  // namespace

TEST_CASE("a real run's COPY pace is its fastest second's WAL over the WAL a row takes, when that second wrote 20 MB",
          "[validate]") {
  // The rows of write-rate-slots' second run (2026-12-05): 64.1 MB in the second wholly inside
  // the COPY, then its end and the index build, then the plateau.
  const std::string events = "[" + row(0.409, 92545024) + ", " + row(0.409, 92545024) + ", " + row(1.408, 156655616) + ", " +
                             row(2.409, 205520896) + ", " + row(3.407, 212917608) + ", " + row(4.407, 212918008) + "]";
  const auto pace = validation::copy_row_seconds(scenarios::parse_yaml(events, "events.json"));
  REQUIRE(pace);
  const double rate = (156655616.0 - 92545024.0) / (1.408 - 0.409);
  CHECK(*pace == Approx(models::postgres::copy_wal_bytes_per_row() / rate));
  CHECK(*pace > 1.5e-6);
  CHECK(*pace < 1.8e-6);
}

TEST_CASE("a run whose set-up wrote less than 20 MB in any second (pgbench -i at scale 1) gives no COPY pace", "[validate]") {
  const std::string events = "[" + row(0.32, 94843872) + ", " + row(1.32, 97023264) + ", " + row(2.32, 97023664) + "]";
  CHECK_FALSE(validation::copy_row_seconds(scenarios::parse_yaml(events, "events.json")));
}

TEST_CASE("a monitor row whose time is not a number is skipped, not read as second 0", "[validate]") {
  // Read as t = 0, the broken row would make a 30 MB "second" before the first real row.
  const std::string broken = "{\"kind\": \"pg_stat_replication\", \"t_s\": \"n/a\", \"wal_lsn\": 70000000}";
  const std::string events = "[" + broken + ", " + row(1.0, 100000000) + ", " + row(2.0, 101000000) + "]";
  CHECK_FALSE(validation::copy_row_seconds(scenarios::parse_yaml(events, "events.json")));
}
