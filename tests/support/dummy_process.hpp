#pragma once
// A process that does nothing but exist: what a keepalived test needs of the container's other
// daemon (the haproxy that a track script looks for, or that starts before keepalived).
#include <string>
#include <utility>

#include "sim/node.hpp"
#include "sim/process.hpp"

namespace testing {

class DummyProcess final : public sim::Process {
 public:
  DummyProcess(sim::Node& node, std::string name) : sim::Process(node, std::move(name)) {}

 protected:
  void on_start() override {}
};

}  // namespace testing
