#pragma once
// A list of timings in seconds as a real run's record holds it (run_real.py writes them), read
// with an error that names the file and line: what the session probe and the statement
// durations both read.
#include <string>
#include <vector>

#include "scenarios/tree.hpp"

namespace validation {

/// The numbers of `list`, called `key` in messages. Throws std::runtime_error
/// `PATH:LINE: KEY is not a list`, or `PATH:LINE: KEY: not a duration in seconds` for an entry
/// that is not a number or, unless `negative_ok`, is below zero.
std::vector<double> seconds_list(const scenarios::Tree& list, const std::string& path, const std::string& key,
                                 bool negative_ok = false);

}  // namespace validation
