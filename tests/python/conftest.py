"""Shared paths for the Python tests. ctest sets HASIM_SOURCE_DIR, HASIM_BIN and PYTHONPATH
(the built module in build/python and the helpers in python/); run by hand, the paths default
to this checkout and its build/ directory."""
import os
import pathlib
import sys

SOURCE_DIR = pathlib.Path(os.environ.get("HASIM_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[2]))
BUILD_DIR = pathlib.Path(os.environ.get("HASIM_BUILD_DIR", SOURCE_DIR / "build"))
HASIM_BIN = pathlib.Path(os.environ.get("HASIM_BIN", BUILD_DIR / "hasim"))
DEMO = SOURCE_DIR / "scenarios" / "demo1-part1.yaml"
DEFAULT_SERVER = "nodes.haproxy.haproxy.backends.nginx_backend.default-server"

for p in (BUILD_DIR / "python", SOURCE_DIR / "python"):
    if str(p) not in sys.path and "HASIM_SOURCE_DIR" not in os.environ:
        sys.path.append(str(p))


def tiny_stack(duration="30s"):
    """A small stack as a Python dict: HAProxy, two nginx, a client, and nginx1 stopped at 10s."""
    return {
        "name": "tiny",
        "seed": 7,
        "duration": duration,
        "networks": {"net": {"subnet": "10.1.0.0/24"}},
        "nodes": {
            "lb": {
                "networks": ["net"],
                "haproxy": {
                    "defaults": {"mode": "http", "timeout connect": "1s", "timeout check": "1s"},
                    "resolvers": {"dns": {"hold valid": "10s"}},
                    "frontends": {"front": {"bind": "*:80", "default_backend": "web"}},
                    "backends": {
                        "web": {
                            "balance": "roundrobin",
                            "option httpchk": "GET /",
                            "default-server": {"check": True, "inter": 1000, "fall": 2, "rise": 2,
                                               "resolvers": "dns", "init-addr": "libc,none"},
                            "servers": {"web1": {"address": "web1:80"}, "web2": {"address": "web2:80"}},
                        }
                    },
                },
            },
            "web1": {"networks": ["net"], "nginx": {"files": ["/"]}},
            "web2": {"networks": ["net"], "nginx": {"files": ["/"]}},
            "client": {"networks": ["net"]},
        },
        "workloads": {"load": {"node": "client", "url": "http://lb:80/", "interval": 0.25, "start": "2s"}},
        "faults": [{"at": "10s", "stop": "web1"}],
        "invariants": ["backend_available"],
    }
