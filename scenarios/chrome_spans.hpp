#pragma once
// The intervals of a run, for the Chrome/Perfetto trace: what was in effect from when to when
// (fault windows from a fault to its end, VRRP states, VIP holding, servers DOWN or in
// maintenance, each request from send to answer), read back from the trace's records. A fault
// without `for:` (a stop, a start) has no end record: it stays an instant. Only the Chrome view
// uses them; the JSON Lines trace and its hash are untouched.
#include <vector>

#include "sim/time.hpp"
#include "sim/trace.hpp"

namespace scenarios {

/// Spans from `records` (in trace order), an interval still open at `end` closing there. Each
/// kind of interval has its own track per owner ("haproxy1 vrrp VI_1", "haproxy1 VIP
/// 172.20.0.100", "haproxy server nginx_backend/nginx1", "client requests load", "fault FILE:LINE
/// ACTION"), so spans on one track never overlap. Deterministic: in the order of the records that
/// open them (a fault window: of the record that ends it).
std::vector<sim::Trace::Span> chrome_spans(const std::vector<sim::TraceRecord>& records, sim::Time end);

}  // namespace scenarios
