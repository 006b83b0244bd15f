// The `nginx:` section of a node: a static site (`files`) or a reverse proxy (`proxy_pass`).
#include "scenarios/loader.hpp"
#include "scenarios/reader.hpp"

namespace scenarios {

models::NginxConfig read_nginx(const Tree& t, const std::string& path) {
  models::NginxConfig c;
  if (t.kind == Tree::Kind::Null) return c;  // `nginx:` alone: the defaults
  MapReader r(t, path, {"listen", "files", "service_time", "proxy_pass", "proxy_connect_timeout", "proxy_read_timeout",
                        "start_delay", "stop_delay"});
  c.listen = static_cast<std::uint16_t>(r.integer("listen", c.listen, 1, 65535));
  if (r.has("files")) {
    c.files = r.str_list("files");
    for (std::size_t i = 0; i < c.files.size(); ++i)
      if (c.files[i].empty() || c.files[i][0] != '/') fail(*r.get("files"), r.sub("files"), "paths must start with '/'");
  }
  if (auto d = r.distribution("service_time")) c.service_time = *d;
  c.proxy_pass = r.str("proxy_pass", "");
  c.proxy_connect_timeout = r.duration("proxy_connect_timeout", c.proxy_connect_timeout);
  c.proxy_read_timeout = r.duration("proxy_read_timeout", c.proxy_read_timeout);
  return c;
}

}  // namespace scenarios
