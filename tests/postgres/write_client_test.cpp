// The writer's schedule, pinned against validation's pg-writer.sh (render.cpp): the script's
// first attempt is at its own start (next=NOW before the loop), then one every INTERVAL_S.
#include <catch2/catch.hpp>

#include "../support/pg_cluster.hpp"

using namespace sim::literals;
using testing::PgCluster;

TEST_CASE("a writer attempts its first commit as it starts, not one interval later, as pg-writer.sh does",
          "[postgres][writer]") {
  PgCluster cluster(1);
  cluster.run_for(1_s);
  const sim::Time started = cluster.s.now();
  auto& w = cluster.writer("w1", "pg1", 500_ms);
  // Well within the first interval: the connection, the transaction and its flush, no more.
  cluster.run_for(100_ms);
  REQUIRE(w.acks().size() == 1);
  CHECK(w.acks()[0].at - started < 100_ms);
  // Then one every interval from the start: at 0, 0.5, 1.0 and 1.5 s.
  cluster.run_for(1800_ms);
  CHECK(w.acks().size() == 4);
  CHECK(w.failures() == 0);
}
