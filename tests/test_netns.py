"""tests/netns.py: the loopback-only namespaces every GigE Vision client and device runs in."""

from __future__ import annotations

import os
import socket
import subprocess
import threading

import pytest

from tests import netns


def _ns_inode() -> int:
    return os.stat("/proc/thread-self/ns/net").st_ino


def test_context_holds_only_lo_and_restores_the_thread():
    before_ns, before_ifs = _ns_inode(), netns.interfaces()
    with netns.loopback_namespace():
        assert _ns_inode() != before_ns
        assert netns.interfaces() == ["lo"]
        assert netns.loopback_up()
        assert netns.inside()
        netns.require_loopback_only()
    assert _ns_inode() == before_ns
    assert netns.interfaces() == before_ifs
    assert not netns.inside()


def test_loopback_carries_udp_between_sockets_in_the_namespace():
    with (
        netns.loopback_namespace(),
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as rx,
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as tx,
    ):
        rx.bind(("127.0.0.1", 0))
        rx.settimeout(2)
        tx.sendto(b"ping", rx.getsockname())
        assert rx.recv(16) == b"ping"


def test_threads_and_subprocesses_started_inside_share_the_namespace():
    with netns.loopback_namespace():
        inside = _ns_inode()
        seen: list[tuple[int, list[str]]] = []
        t = threading.Thread(target=lambda: seen.append((_ns_inode(), netns.interfaces())))
        t.start()
        t.join()
        assert seen == [(inside, ["lo"])]
        links = netns.run(["ip", "-o", "link"], capture_output=True, text=True, check=True)
        assert [line.split(":")[1].strip() for line in links.stdout.splitlines()] == ["lo"]
        own = netns.run(["readlink", "/proc/self/ns/net"], capture_output=True, text=True)
        assert own.stdout.strip() == f"net:[{inside}]"


@pytest.mark.netns
def test_marker_puts_the_test_in_a_namespace():
    assert netns.inside()
    assert netns.interfaces() == ["lo"]


def test_wrapped_command_sees_only_lo_in_sysfs():
    argv = netns.command(["sh", "-c", "ls /sys/class/net; ip -o link | wc -l"])
    out = subprocess.run(argv, capture_output=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.decode().split() == ["lo", "1"]
    assert netns.run(["true"]).returncode == 0


def test_refuses_when_another_interface_is_visible():
    with netns.loopback_namespace():
        subprocess.run(
            ["ip", "link", "add", "ct0", "type", "veth", "peer", "name", "ct1"], check=True
        )
        assert netns.interfaces() == ["ct0", "ct1", "lo"]
        with pytest.raises(netns.NamespaceError, match=r"^refusing .* visible \(ct0, ct1, lo\)"):
            netns.require_loopback_only()
        with pytest.raises(netns.NamespaceError, match="interfaces other than lo"):
            netns.run(["true"])
        # the shell guard of command(), in this namespace (a private mount namespace for sysfs)
        guard = netns.command(["true"])[3:]
        r = subprocess.run(["unshare", "--mount", *guard], capture_output=True, text=True)
        assert r.returncode == netns.REFUSED
        assert "refusing to run" in r.stderr and "ct0" in r.stderr


# last: the module-scoped namespace stays active until the module ends
@pytest.mark.usefixtures("module_netns")
def test_nested_use_shares_the_outer_namespace():
    outer = _ns_inode()
    with netns.loopback_namespace():
        assert _ns_inode() == outer
        assert netns.interfaces() == ["lo"]
    assert _ns_inode() == outer
    assert netns.inside()
