#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "scenarios/output.hpp"
#include "scenarios/report.hpp"

namespace fs = std::filesystem;

TEST_CASE("an output file is written whole, replaces the old one and leaves no temporary", "[output]") {
  const fs::path dir = fs::temp_directory_path() / ("hasim-output-test-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path f = dir / "trace.jsonl";
  scenarios::write_file_atomic(f.string(), "first\n");
  scenarios::write_file_atomic(f.string(), "second\n");
  std::ifstream in(f);
  std::stringstream ss;
  ss << in.rdbuf();
  CHECK(ss.str() == "second\n");
  int entries = 0;
  for (const auto& e : fs::directory_iterator(dir)) entries += e.is_regular_file() ? 1 : 0;
  CHECK(entries == 1);
  fs::remove_all(dir);
}

TEST_CASE("an output file that cannot be written is an error naming it, and leaves nothing", "[output]") {
  const fs::path f = fs::temp_directory_path() / ("hasim-no-such-dir-" + std::to_string(::getpid())) / "out.csv";
  CHECK_THROWS_WITH(scenarios::write_file_atomic(f.string(), "x"), Catch::Contains("cannot write " + f.string()));
  CHECK_FALSE(fs::exists(f.parent_path()));
}

TEST_CASE("run summaries give min, median, nearest-rank p95 and max per metric", "[output]") {
  std::vector<scenarios::RunResult> runs(20);
  for (int i = 0; i < 20; ++i) {
    runs[static_cast<std::size_t>(i)].metrics["x"] = 20 - i;  // 20 .. 1, unsorted on purpose
    if (i < 3) runs[static_cast<std::size_t>(i)].metrics["rare"] = i;
  }
  const auto s = scenarios::summarize(runs);
  REQUIRE(s.count("x") == 1);
  CHECK(s.at("x").count == 20);
  CHECK(s.at("x").min == 1);
  CHECK(s.at("x").max == 20);
  CHECK(s.at("x").median == 10.5);
  CHECK(s.at("x").p95 == 19);  // rank ceil(0.95 x 20) = 19
  CHECK(s.at("rare").count == 3);
  CHECK(s.at("rare").median == 1);
  CHECK(s.at("rare").p95 == 2);
}
