#pragma once
// What a run prints: a readable summary for people, JSON for programs.
#include <map>
#include <string>
#include <vector>

#include "scenarios/runner.hpp"

namespace scenarios {

struct Summary {
  double min = 0, median = 0, p95 = 0, max = 0;
  std::size_t count = 0;
};
/// Nearest-rank statistics per metric over runs (a metric absent from a run counts as absent).
std::map<std::string, Summary> summarize(const std::vector<RunResult>& runs);

std::string human_report(const ScenarioSpec& spec, const RunResult& r, bool color);
std::string human_summary(const ScenarioSpec& spec, const std::vector<RunResult>& runs);
std::string result_json(const RunResult& r, const std::string& file, bool pretty);
std::string runs_json(const ScenarioSpec& spec, const std::vector<RunResult>& runs, bool pretty);
/// One event as a short line: "server_down haproxy nginx_backend/nginx1 (L4TOUT)".
std::string describe_event(const sim::TraceRecord& e);
/// A fault as its action and everything it applies to: "stop nginx1", "drop vrrp from
/// haproxy1 to haproxy2", "partition [lb1] | [lb2, web1]", "heal all".
std::string fault_summary(const FaultSpec& f);
/// Most lines a report's timeline holds beyond the events it always shows (faults, errors).
constexpr std::size_t kTimelineLines = 1000;

}  // namespace scenarios
