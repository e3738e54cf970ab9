"""Test copies of the proxy configurations: the same files, with only what must differ here changed.

What is changed, and nothing else: the listening address (a free port on 127.0.0.1), the node
addresses (the test's nodes on 127.0.0.1), and files nginx writes (pid, logs, temporary bodies) moved
into a temporary prefix; optionally a response header naming the node that answered, so that a test
can see where requests went.
"""

from __future__ import annotations

import re
from pathlib import Path

PLACEHOLDER_NODES = re.compile(r"\b10\.0\.0\.\d+:8090\b|\bcairn-\d:8090\b")


def nginx_copy(source: Path, prefix: Path, port: int, nodes: list[int], tag_upstream: bool = False,
               run_as_root: bool = True) -> Path:
    text = source.read_text()
    text = re.sub(r"^user [^;]+;", "user root;" if run_as_root else "", text, flags=re.M)
    text = re.sub(r"^pid [^;]+;", f"pid {prefix}/nginx.pid;", text, flags=re.M)
    text = re.sub(r"^error_log [^;]+;", f"error_log {prefix}/error.log info;", text, flags=re.M)
    text = re.sub(r"access_log (?!off)[^;]+;", f"access_log {prefix}/access.log;", text)
    text = re.sub(r"^\s*listen \[::\]:80;\n", "", text, flags=re.M)
    text = re.sub(r"listen 80;", f"listen 127.0.0.1:{port};", text)
    servers = "".join(
        f"        server 127.0.0.1:{node} max_fails=2 fail_timeout=5s;\n" for node in nodes
    )
    text, count = re.subn(r"(upstream cairn_nodes \{\n(?:.*\n)*?)((?:\s*server [^\n]+\n)+)",
                          lambda m: m.group(1) + servers, text)
    assert count == 1, "no upstream block with server lines"
    temp = "".join(
        f"    {name}_temp_path {prefix}/{name};\n" for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    extra = f"add_header X-Cairn-Upstream $upstream_addr always;\n" if tag_upstream else ""
    text = text.replace("http {\n", "http {\n" + temp + (f"    {extra}" if extra else ""), 1)
    assert not PLACEHOLDER_NODES.search(text), "a node address was left unchanged"
    target = prefix / "nginx.conf"
    target.write_text(text)
    return target


def haproxy_copy(source: Path, directory: Path, port: int, nodes: list[int], tag_upstream: bool = False) -> Path:
    text = source.read_text()
    text = re.sub(r"^(\s*)bind :80\b", rf"\g<1>bind 127.0.0.1:{port}", text, flags=re.M)
    servers = "".join(f"    server node{i + 1} 127.0.0.1:{node}\n" for i, node in enumerate(nodes))
    text, count = re.subn(r"((?:    server [^\n]+\n)+)", servers, text)
    assert count == 1, "no server lines"
    if tag_upstream:
        text = text.replace("backend cairn_nodes\n",
                            "backend cairn_nodes\n    http-response set-header X-Cairn-Upstream %[srv_name]\n", 1)
    assert not PLACEHOLDER_NODES.search(text), "a node address was left unchanged"
    target = directory / "haproxy.cfg"
    target.write_text(text)
    return target
