"""A real `cairn` process on 127.0.0.1, driven by Debian's Chromium through Playwright."""

import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[2]
ADMIN = ("admin", "admin-password")


def cairn_binary() -> str:
    explicit = os.environ.get("CAIRN_BIN")
    if explicit:
        return explicit
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    return str(target / "debug" / "cairn")


def fresh_database():
    """A new, empty database on the server `CAIRN_BROWSER_DATABASE` names (`postgres` or `mysql`,
    reached as `.ci/run` reaches them), or None for the embedded SQLite. Returns (url, drop)."""
    kind = os.environ.get("CAIRN_BROWSER_DATABASE", "sqlite")
    if kind == "sqlite":
        return None, lambda: None
    name = "cairn_browser_" + uuid.uuid4().hex[:12]
    if kind == "postgres":
        server = os.environ.get("CAIRN_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
        subprocess.run(["psql", server, "-qtAc", f"CREATE DATABASE {name}"], check=True)
        url = server.rsplit("/", 1)[0] + "/" + name
        return url, lambda: subprocess.run(["psql", server, "-qtAc", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"],
                                           check=False, capture_output=True)
    if kind == "mysql":
        server = os.environ.get("CAIRN_TEST_MYSQL_URL", "mysql://root@127.0.0.1:3306/mysql")
        client = ["mariadb", "-h", "127.0.0.1", "-P", "3306", "-u", "root"]
        subprocess.run([*client, "-e", f"CREATE DATABASE {name} CHARACTER SET utf8mb4"], check=True)
        url = server.rsplit("/", 1)[0] + "/" + name
        return url, lambda: subprocess.run([*client, "-e", f"DROP DATABASE IF EXISTS {name}"],
                                           check=False, capture_output=True)
    raise ValueError(f"CAIRN_BROWSER_DATABASE must be sqlite, postgres or mysql, not {kind!r}")


class Node:
    """One `cairn serve` on a fresh home (and, with `CAIRN_BROWSER_DATABASE`, a fresh database on
    PostgreSQL or MariaDB); stops with SIGTERM."""

    def __init__(self, database_url=None, with_admin=True):
        self.home = tempfile.mkdtemp(prefix="cairn-browser-")
        self.drop_database = lambda: None
        if database_url is None:
            database_url, self.drop_database = fresh_database()
        env = {k: v for k, v in os.environ.items() if not k.startswith("CAIRN_")}
        env.update(NO_COLOR="1")
        # Without an administrator in the settings, a fresh home starts in the setup wizard.
        if with_admin:
            env.update(CAIRN_ADMIN_USER=ADMIN[0], CAIRN_ADMIN_PASSWORD=ADMIN[1])
        if database_url:
            env["CAIRN_DATABASE_URL"] = database_url
        self.process = subprocess.Popen(
            [cairn_binary(), "serve", "--home", self.home, "--listen", "127.0.0.1:0"],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
        )
        self.log = []
        self.base_url = None
        ready = threading.Event()

        def read():
            for line in self.process.stdout:
                self.log.append(line)
                match = re.search(r"serving on (http://\S+)", line)
                if match:
                    self.base_url = match.group(1)
                    ready.set()

        threading.Thread(target=read, daemon=True).start()
        if not ready.wait(60):
            self.stop()
            raise RuntimeError("cairn did not start:\n" + "".join(self.log))

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
        shutil.rmtree(self.home, ignore_errors=True)
        self.drop_database()


@pytest.fixture
def node():
    running = Node()
    yield running
    running.stop()


@pytest.fixture(scope="session")
def browser():
    executable = shutil.which("chromium") or "/usr/bin/chromium"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=executable,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic",
                  "--no-first-run", "--disable-component-update", "--disable-sync"],
        )
        yield launched
        launched.close()


@pytest.fixture
def artifacts():
    directory = Path(os.environ.get("CAIRN_BROWSER_ARTIFACTS", tempfile.mkdtemp(prefix="cairn-shots-")))
    directory.mkdir(parents=True, exist_ok=True)
    return directory


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """When a test fails, keeps a screenshot and the HTML of every page still open in the browser
    (in $CAIRN_BROWSER_ARTIFACTS, else a temporary directory), and says where."""
    outcome = yield
    report = outcome.get_result()
    launched = item.funcargs.get("browser") if hasattr(item, "funcargs") else None
    if report.when != "call" or not report.failed or launched is None:
        return
    directory = Path(os.environ.get("CAIRN_BROWSER_ARTIFACTS", tempfile.mkdtemp(prefix="cairn-failure-")))
    directory.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", item.nodeid)
    kept = []
    for c, context in enumerate(launched.contexts):
        for p, page in enumerate(context.pages):
            stem = directory / f"failure-{name}-{c}-{p}"
            try:
                page.screenshot(path=f"{stem}.png", full_page=True)
                Path(f"{stem}.html").write_text(page.content())
                kept.append(f"{stem}.png")
            except Exception as problem:  # a closed or crashed page: note it, keep the report
                kept.append(f"{stem}: not saved ({problem})")
    if kept:
        report.sections.append(("browser state at the failure", "\n".join(kept)))
