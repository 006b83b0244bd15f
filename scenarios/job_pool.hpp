#pragma once
// A pool of threads over numbered jobs, shared by `sweep` and `explore`. Jobs are handed out in
// index order and each writes only its own slot of the caller's results, so the results are the
// same for any number of threads. A stop request (Ctrl-C) hands out no new job: the jobs done
// are then always the first `n`, never a scattered set.
#include <atomic>
#include <cstddef>
#include <functional>

namespace scenarios {

struct JobPoolOptions {
  int jobs = 1;
  /// Called after each job, from one thread at a time.
  std::function<void(std::size_t done, std::size_t total)> on_progress;
  /// Set (by a signal handler, a deadline) to stop handing out jobs.
  const std::atomic<bool>* stop = nullptr;
};

/// Runs job(0) .. job(count - 1) on up to `jobs` threads (the caller's included) and returns how
/// many were run: `count`, or fewer after a stop request. The first exception a job throws is
/// rethrown once every thread has finished.
std::size_t run_jobs(std::size_t count, const std::function<void(std::size_t index)>& job, const JobPoolOptions& options);

}  // namespace scenarios
