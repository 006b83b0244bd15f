"""validation/run_netns.py's pure parts (names, the rendered stack read, addresses, the refusals)
and its teardown after a failure half-way through a stack's set-up (root only: ip netns)."""
import json
import os
import subprocess
import sys

import pytest

ROOT = os.environ.get("HASIM_SOURCE_DIR") or os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "validation"))
import parse_logs  # noqa: E402
import run_netns  # noqa: E402

# The layout `hasim render` writes (demo1-part2, trimmed).
COMPOSE = """# Rendered by `hasim render`.
version: "2.4"

services:
  haproxy1:
    build: ./images/haproxy-keepalived
    image: localhost/hasim/haproxy-keepalived:e249a8952705
    hostname: haproxy1
    command: [haproxy, keepalived]
    environment:
      HASIM_VIPS: "172.20.0.100"
    volumes:
      - ./haproxy1/haproxy.cfg:/etc/haproxy/haproxy.cfg:ro
      - ./haproxy1/keepalived.conf:/etc/keepalived/keepalived.conf:ro
    networks:
      ha-net:
        ipv4_address: 172.20.0.10
    cap_add: [NET_ADMIN, NET_RAW, NET_BROADCAST]
    stop_grace_period: 7s
  nginx1:
    build: ./images/nginx
    image: localhost/hasim/nginx:3a0b02c6a482
    hostname: nginx1
    command: [nginx]
    volumes:
      - ./nginx1/nginx.conf:/etc/nginx/nginx.conf:ro
      - ./nginx1/www:/var/www/hasim:ro
    networks:
      ha-net: {}
    stop_grace_period: 10s
  client:
    build: ./images/base
    image: localhost/hasim/base:000000000000
    hostname: client
    command: []
    networks:
      ha-net: {}

networks:
  ha-net:
    driver: bridge
    internal: true
"""


def plan_of(**kw):
    p = {"scenario": "t", "project": "hasim-t", "file": "t.yaml", "services": ["haproxy1", "nginx1", "client"],
         "networks": {"ha-net": {"subnet": "172.20.0.0/16", "gateway": "172.20.0.1"}},
         "vip_watch": [{"service": "haproxy1", "vips": ["172.20.0.100"]}], "faults": [], "postgres": []}
    p.update(kw)
    return p


def test_the_rendered_compose_file_gives_each_node_its_daemons_mounts_address_and_vips():
    s = run_netns.parse_compose(COMPOSE)
    assert list(s) == ["haproxy1", "nginx1", "client"]
    assert s["haproxy1"]["kind"] == "haproxy-keepalived"
    assert s["haproxy1"]["command"] == ["haproxy", "keepalived"]
    assert s["haproxy1"]["vips"] == ["172.20.0.100"]
    assert s["haproxy1"]["networks"] == {"ha-net": "172.20.0.10"}
    assert s["haproxy1"]["grace_s"] == 7.0
    assert ("./nginx1/www", "/var/www/hasim") in s["nginx1"]["volumes"]
    assert s["nginx1"]["networks"] == {"ha-net": ""}
    assert s["client"]["command"] == [] and s["client"]["kind"] == "base"


def test_nodes_without_a_fixed_address_never_get_a_vip_the_gateway_or_another_nodes_address():
    s = run_netns.parse_compose(COMPOSE)
    s["nginx1"]["networks"]["ha-net"] = ""
    addrs = run_netns.assign_addresses(plan_of(), s)
    assert addrs["haproxy1"] == {"ha-net": "172.20.0.10"}
    got = [addrs["nginx1"]["ha-net"], addrs["client"]["ha-net"]]
    assert got == ["172.20.0.2", "172.20.0.3"]
    small = plan_of(networks={"ha-net": {"subnet": "172.20.0.0/30", "gateway": "172.20.0.1"}})
    s["haproxy1"]["networks"]["ha-net"] = "172.20.0.2"
    with pytest.raises(run_netns.PlanError, match="no free address"):
        run_netns.assign_addresses(small, s)


