"""Renders the Helm chart with Helm's own engine, offline.

`helm` itself is not packaged for Debian or PyPI, but `helm-sdkpy` (PyPI) ships Helm v4's Go
library in its wheel. It offers `lint` and `install`, not `template`. To get the rendered
manifests, `render()` runs a real `helm install` (wait off, release stored in memory through
HELM_DRIVER=memory) against `FakeKubernetes`: a tiny HTTP server on 127.0.0.1 that answers the
discovery requests Helm makes (/version, /api, /apis, resource lists), reports every object as
absent, and records the objects Helm then creates. Those are exactly the manifests that
`helm template` would print, produced by Helm's template engine, value merging and hooks.
The fake server validates nothing: the tests check the objects against Kubernetes' published
schemas (kubernetes-validate) and against Cairn's settings.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

KUBERNETES_VERSION = ("1", "33")

# group, version -> [(plural, kind)] for every kind the chart may create.
RESOURCES = {
    ("", "v1"): [
        ("secrets", "Secret"),
        ("services", "Service"),
        ("serviceaccounts", "ServiceAccount"),
        ("persistentvolumeclaims", "PersistentVolumeClaim"),
        ("configmaps", "ConfigMap"),
        ("pods", "Pod"),
    ],
    ("apps", "v1"): [("deployments", "Deployment")],
    ("autoscaling", "v2"): [("horizontalpodautoscalers", "HorizontalPodAutoscaler")],
    ("policy", "v1"): [("poddisruptionbudgets", "PodDisruptionBudget")],
    ("networking.k8s.io", "v1"): [("ingresses", "Ingress")],
}

NAMESPACED_PATH = re.compile(r"^/apis?(?:/[^/]+)?/v[^/]+/namespaces/[^/]+/([^/]+)(?:/([^/]+))?$")


class FakeKubernetes:
    """An API server that knows the chart's kinds, has no objects, and records what is created."""

    def __init__(self):
        self.created: list[dict] = []
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def reply(self, code: int, body: dict):
                data = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def not_found(self):
                self.reply(404, {"kind": "Status", "apiVersion": "v1", "status": "Failure",
                                 "reason": "NotFound", "code": 404})

            def do_GET(self):
                path = self.path.split("?")[0]
                if path == "/version":
                    major, minor = KUBERNETES_VERSION
                    return self.reply(200, {"major": major, "minor": minor,
                                            "gitVersion": f"v{major}.{minor}.0", "platform": "linux/amd64"})
                if path == "/api":
                    return self.reply(200, {"kind": "APIVersions", "versions": ["v1"],
                                            "serverAddressByClientCIDRs": []})
                if path == "/apis":
                    groups = [
                        {"name": group, "versions": [{"groupVersion": f"{group}/{version}", "version": version}],
                         "preferredVersion": {"groupVersion": f"{group}/{version}", "version": version}}
                        for (group, version) in RESOURCES if group
                    ]
                    return self.reply(200, {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
                for (group, version), kinds in RESOURCES.items():
                    prefix = f"/apis/{group}/{version}" if group else f"/api/{version}"
                    if path == prefix:
                        return self.reply(200, {
                            "kind": "APIResourceList", "apiVersion": "v1",
                            "groupVersion": f"{group}/{version}" if group else version,
                            "resources": [
                                {"name": plural, "singularName": kind.lower(), "namespaced": True, "kind": kind,
                                 "verbs": ["create", "delete", "get", "list", "patch", "update", "watch"]}
                                for plural, kind in kinds
                            ],
                        })
                match = NAMESPACED_PATH.match(path)
                if match and match.group(2) is None:
                    return self.reply(200, {"kind": "List", "apiVersion": "v1",
                                            "metadata": {"resourceVersion": "1"}, "items": []})
                return self.not_found()

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length))
                with fake.lock:
                    fake.created.append(json.loads(json.dumps(body)))
                    body.setdefault("metadata", {}).update(resourceVersion="1", uid=f"uid-{len(fake.created)}")
                self.reply(201, body)

            def do_PUT(self):
                self.not_found()

            do_PATCH = do_DELETE = do_PUT

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def kubeconfig(self) -> str:
        return (
            "apiVersion: v1\nkind: Config\n"
            f"clusters: [{{name: fake, cluster: {{server: 'http://127.0.0.1:{self.port}'}}}}]\n"
            "users: [{name: fake, user: {token: fake}}]\n"
            "contexts: [{name: fake, context: {cluster: fake, user: fake, namespace: wiki}}]\n"
            "current-context: fake\n"
        )


class Rendered:
    """The objects of one render, by kind."""

    def __init__(self, objects: list[dict], notes: str):
        self.objects = objects
        self.notes = notes

    def kinds(self) -> list[str]:
        return sorted(obj["kind"] for obj in self.objects)

    def one(self, kind: str) -> dict:
        found = [obj for obj in self.objects if obj["kind"] == kind]
        assert len(found) == 1, f"expected one {kind}, got {len(found)}: {self.kinds()}"
        return found[0]

    def maybe(self, kind: str) -> dict | None:
        found = [obj for obj in self.objects if obj["kind"] == kind]
        return found[0] if found else None


class RenderError(Exception):
    """Helm refused the chart or its values; the message is Helm's."""


def _run(request: dict) -> dict:
    # Helm's Go runtime reads the environment once, when the library loads, so HELM_DRIVER must
    # be set in the environment of a fresh process: each call runs in a child Python.
    env = dict(os.environ, HELM_DRIVER="memory")
    done = subprocess.run(
        [sys.executable, __file__], input=json.dumps(request), capture_output=True, text=True,
        env=env, timeout=120,
    )
    if done.returncode != 0:
        raise RuntimeError(f"helm child failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    if "error" in answer:
        raise RenderError(answer["error"])
    return answer


def render(chart: str, values: dict | None, release: str = "wiki") -> Rendered:
    """`helm install` of `chart` with `values` (merged over values.yaml, as `-f` does) into a fake cluster."""
    answer = _run({"action": "render", "chart": chart, "values": values or None, "release": release})
    return Rendered(answer["objects"], answer["notes"])


def lint(chart: str) -> dict:
    """`helm lint` of a chart directory: a dict with Messages (Severity 1 info, 2 warning, 3 error)."""
    return _run({"action": "lint", "chart": chart})["result"]


def _child() -> None:
    import helm_sdkpy

    assert os.environ.get("HELM_DRIVER") == "memory"
    request = json.loads(sys.stdin.read())
    try:
        if request["action"] == "lint":
            config = helm_sdkpy.Configuration(namespace="wiki")
            answer = {"result": asyncio.run(helm_sdkpy.Lint(config).run(request["chart"]))}
        else:
            with FakeKubernetes() as kube:
                config = helm_sdkpy.Configuration(namespace="wiki", kubeconfig=kube.kubeconfig())
                result = asyncio.run(helm_sdkpy.Install(config).run(
                    request["release"], request["chart"], values=request["values"], wait=False, timeout=30,
                ))
                answer = {"objects": list(kube.created), "notes": result.get("info", {}).get("notes", "")}
    except helm_sdkpy.HelmError as error:
        answer = {"error": str(error)}
    print(json.dumps(answer))


if __name__ == "__main__":
    _child()
