#include <catch2/catch.hpp>

#include "models/postgres/config.hpp"
#include "sim/time.hpp"

using models::postgres::PostgresConfig;

// What PostgreSQL 15 itself made of each value (postgres -c NAME=VALUE -C NAME, Debian's
// postgresql-15, 2026-12-05): an integer setting takes a fraction and an exponent since
// PostgreSQL 12, converted to the setting's unit and then rounded to an integer (guc.c parse_int).
TEST_CASE("an integer setting takes a fraction, converted to its unit and rounded as PostgreSQL does",
          "[postgres][config]") {
  PostgresConfig c;
  REQUIRE(c.set("wal_writer_delay", "0.2s"));  // 200
  CHECK(c.wal_writer_delay == 200 * sim::kMillisecond);
  REQUIRE(c.set("checkpoint_timeout", "1.5min"));  // 90
  CHECK(c.checkpoint_timeout == 90 * sim::kSecond);
  REQUIRE(c.set("checkpoint_timeout", "30.6s"));  // 31
  CHECK(c.checkpoint_timeout == 31 * sim::kSecond);
  REQUIRE(c.set("max_wal_size", "1.5GB"));  // 1536
  CHECK(c.max_wal_size_mb == 1536);
  REQUIRE(c.set("wal_writer_delay", "2e2"));  // a bare number is in the unit: 200 ms
  CHECK(c.wal_writer_delay == 200 * sim::kMillisecond);
  // Below the unit rounds to nothing (PostgreSQL then refuses it as out of range: 0 ms, 0 s).
  REQUIRE(c.set("wal_writer_delay", "0.5ms"));
  CHECK(c.wal_writer_delay == 0);
  REQUIRE(c.set("wal_writer_delay", "150us"));
  CHECK(c.wal_writer_delay == 0);
  REQUIRE(c.set("wal_writer_delay", "1.5ms"));  // rint: half to even, 2
  CHECK(c.wal_writer_delay == 2 * sim::kMillisecond);
  REQUIRE(c.set("wal_writer_delay", "2.5ms"));  // 2
  CHECK(c.wal_writer_delay == 2 * sim::kMillisecond);
  // strtol's base 0 first, as parse_int: hexadecimal and octal (16, 8).
  REQUIRE(c.set("wal_writer_delay", "0x10ms"));
  CHECK(c.wal_writer_delay == 16 * sim::kMillisecond);
  REQUIRE(c.set("wal_writer_delay", "010"));
  CHECK(c.wal_writer_delay == 8 * sim::kMillisecond);
}

TEST_CASE("a setting that is no number, or a number with an unknown unit, is refused", "[postgres][config]") {
  PostgresConfig c;
  CHECK_FALSE(c.set("wal_writer_delay", "fast"));
  CHECK_FALSE(c.set("wal_writer_delay", "200 parsecs"));
  CHECK_FALSE(c.set("max_wal_size", "1.5PB"));
  CHECK_FALSE(c.set("wal_writer_delay", ".s"));   // invalid value
  CHECK_FALSE(c.set("wal_writer_delay", "08"));   // octal 0, then "8": no such unit
  CHECK(c.set("max_slot_wal_keep_size", "-1"));  // unlimited
  CHECK(c.max_slot_wal_keep_size_mb == -1);
}
