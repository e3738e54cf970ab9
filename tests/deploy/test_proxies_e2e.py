"""Debian's nginx and HAProxy, configured from deploy/examples, in front of two real `cairn serve` nodes.

Everything listens on 127.0.0.1. The nodes share one fresh PostgreSQL database
(CAIRN_TEST_POSTGRES_URL, an admin URL; the database is dropped afterwards) or, without it, one
SQLite file (acceptable for two processes on one host), and one blob directory. The proxies run
from test copies of the example files (see proxies.py: ports, node addresses, written paths, and
a response header naming the node that answered).

Checked for each proxy: requests reach both nodes (no stickiness); a login session made through
the proxy works on both nodes; Host and X-Forwarded-* reach Cairn (links use the proxy's address);
a 40 MiB attachment streams through in a chunked upload and reads back the same through both
nodes; with one node stopped, every request still succeeds.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
import requests

from conftest import DEPLOY, cairn_binary, free_port, require_tool
from proxies import haproxy_copy, nginx_copy

ADMIN = ("admin", "admin-password-123")
START_TIMEOUT = 90


class Node:
    """`cairn serve` on 127.0.0.1:port with its own home, on the shared database and blob store."""

    def __init__(self, name: str, port: int, database_url: str, blobs: Path, base: Path):
        self.name, self.port = name, port
        self.home = base / name
        self.home.mkdir()
        self.url = f"http://127.0.0.1:{port}"
        self.database_url, self.blobs = database_url, blobs
        self.log: list[str] = []
        self.process: subprocess.Popen | None = None

    def start(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith("CAIRN_")}
        env.update(CAIRN_DATABASE_URL=self.database_url, CAIRN_BLOB_STORE=str(self.blobs),
                   CAIRN_ADMIN_USER=ADMIN[0], CAIRN_ADMIN_PASSWORD=ADMIN[1], NO_COLOR="1")
        self.process = subprocess.Popen(
            [cairn_binary(), "serve", "--home", str(self.home), "--listen", f"127.0.0.1:{self.port}"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True, env=env,
        )
        threading.Thread(target=lambda: self.log.extend(self.process.stdout), daemon=True).start()

    def wait_ready(self):
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited:\n" + "".join(self.log[-30:]))
            try:
                if requests.get(self.url + "/readyz", timeout=2).status_code == 200:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} not ready in {START_TIMEOUT}s:\n" + "".join(self.log[-30:]))

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


@pytest.fixture
def database(tmp_path):
    admin = os.environ.get("CAIRN_TEST_POSTGRES_URL")
    if not admin:
        yield f"sqlite://{tmp_path}/shared.db?mode=rwc"
        return
    name = "cairn_deploy_" + secrets.token_hex(5)
    subprocess.run(["psql", admin, "-v", "ON_ERROR_STOP=1", "-qc", f"CREATE DATABASE {name}"],
                   check=True, timeout=60, capture_output=True)
    parts = urlsplit(admin)
    try:
        yield urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, ""))
    finally:
        subprocess.run(["psql", admin, "-qc", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"],
                       timeout=60, capture_output=True)


@pytest.fixture
def nodes(database, tmp_path):
    if not Path(cairn_binary()).is_file():
        pytest.fail(f"no cairn binary at {cairn_binary()} (cargo build -p cairn, or set CAIRN_BIN)")
    blobs = tmp_path / "shared" / "blobs"
    blobs.mkdir(parents=True)
    started = [Node(f"node{i}", free_port(), database, blobs, tmp_path) for i in (1, 2)]
    try:
        # Both at once, as a rollout or a scale-out starts them: migrations take a lock.
        for node in started:
            node.start()
        for node in started:
            node.wait_ready()
        yield started
    finally:
        for node in started:
            node.stop()


class Proxy:
    def __init__(self, command: list[str], port: int, logs: list[Path]):
        self.url = f"http://127.0.0.1:{port}"
        self.logs = logs
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL, text=True)
        self.output: list[str] = []
        threading.Thread(target=lambda: self.output.extend(self.process.stdout), daemon=True).start()

    def wait_ready(self):
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("proxy exited: " + self.describe())
            try:
                if requests.get(self.url + "/readyz", timeout=2).status_code == 200:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.2)
        raise RuntimeError("proxy not ready: " + self.describe())

    def describe(self) -> str:
        text = "".join(self.output[-30:])
        for log in self.logs:
            if log.exists():
                text += f"\n--- {log.name}\n" + "\n".join(log.read_text().splitlines()[-30:])
        return text

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


@pytest.fixture(params=["nginx", "haproxy"])
def proxy(request, nodes, tmp_path):
    port = free_port()
    ports = [node.port for node in nodes]
    if request.param == "nginx":
        nginx = require_tool("nginx")
        prefix = Path(tempfile.mkdtemp(prefix="cairn-nginx-", dir=tmp_path))
        config = nginx_copy(DEPLOY / "examples" / "nginx.conf", prefix, port, ports, tag_upstream=True,
                            run_as_root=os.geteuid() == 0)
        command = [nginx, "-p", str(prefix), "-c", str(config), "-e", str(prefix / "error.log"),
                   "-g", "daemon off;"]
        logs = [prefix / "error.log"]
    else:
        haproxy = require_tool("haproxy")
        config = haproxy_copy(DEPLOY / "examples" / "haproxy.cfg", tmp_path, port, ports, tag_upstream=True)
        command = [haproxy, "-db", "-f", str(config)]
        logs = []
    running = Proxy(command, port, logs)
    try:
        running.wait_ready()
        if request.param == "haproxy":
            # Both nodes pass their /readyz checks before the test starts (rise 2, inter 2s).
            wait_for(lambda: served_by(running, 12) == {"node1", "node2"}, 20, "both nodes in rotation")
        yield running
    except Exception:
        print(running.describe())
        raise
    finally:
        running.stop()


def wait_for(check, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def node_name(response: requests.Response, nodes=None) -> str:
    """The node that answered, from the header the test copy adds (nginx: address; HAProxy: name)."""
    upstream = response.headers.get("X-Cairn-Upstream", "")
    match = re.search(r"127\.0\.0\.1:(\d+)$", upstream.split(",")[-1].strip())
    if match and nodes:
        return next(node.name for node in nodes if node.port == int(match.group(1)))
    return upstream


def served_by(proxy: Proxy, count: int, nodes=None, **kwargs) -> set[str]:
    seen = set()
    for _ in range(count):
        response = requests.get(proxy.url + "/rest/api/space", auth=ADMIN, timeout=10, **kwargs)
        if response.status_code == 200:
            seen.add(node_name(response, nodes))
    return seen


def test_balancing_sessions_uploads_and_failover(proxy, nodes):
    # 1. No stickiness: plain requests from one client reach both nodes.
    seen = set()
    for _ in range(20):
        response = requests.get(proxy.url + "/rest/api/space", auth=ADMIN, timeout=10)
        assert response.status_code == 200, response.text
        seen.add(node_name(response, nodes))
    assert seen == {"node1", "node2"}, seen

    # 2. Host and X-Forwarded-* reach the node: links are built on the proxy's address.
    body = requests.get(proxy.url + "/rest/api/space", auth=ADMIN, timeout=10).json()
    assert body["_links"]["base"] == proxy.url, body["_links"]

    # 3. A login session made through the proxy works on every node, through the proxy and directly.
    browser = requests.Session()
    login = browser.post(proxy.url + "/login.action", allow_redirects=False, timeout=30,
                         data={"os_username": ADMIN[0], "os_password": ADMIN[1], "os_destination": "/"})
    assert login.status_code in (302, 303), login.text[:500]
    assert "cairn_session" in browser.cookies
    seen = set()
    for _ in range(20):
        current = browser.get(proxy.url + "/rest/api/user/current", timeout=10)
        assert current.status_code == 200, current.text
        assert current.json()["username"] == ADMIN[0]
        seen.add(node_name(current, nodes))
    assert seen == {"node1", "node2"}, seen
    cookie = {"cairn_session": browser.cookies["cairn_session"]}
    for node in nodes:
        direct = requests.get(node.url + "/rest/api/user/current", cookies=cookie, timeout=10)
        assert direct.status_code == 200 and direct.json()["username"] == ADMIN[0], node.name

    # 4. A large attachment streams through (chunked, not buffered by the proxy) and is served by
    #    both nodes from the shared blob store.
    key = "D" + secrets.token_hex(3).upper()
    assert requests.post(proxy.url + "/rest/api/space", auth=ADMIN, timeout=30,
                         json={"key": key, "name": "Deploy test"}).status_code == 200
    page = requests.post(proxy.url + "/rest/api/content", auth=ADMIN, timeout=30, json={
        "type": "page", "title": "Uploads", "space": {"key": key},
        "body": {"storage": {"value": "<p>files</p>", "representation": "storage"}}})
    assert page.status_code == 200, page.text
    page_id = page.json()["id"]
    size = 40 * 1024 * 1024
    block = os.urandom(1024 * 1024)
    digest = hashlib.sha256(block * 40).hexdigest()
    boundary = "cairn-" + secrets.token_hex(8)

    def multipart():
        yield (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.bin\"\r\n"
               "Content-Type: application/octet-stream\r\n\r\n").encode()
        for _ in range(size // len(block)):
            yield block
        yield f"\r\n--{boundary}--\r\n".encode()

    upload = requests.post(
        f"{proxy.url}/rest/api/content/{page_id}/child/attachment", auth=ADMIN, timeout=120, data=multipart(),
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}", "X-Atlassian-Token": "no-check"})
    assert upload.status_code == 200, upload.text[:500]
    attachment = upload.json()["results"][0]
    assert attachment["extensions"]["fileSize"] == size
    download = attachment["_links"]["download"]
    for node in nodes:
        got = requests.get(node.url + download, auth=ADMIN, timeout=120)
        assert got.status_code == 200, (node.name, got.status_code)
        assert hashlib.sha256(got.content).hexdigest() == digest, node.name
    through = requests.get(proxy.url + download, auth=ADMIN, timeout=120)
    assert through.status_code == 200 and hashlib.sha256(through.content).hexdigest() == digest

    # 5. One node stops (SIGTERM, as a rollout or scale-down does): every request still succeeds,
    #    reads and writes, and the session still works.
    nodes[1].stop()
    for number in range(20):
        response = browser.get(proxy.url + "/rest/api/user/current", timeout=10)
        assert response.status_code == 200, (number, response.status_code, response.text[:300])
        assert node_name(response, nodes) == "node1"
    created = requests.post(proxy.url + "/rest/api/content", auth=ADMIN, timeout=30, json={
        "type": "page", "title": "After the failover", "space": {"key": key},
        "body": {"storage": {"value": "<p>still here</p>", "representation": "storage"}}})
    assert created.status_code == 200, created.text
    assert requests.get(proxy.url + "/readyz", timeout=10).status_code == 200