def test_namespace_names_differ_between_invocations_and_runs_and_are_valid():
    a = run_netns.ns_names("abc123", 0, ["haproxy1", "nginx1"], ["ha-net"])
    b = run_netns.ns_names("abc123", 1, ["haproxy1", "nginx1"], ["ha-net"])
    c = run_netns.ns_names("def456", 0, ["haproxy1", "nginx1"], ["ha-net"])
    every = [n for x in (a, b, c) for n in list(x["nodes"].values()) + list(x["bridges"].values())]
    assert len(every) == len(set(every))
    assert all(n.startswith("hasim-") and "/" not in n for n in every)
    assert a["nodes"]["haproxy1"] == "hasim-abc123-0-n-haproxy1"
    with pytest.raises(run_netns.PlanError):
        run_netns.ns_names("abc123", 0, ["x" * 300], ["ha-net"])


def test_a_network_rule_fault_is_refused_naming_its_source():
    s = run_netns.parse_compose(COMPOSE)
    plan = plan_of(faults=[{"index": 0, "action": "partition", "source": "t.yaml:40",
                            "steps": [{"op": "block", "service": "haproxy1"}], "undo": []}])
    with pytest.raises(run_netns.PlanError, match=r"t\.yaml:40: partition \(block\) is not replayed"):
        run_netns.check_plan(plan, "/nonexistent", s)


def test_a_server_that_asks_the_engines_dns_is_refused_with_its_file_and_line(tmp_path):
    s = run_netns.parse_compose(COMPOSE)
    (tmp_path / "haproxy1").mkdir()
    (tmp_path / "haproxy1" / "haproxy.cfg").write_text(
        "resolvers docker\n    nameserver dns1 10.89.4.1:53\nbackend b\n"
        "    server nginx1 nginx1:80 check resolvers docker init-addr libc,none\n")
    with pytest.raises(run_netns.PlanError, match=r"haproxy1/haproxy\.cfg:4: server nginx1"):
        run_netns.check_plan(plan_of(), str(tmp_path), s)
    # An unused resolvers section asks nothing: accepted.
    (tmp_path / "haproxy1" / "haproxy.cfg").write_text("resolvers docker\n    nameserver dns1 10.89.4.1:53\n"
                                                       "backend b\n    server nginx1 nginx1:80 check\n")
    run_netns.check_plan(plan_of(), str(tmp_path), s)


def test_a_node_mounts_its_files_before_its_own_tmp_and_run_hide_where_they_live(monkeypatch):
    # The order, not this host's files: /etc/nginx/nginx.conf exists wherever nginx is installed
    # (a validation host), and the test must not depend on that.
    real_exists = os.path.exists
    monkeypatch.setattr(run_netns.os.path, "exists", lambda p: p == "/etc/nginx/nginx.conf" or real_exists(p))
    script = run_netns.node_setup_script("nginx1", "/w/hosts", "/w/run", "/w/tmp",
                                         [("./nginx1/nginx.conf", "/etc/nginx/nginx.conf")], "/tmp/rendered", "/w/entry.sh")
    lines = script.splitlines()
    conf = next(i for i, l in enumerate(lines) if "/etc/nginx/nginx.conf" in l and l.startswith("mount"))
    tmp = next(i for i, l in enumerate(lines) if l.endswith(" /tmp"))
    assert conf < tmp
    assert lines[-1] == 'exec bash /w/entry.sh "$@"'


def test_a_mount_target_that_needs_a_whole_system_directory_covered_is_refused():
    with pytest.raises(run_netns.PlanError, match="cannot mount /etc/hasim-nowhere"):
        run_netns.node_setup_script("n", "/h", "/r", "/t", [("./x", "/etc/hasim-nowhere")], "/r", "/e")


def test_the_workloads_scripts_are_found_at_the_copied_image_directory():
    assert run_netns.host_path("/w/images/base", ["/hasim/load.sh", "http://x/", "/hasim"]) == \
        ["/w/images/base/load.sh", "http://x/", "/hasim"]


def test_a_line_stamped_here_reads_back_to_the_same_nanosecond():
    ns = 1796283325491474997
    got, msg = parse_logs.parse_timestamp_line(run_netns.stamp(ns) + " Server a/b is DOWN.")
    assert got == ns and msg == "Server a/b is DOWN."


