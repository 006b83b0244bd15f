// Helpers the renderers share: durations as HAProxy/nginx/curl write them, JSON strings, errors.
#include <algorithm>
#include <cstdio>
#include <sstream>

#include "scenarios/tree.hpp"
#include "sim/network.hpp"
#include "validation/render_detail.hpp"

namespace validation::detail {

void cannot_render(const std::string& where, const std::string& what) {
  throw scenarios::ScenarioError(scenarios::Source{}, where, "cannot be rendered for the real stack: " + what);
}

std::string join(const std::vector<std::string>& v, const std::string& sep) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

std::string json_str(const std::string& s) {
  std::string o = "\"";
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"') o += "\\\"";
    else if (c == '\\') o += "\\\\";
    else if (c == '\n') o += "\\n";
    else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      o += buf;
    } else o += ch;
  }
  return o + "\"";
}

std::string json_list(const std::vector<std::string>& v) {
  std::string o = "[";
  for (std::size_t i = 0; i < v.size(); ++i) o += (i ? ", " : "") + json_str(v[i]);
  return o + "]";
}

std::string haproxy_time(sim::Time t) {
  if (t < 0) t = 0;
  if (t % sim::kSecond == 0) return std::to_string(t / sim::kSecond) + "s";
  if (t % sim::kMillisecond == 0) return std::to_string(t / sim::kMillisecond) + "ms";
  return std::to_string((t + sim::kMicrosecond / 2) / sim::kMicrosecond) + "us";
}

std::string seconds(sim::Time t) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.9f", sim::to_seconds(t));
  std::string s = buf;
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s.empty() ? "0" : s;
}

std::string gateway_of(const std::string& subnet) {
  const auto slash = subnet.find('/');
  const auto ip = sim::Ipv4::parse(subnet.substr(0, slash));
  if (!ip) throw scenarios::ScenarioError(scenarios::Source{}, "networks", "bad subnet '" + subnet + "'");
  int bits = slash == std::string::npos ? 32 : std::stoi(subnet.substr(slash + 1));
  const std::uint32_t mask = bits <= 0 ? 0 : (bits >= 32 ? 0xffffffffu : ~((1u << (32 - bits)) - 1));
  sim::Ipv4 gw;
  gw.value = (ip->value & mask) + 1;
  return gw.str();
}

}  // namespace validation::detail
