"""Shared helpers for the deployment tests (tests/deploy/run.sh runs them)."""

from __future__ import annotations

import os
import re
import shutil
import socket
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
CHART = DEPLOY / "helm" / "cairn"


def known_environment() -> set[str]:
    """Every environment variable Cairn reads, taken from its source (settings, blob store, home)."""
    names: set[str] = set()
    sources = [
        ROOT / "crates" / "cairn" / "src" / "config.rs",
        ROOT / "crates" / "cairn" / "src" / "main.rs",
        ROOT / "crates" / "cairn-blob" / "src" / "location.rs",
    ]
    for source in sources:
        names.update(re.findall(r'"((?:CAIRN|AWS)_[A-Z0-9_]+)"', source.read_text()))
    assert {"CAIRN_DATABASE_URL", "CAIRN_BLOB_STORE", "CAIRN_S3_ENDPOINT", "CAIRN_HOME"} <= names, names
    return names


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def require_tool(name: str) -> str:
    """The path of a tool run.sh installs; missing means the environment is broken, so fail."""
    path = shutil.which(name) or next(
        (str(Path(d) / name) for d in ("/usr/sbin", "/sbin") if (Path(d) / name).exists()), None
    )
    if path is None:
        pytest.fail(f"{name} is not installed (tests/deploy/run.sh installs it with apt-get)")
    return path


def cairn_binary() -> str:
    explicit = os.environ.get("CAIRN_BIN")
    if explicit:
        return explicit
    target = Path(os.environ.get("CARGO_TARGET_DIR") or ROOT / "target")
    return str(target / "debug" / "cairn")
