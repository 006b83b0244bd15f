#include "sim/log.hpp"

#include <spdlog/sinks/stdout_sinks.h>

#include "sim/json.hpp"

namespace sim {

Log::Log(const Time* clock, const Time* origin) : clock_(clock), origin_(origin) {
  logger_ = std::make_shared<spdlog::logger>("hasim", std::make_shared<spdlog::sinks::stderr_sink_mt>());
  logger_->set_pattern("%v");  // no wall-clock stamp: the simulated one is prepended below
  logger_->set_level(spdlog::level::warn);
}

void Log::emit(spdlog::level::level_enum level, const std::string& text) {
  logger_->log(level, "[t={}s] {}", seconds_text(*clock_ - *origin_), text);
}

}  // namespace sim
