#include "tools/allocator_tuning.hpp"

#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace tools {

void tune_allocator(char** argv) {
  constexpr const char* kVariable = "GLIBC_TUNABLES";
  if (const char* set = std::getenv(kVariable)) {
    // Ours: this is the re-executed program, tuned; its children get glibc's defaults.
    if (std::strcmp(set, kAllocatorTunables) == 0) unsetenv(kVariable);
    return;
  }
  if (setenv(kVariable, kAllocatorTunables, 1) != 0) return;
  execv("/proc/self/exe", argv);
  unsetenv(kVariable);  // no /proc, or no exec: run untuned
}

}  // namespace tools
