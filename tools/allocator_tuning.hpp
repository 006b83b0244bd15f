#pragma once
// glibc's malloc as the simulator needs it, chosen before anything allocates.

namespace tools {

/// The GLIBC_TUNABLES the simulator runs with. A run frees and then allocates again bursts of
/// same-sized blocks (a message's payload, an event's capture, a query's text): glibc's per-thread
/// cache keeps 7 freed blocks of a size, and the rest went through its bins (_int_malloc and
/// _int_free were a fifth of a Demo 2 run's time). tcache_count keeps up to 1,000; hugetlb=1 asks
/// for transparent huge pages for the heap, so a growing run takes a page fault per 2 MiB instead
/// of per 4 KiB (where the host's THP setting is madvise or always).
inline constexpr const char* kAllocatorTunables = "glibc.malloc.tcache_count=1000:glibc.malloc.hugetlb=1";

/// glibc reads GLIBC_TUNABLES only when a program starts, so this re-executes the program (same
/// pid, arguments and descriptors) with kAllocatorTunables set, unless GLIBC_TUNABLES is already
/// set (to anything, even empty: the caller's choice wins). In the re-executed program it removes
/// the variable again, so nothing it starts (a real stack's daemons, the validation runner)
/// inherits it. Returns when there is nothing to do or the exec failed (the program then runs
/// with glibc's defaults). Call it first in main.
void tune_allocator(char** argv);

}  // namespace tools
