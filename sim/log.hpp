#pragma once
// spdlog, stamped with simulated time (never wall time), in the scenario's time as the trace is
// (from the run's origin: negative during a set-up before time 0). One logger per Simulation,
// unregistered, so concurrent runs in a sweep never share state.
#include <memory>
#include <string>

#include <spdlog/spdlog.h>

#include "sim/time.hpp"

namespace sim {

class Log {
 public:
  Log(const Time* clock, const Time* origin);
  void set_level(spdlog::level::level_enum level) { logger_->set_level(level); }
  bool enabled(spdlog::level::level_enum level) const { return logger_->should_log(level); }
  template <typename... Args>
  void debug(spdlog::format_string_t<Args...> fmt, Args&&... args) {
    if (enabled(spdlog::level::debug)) emit(spdlog::level::debug, fmt::format(fmt, std::forward<Args>(args)...));
  }
  template <typename... Args>
  void info(spdlog::format_string_t<Args...> fmt, Args&&... args) {
    if (enabled(spdlog::level::info)) emit(spdlog::level::info, fmt::format(fmt, std::forward<Args>(args)...));
  }
  template <typename... Args>
  void warn(spdlog::format_string_t<Args...> fmt, Args&&... args) {
    if (enabled(spdlog::level::warn)) emit(spdlog::level::warn, fmt::format(fmt, std::forward<Args>(args)...));
  }

 private:
  void emit(spdlog::level::level_enum level, const std::string& text);
  const Time* clock_;
  const Time* origin_;
  std::shared_ptr<spdlog::logger> logger_;
};

}  // namespace sim
