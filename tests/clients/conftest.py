"""A real `cairn serve` on 127.0.0.1 per test module, for the Python client libraries to drive.

The binary is `$CAIRN_BIN`, else `$CARGO_TARGET_DIR/debug/cairn` (default target dir: the repository's
`target`). `CAIRN_DATABASE_URL`, when set, is passed to the server (run.sh points it at a fresh
PostgreSQL or MySQL database); every other CAIRN_* variable is removed from the server's environment.
"""

import os
import re
import secrets
import shutil
import signal
import string
import subprocess
import tempfile
import threading
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
ADMIN_USER = "admin"
ADMIN_PASSWORD = "admin-password"
READY = re.compile(r"Cairn is serving on (http://127\.0\.0\.1:\d+)")


def cairn_binary() -> str:
    explicit = os.environ.get("CAIRN_BIN")
    if explicit:
        return explicit
    target = Path(os.environ.get("CARGO_TARGET_DIR") or ROOT / "target")
    return str(target / "debug" / "cairn")


class CairnServer:
    """One `cairn serve` process on a fresh home directory; stopped with SIGTERM."""

    def __init__(self):
        self.home = tempfile.mkdtemp(prefix="cairn-clients-")
        env = {k: v for k, v in os.environ.items() if not k.startswith("CAIRN_")}
        if os.environ.get("CAIRN_DATABASE_URL"):
            env["CAIRN_DATABASE_URL"] = os.environ["CAIRN_DATABASE_URL"]
        env.update(CAIRN_ADMIN_USER=ADMIN_USER, CAIRN_ADMIN_PASSWORD=ADMIN_PASSWORD, NO_COLOR="1")
        self.process = subprocess.Popen(
            [cairn_binary(), "serve", "--home", self.home, "--listen", "127.0.0.1:0"],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
            env=env,
        )
        self.log: list[str] = []
        self.url: str | None = None
        ready = threading.Event()

        def drain():
            # Keep reading after the banner so the server never blocks on a full pipe.
            for line in self.process.stdout:
                self.log.append(line)
                if self.url is None:
                    match = READY.search(line)
                    if match:
                        self.url = match.group(1)
                        ready.set()
            ready.set()

        threading.Thread(target=drain, daemon=True).start()
        if not ready.wait(90) or self.url is None:
            self.stop()
            raise RuntimeError("cairn did not start:\n" + "".join(self.log[-50:]))

    @property
    def auth(self):
        return (ADMIN_USER, ADMIN_PASSWORD)

    def log_tail(self, lines: int = 40) -> str:
        return "".join(self.log[-lines:])

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        shutil.rmtree(self.home, ignore_errors=True)

    # Helpers that talk to the server directly (not through a client library), to check what the
    # clients did. They use Basic auth as the administrator.

    def api(self, method: str, path: str, **kwargs) -> requests.Response:
        kwargs.setdefault("auth", self.auth)
        kwargs.setdefault("timeout", 30)
        return requests.request(method, self.url + path, **kwargs)

    def create_token(self, name: str = "t") -> str:
        response = self.api("POST", "/rest/pat/latest/tokens", json={"name": name})
        assert response.status_code == 201, response.text
        return response.json()["rawToken"]

    def create_token_with_cli(self, name: str = "cli") -> str:
        """`cairn admin create-token` against this server's home (and database)."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("CAIRN_")}
        if os.environ.get("CAIRN_DATABASE_URL"):
            env["CAIRN_DATABASE_URL"] = os.environ["CAIRN_DATABASE_URL"]
        env["NO_COLOR"] = "1"
        result = subprocess.run(
            [cairn_binary(), "admin", "create-token", "--home", self.home, "--username", ADMIN_USER, "--name", name],
            capture_output=True, text=True, timeout=60, env=env, stdin=subprocess.DEVNULL,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout.strip().splitlines()[-1].strip()

    def create_user(self, username: str, password: str) -> None:
        """`cairn admin create-user` against this server's home (and database): a normal user."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("CAIRN_")}
        if os.environ.get("CAIRN_DATABASE_URL"):
            env["CAIRN_DATABASE_URL"] = os.environ["CAIRN_DATABASE_URL"]
        env["NO_COLOR"] = "1"
        result = subprocess.run(
            [cairn_binary(), "admin", "create-user", "--home", self.home, "--username", username,
             "--password", password],
            capture_output=True, text=True, timeout=60, env=env, stdin=subprocess.DEVNULL,
        )
        assert result.returncode == 0, result.stdout + result.stderr

    def create_space(self, key: str, name: str | None = None) -> dict:
        response = self.api("POST", "/rest/api/space", json={"key": key, "name": name or f"Space {key}"})
        assert response.status_code == 200, response.text
        return response.json()

    def content(self, content_id, **params) -> dict:
        response = self.api("GET", f"/rest/api/content/{content_id}", params=params)
        assert response.status_code == 200, response.text
        return response.json()

    def find(self, space_key: str, title: str, **params) -> list[dict]:
        params.update(spaceKey=space_key, title=title)
        response = self.api("GET", "/rest/api/content", params=params)
        assert response.status_code == 200, response.text
        return response.json()["results"]


@pytest.fixture(scope="module")
def server():
    running = CairnServer()
    yield running
    running.stop()


@pytest.fixture
def space_key(server) -> str:
    """A fresh space for one test, created through the REST API."""
    key = unique_key()
    server.create_space(key, f"Space {key}")
    return key


@pytest.fixture(scope="session")
def new_key():
    """Makes unique space keys: `new_key("A")`."""
    return unique_key


def unique_key(prefix: str = "T") -> str:
    """A space key no other test (or earlier run on the same database) uses."""
    return prefix + "".join(secrets.choice(string.ascii_uppercase + string.digits) for _ in range(7))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" and report.failed:
        running = item.funcargs.get("server")
        if isinstance(running, CairnServer):
            report.sections.append(("cairn server log (tail)", running.log_tail()))
