#include "scenarios/job_pool.hpp"

#include <algorithm>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace scenarios {

std::size_t run_jobs(std::size_t count, const std::function<void(std::size_t index)>& job, const JobPoolOptions& options) {
  std::atomic<std::size_t> next{0};
  std::atomic<std::size_t> done{0};
  std::mutex progress_mutex;
  std::exception_ptr error;
  std::mutex error_mutex;
  auto stopped = [&] { return options.stop != nullptr && options.stop->load(); };
  auto worker = [&] {
    for (;;) {
      if (stopped()) return;
      const std::size_t i = next.fetch_add(1);
      if (i >= count) return;
      try {
        job(i);
      } catch (...) {
        std::lock_guard<std::mutex> lock(error_mutex);
        if (!error) error = std::current_exception();
      }
      const std::size_t d = ++done;
      if (options.on_progress) {
        std::lock_guard<std::mutex> lock(progress_mutex);
        options.on_progress(d, count);
      }
    }
  };
  const int n = std::max(1, static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(std::max(options.jobs, 1)), count)));
  std::vector<std::thread> threads;
  for (int t = 1; t < n; ++t) threads.emplace_back(worker);
  worker();
  for (auto& t : threads) t.join();
  if (error) std::rethrow_exception(error);
  // Every index handed out was run to its end: those below min(next, count).
  return std::min<std::size_t>(next.load(), count);
}

}  // namespace scenarios
