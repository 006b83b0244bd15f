// validation::seconds_list: a real record's list of timings, or an error naming file and line.
#include <catch2/catch.hpp>

#include <stdexcept>
#include <string>

#include "scenarios/tree.hpp"
#include "validation/seconds_list.hpp"

namespace {
scenarios::Tree list_of(const std::string& text) { return *scenarios::parse_yaml("x:\n  " + text + "\n", "r.json").find("x"); }
}  // namespace

TEST_CASE("a list of seconds is read as numbers, and a negative one only where the caller allows it", "[validation]") {
  CHECK(validation::seconds_list(list_of("[0.5, 1e-3, 2]"), "r.json", "k") == std::vector<double>{0.5, 0.001, 2.0});
  CHECK(validation::seconds_list(list_of("[-0.25]"), "r.json", "k", true) == std::vector<double>{-0.25});
  CHECK_THROWS_WITH(validation::seconds_list(list_of("[-0.25]"), "r.json", "k"), "r.json:2: k: not a duration in seconds");
  CHECK_THROWS_WITH(validation::seconds_list(list_of("[0.1, slow]"), "r.json", "k"), "r.json:2: k: not a duration in seconds");
  CHECK_THROWS_WITH(validation::seconds_list(list_of("0.1"), "r.json", "k"), "r.json:2: k is not a list");
}
