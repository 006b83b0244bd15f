#include "scenarios/checks/failover_script.hpp"

#include "models/failover_script/events.hpp"
#include "scenarios/checks/detection.hpp"
#include "scenarios/events.hpp"

namespace scenarios {
namespace {
namespace fs = models::failover_script;
namespace ev = scenarios::events;
}  // namespace

void FailoverScriptChecks::on_record(const sim::TraceRecord& r) {
  const std::string& k = r.kind;
  if (k == ev::kFault) {
    const std::string target = r.text(ev::field::kTarget);
    if (!fault_ && target.substr(0, target.find('/')) == primary_ && detection_direction(r.text(ev::field::kAction)) == "down")
      fault_ = r.time;
    return;
  }
  if (k == fs::kCheckFailed) {
    ++check_failed_;
    return;
  }
  if (!fault_) return;
  const double since = sim::to_seconds(r.time - *fault_);
  if (k == fs::kDetected) {
    m_.emplace("script.detect_s", since);
  } else if (k == fs::kPromoted) {
    const auto* ok = r.find("ok");
    if (ok != nullptr && std::holds_alternative<bool>(*ok) && std::get<bool>(*ok)) {
      m_.emplace("script.promote_s", since);
    }
  } else if (k == fs::kAppRepointed) {
    m_.emplace("script.app_repointed_s", since);
  } else if (k == fs::kRepointed) {
    m_["script.standbys_repointed_s"] = since;  // the last one stands
  }
}

void FailoverScriptChecks::finish(sim::Time, std::map<std::string, double>& m) {
  for (const auto& [k, v] : m_) m.emplace(k, v);
  m["script.check_failed"] = static_cast<double>(check_failed_);
}

std::vector<std::string_view> FailoverScriptChecks::reads() const {
  return {ev::kFault, fs::kCheckFailed, fs::kDetected, fs::kPromoted, fs::kAppRepointed, fs::kRepointed};
}

}  // namespace scenarios
