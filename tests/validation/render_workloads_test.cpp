// Every declared workload kind (scenarios/workload_kinds.hpp) has its real-stack part
// (validation/render_workloads.cpp): a kind added without one fails here, and render refuses
// it, instead of rendering it as some other kind.
#include <catch2/catch.hpp>

#include <stdexcept>
#include <string>

#include "scenarios/workload_kinds.hpp"
#include "validation/render_workloads.hpp"

TEST_CASE("every declared workload kind has a real-stack part, and no part names an undeclared kind", "[validation][workloads]") {
  const auto& kinds = scenarios::workload_kinds();
  const auto& renders = validation::detail::workload_renders();
  REQUIRE(renders.size() == kinds.size());
  for (std::size_t i = 0; i < kinds.size(); ++i) {
    INFO(kinds[i].name);
    CHECK(renders[i].kind == kinds[i].name);  // the declaration's order
    const auto& r = validation::detail::workload_render(kinds[i].name);
    CHECK(r.check_node != nullptr);
    CHECK(r.plan_entry != nullptr);
  }
}

TEST_CASE("a workload kind without a real-stack part is an error naming where to add it", "[validation][workloads]") {
  CHECK_THROWS_WITH(validation::detail::workload_render("ab"), Catch::Contains("'ab'") && Catch::Contains("render_workloads.cpp"));
}

TEST_CASE("the default workload kind of a spec is the first declared one", "[validation][workloads]") {
  CHECK(scenarios::WorkloadSpec{}.kind == scenarios::workload_kinds().front().name);
}