def test_a_stack_that_fails_half_way_through_its_setup_leaves_no_namespace(tmp_path, monkeypatch):
    if os.geteuid() != 0 or subprocess.run(["ip", "netns", "list"], capture_output=True).returncode != 0:
        pytest.skip("needs root and ip netns")
    monkeypatch.setattr(run_netns, "NETNS_STATE", str(tmp_path / "state"))
    s = run_netns.parse_compose(COMPOSE)
    rendered = tmp_path / "stack"
    for kind in ("haproxy-keepalived", "nginx", "base"):
        (rendered / "images" / kind / "hasim").mkdir(parents=True)
        (rendered / "images" / kind / "hasim" / "entrypoint.sh").write_text("#!/bin/bash\n")
    stack = run_netns.NetnsStack(str(rendered), plan_of(), s, "t" + os.urandom(3).hex())
    stack.prepare(0, str(tmp_path))

    def boom(svc):
        raise RuntimeError("the daemon could not start")
    monkeypatch.setattr(stack, "start_node", boom)
    with pytest.raises(RuntimeError, match="could not start"):
        stack.up()
    names = list(stack.names["nodes"].values()) + list(stack.names["bridges"].values())
    assert set(names) <= run_netns.netns_list()  # they did exist
    assert stack.down() == []
    assert not set(names) & run_netns.netns_list()
    assert not os.path.exists(stack.statefile)


def test_run_netns_refuses_a_rendering_it_cannot_run_with_exit_2(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("run_netns.py checks root first")
    (tmp_path / "plan.json").write_text(json.dumps(plan_of(postgres=[{"service": "pg"}])))
    (tmp_path / "docker-compose.yml").write_text(COMPOSE)
    r = subprocess.run([sys.executable, os.path.join(ROOT, "validation", "run_netns.py"), str(tmp_path), "--out",
                        str(tmp_path / "o.json")], capture_output=True, text=True, timeout=60)
    assert r.returncode == 2
    assert "plan.json: postgres" in r.stderr
    assert not (tmp_path / "o.json").exists()


def test_a_daemon_started_alone_is_timed_from_its_command_to_its_ready_line():
    t0 = 1_796_283_325_000_000_000
    plan = {"ready_logs": {"nginx": "start worker process"}, "logs": ["nginx1"]}
    res = {"t0_ns": t0, "faults": [
        {"kind": "fault", "action": "start", "target": "nginx1/nginx", "t_s": 50.0,
         "shell": ["ip netns exec nginx1 /hasim/run-nginx.sh"]},
        {"kind": "fault", "action": "start", "target": "nginx2", "t_s": 51.0, "shell": ["# nginx2: boot"]}]}
    logs = {"nginx1": [run_netns.stamp(t0 + 49_000_000_000) + " 2026/12/03 start worker process 7",  # before: not it
                       run_netns.stamp(t0 + 50_250_000_000) + " 2026/12/03 start worker process 9",
                       run_netns.stamp(t0 + 50_900_000_000) + " 2026/12/03 start worker process 10"]}
    assert run_netns.process_startups(plan, res, logs) == {"nginx": [0.25]}


def test_daemons_running_before_time_0_leave_no_first_start_up_for_the_model(tmp_path):
    res = {"t0_ns": 0, "faults": [], "startup_delays_s": {"first": {"nginx": [0.3]}, "later": {}}}
    run_netns.netns_measures({"logs": [], "ready_logs": {}}, res, str(tmp_path))
    assert res["startup_delays_s"]["first"] == {}


def test_each_fault_is_recorded_as_the_hosts_command_it_stands_for():
    s = run_netns.parse_compose(COMPOSE)
    stack = run_netns.NetnsStack("/nonexistent", plan_of(), s, "abc123")
    proc = {"steps": [{"op": "exec", "service": "nginx1", "argv": ["pkill", "-QUIT", "-x", "nginx"]}]}
    assert stack.fault_shell(proc) == ["ip netns exec nginx1 pkill -QUIT -x nginx"]
    shut = stack.fault_shell({"steps": [{"op": "stop", "service": "nginx1", "timeout_s": 10}]})
    assert "SIGTERM" in shut[0] and "SIGKILL after 10 s" in shut[0] and "link set down" in shut[0]
    assert "SIGKILL" in stack.fault_shell({"steps": [{"op": "kill", "service": "nginx1"}]})[0]
    # A process fault's duration counts as the host's exec latency in run_real's analysis.
    f = {"kind": "fault", "t_s": 20.0, "done_s": 20.2, "shell": stack.fault_shell(proc)}
    assert parse_logs.operator_exec_delays([f]) == [pytest.approx(0.2)]
