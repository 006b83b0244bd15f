#include "tools/allocator_tuning.hpp"

#include <limits.h>
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
  // The program's own path, not /proc/self/exe: the kernel names the process after the file
  // executed, and `ps`, `pkill hasim` and perf should still see hasim.
  char self[PATH_MAX];
  const ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) return;
  self[n] = '\0';
  if (setenv(kVariable, kAllocatorTunables, 1) != 0) return;
  execv(self, argv);
  unsetenv(kVariable);  // no exec (the file replaced or gone since): run untuned
}

}  // namespace tools
