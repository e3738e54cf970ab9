"""The Helm chart, rendered by Helm's own engine (see helm_render.py) and checked.

What is checked: `helm lint`; that every `.Values.x.y` used by a template exists in values.yaml;
the rendered objects against Kubernetes' OpenAPI schemas (kubernetes-validate, strict: unknown
fields are errors); probes, rolling update, HPA, PDB, Service, Secret, volumes; that every CAIRN_*
variable the chart sets is one Cairn reads; and that bad values stop the render with a message.
"""

from __future__ import annotations

import copy
import re
import shutil

import kubernetes_validate
import pytest
import yaml

from conftest import CHART, known_environment
from helm_render import RenderError, lint, render

VALIDATE_AGAINST = "1.33.0"


@pytest.fixture(scope="module")
def values() -> dict:
    return yaml.safe_load((CHART / "values.yaml").read_text())


def ci_values(name: str) -> dict:
    return yaml.safe_load((CHART / "ci" / f"{name}-values.yaml").read_text())


@pytest.fixture(scope="module")
def volume_render():
    return render(str(CHART), ci_values("volume"))


@pytest.fixture(scope="module")
def s3_render():
    return render(str(CHART), ci_values("s3"))


def container(rendered) -> dict:
    containers = rendered.one("Deployment")["spec"]["template"]["spec"]["containers"]
    assert [c["name"] for c in containers] == ["cairn"]
    return containers[0]


def env_of(rendered) -> dict:
    return {item["name"]: item for item in container(rendered)["env"]}


# --- the chart as files -------------------------------------------------------------------------

def test_chart_metadata(values):
    chart = yaml.safe_load((CHART / "Chart.yaml").read_text())
    assert chart["apiVersion"] == "v2"
    assert chart["name"] == "cairn"
    assert re.fullmatch(r"\d+\.\d+\.\d+", chart["version"])
    assert chart["appVersion"]
    assert values["image"]["repository"]


def test_lint_has_no_errors_or_warnings(tmp_path):
    for name in ("default", "volume", "s3"):
        copy_dir = tmp_path / name / "cairn"
        shutil.copytree(CHART, copy_dir)
        if name != "default":
            merged = yaml.safe_load((CHART / "values.yaml").read_text())
            deep_merge(merged, ci_values(name))
            (copy_dir / "values.yaml").write_text(yaml.safe_dump(merged))
        result = lint(str(copy_dir))
        assert result["TotalChartsLinted"] == 1
        severities = [message["Severity"] for message in result["Messages"]]
        # 1 is information (Helm suggests an icon); 2 warnings and 3 errors are not accepted.
        assert all(severity <= 1 for severity in severities), (name, result)
        assert not result.get("Errors"), (name, result)


def deep_merge(base: dict, override: dict) -> dict:
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            deep_merge(base[key], value)
        else:
            base[key] = value
    return base


def test_every_values_reference_exists(values):
    """Each `.Values.a.b` in a template is a path of values.yaml (a typo would render as empty)."""
    missing = []
    for template in sorted((CHART / "templates").iterdir()):
        text = template.read_text()
        for path in sorted(set(re.findall(r"\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)", text))):
            node = values
            for part in path.strip(".").split("."):
                if not isinstance(node, dict) or part not in node:
                    missing.append(f"{template.name}: .Values{path}")
                    break
                node = node[part]
    assert not missing, missing


def test_template_actions_balance():
    """Every block opened with if/with/range/define is closed by an end in the same file."""
    opener = re.compile(r"\{\{-?\s*(if|with|range|define)\b")
    closer = re.compile(r"\{\{-?\s*end\b")
    for template in (CHART / "templates").iterdir():
        text = template.read_text()
        assert len(opener.findall(text)) == len(closer.findall(text)), template.name


# --- rendered objects ---------------------------------------------------------------------------

def test_volume_render_objects(volume_render):
    assert volume_render.kinds() == sorted([
        "Deployment", "HorizontalPodAutoscaler", "Ingress", "PersistentVolumeClaim",
        "PodDisruptionBudget", "Secret", "Service", "ServiceAccount",
    ])


def test_s3_render_objects(s3_render):
    # An existing Secret, S3 instead of a volume, and no autoscaler.
    assert s3_render.kinds() == sorted(["Deployment", "PodDisruptionBudget", "Service", "ServiceAccount"])


@pytest.mark.parametrize("which", ["volume", "s3"])
def test_objects_match_kubernetes_schemas(which, volume_render, s3_render):
    rendered = volume_render if which == "volume" else s3_render
    for obj in rendered.objects:
        kubernetes_validate.validate(copy.deepcopy(obj), VALIDATE_AGAINST, strict=True)


def test_probes_point_at_health_endpoints(volume_render):
    cairn = container(volume_render)
    assert cairn["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert cairn["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert cairn["startupProbe"]["httpGet"]["path"] == "/healthz"
    for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
        assert cairn[probe]["httpGet"]["port"] == "http"
    assert cairn["ports"] == [{"name": "http", "containerPort": 8090, "protocol": "TCP"}]
    startup = cairn["startupProbe"]
    # Migrations run before Cairn listens: the startup probe allows minutes, not seconds.
    assert startup["periodSeconds"] * startup["failureThreshold"] >= 120


def test_serve_command_and_home(volume_render):
    cairn = container(volume_render)
    assert cairn["args"] == ["serve", "--home", "/var/cairn", "--listen", "0.0.0.0:8090"]
    mounts = {m["mountPath"]: m["name"] for m in cairn["volumeMounts"]}
    assert mounts["/var/cairn"] == "home"
    assert mounts["/var/cairn/shared"] == "shared"
    volumes = {v["name"]: v for v in volume_render.one("Deployment")["spec"]["template"]["spec"]["volumes"]}
    assert "emptyDir" in volumes["home"]
    claim = volume_render.one("PersistentVolumeClaim")
    assert volumes["shared"]["persistentVolumeClaim"]["claimName"] == claim["metadata"]["name"]
    assert claim["spec"]["accessModes"] == ["ReadWriteMany"]
    assert claim["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep"
    assert cairn["securityContext"]["readOnlyRootFilesystem"] is True
    pod = volume_render.one("Deployment")["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True


def test_rolling_update_never_lowers_capacity(volume_render):
    spec = volume_render.one("Deployment")["spec"]
    assert spec["strategy"] == {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}}
    # With the HPA on, the Deployment leaves the count to it.
    assert "replicas" not in spec
    pod = spec["template"]["spec"]
    drain = container(volume_render)["lifecycle"]["preStop"]["exec"]["command"]
    assert drain[0] == "sleep" and int(drain[1]) > 0
    assert pod["terminationGracePeriodSeconds"] > int(drain[1])


def test_autoscaler(volume_render, values):
    hpa = volume_render.one("HorizontalPodAutoscaler")
    assert hpa["apiVersion"] == "autoscaling/v2"
    spec = hpa["spec"]
    assert spec["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment",
                                      "name": volume_render.one("Deployment")["metadata"]["name"]}
    assert 1 <= spec["minReplicas"] <= spec["maxReplicas"]
    assert spec["minReplicas"] >= 2, "one node is no cluster: a rollout or a node loss would stop the site"
    cpu = [m for m in spec["metrics"] if m["type"] == "Resource" and m["resource"]["name"] == "cpu"]
    assert cpu and cpu[0]["resource"]["target"]["type"] == "Utilization"
    # Utilization is relative to requests: the container must request CPU.
    assert container(volume_render)["resources"]["requests"]["cpu"]
    assert spec["behavior"]["scaleDown"]["stabilizationWindowSeconds"] >= 60


def test_custom_metric_passes_through():
    metric = {"type": "Pods", "pods": {"metric": {"name": "cairn_requests_in_flight"},
                                       "target": {"type": "AverageValue", "averageValue": "4"}}}
    values = deep_merge(ci_values("volume"), {"autoscaling": {"customMetrics": [metric]}})
    hpa = render(str(CHART), values).one("HorizontalPodAutoscaler")
    assert metric in hpa["spec"]["metrics"]
    kubernetes_validate.validate(hpa, VALIDATE_AGAINST, strict=True)


def test_disruption_budget(volume_render, s3_render):
    pdb = volume_render.one("PodDisruptionBudget")["spec"]
    assert pdb["maxUnavailable"] == 1 and "minAvailable" not in pdb
    selector = volume_render.one("Deployment")["spec"]["selector"]["matchLabels"]
    assert pdb["selector"]["matchLabels"] == selector
    s3_pdb = s3_render.one("PodDisruptionBudget")["spec"]
    assert s3_pdb["minAvailable"] == 2 and "maxUnavailable" not in s3_pdb
    assert s3_render.one("Deployment")["spec"]["replicas"] == 3


def test_service_has_no_session_affinity(volume_render):
    service = volume_render.one("Service")["spec"]
    assert service["type"] == "ClusterIP"
    assert service["sessionAffinity"] == "None"
    assert service["ports"][0]["targetPort"] == "http"
    template_labels = volume_render.one("Deployment")["spec"]["template"]["metadata"]["labels"]
    assert all(template_labels.get(k) == v for k, v in service["selector"].items())
    ingress = volume_render.one("Ingress")
    backend = ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    assert backend == {"name": volume_render.one("Service")["metadata"]["name"], "port": {"name": "http"}}
    assert not any("affinity" in key for key in (ingress["metadata"].get("annotations") or {}))


def test_settings_reach_cairn_under_its_own_names(volume_render, s3_render):
    known = known_environment()
    for rendered in (volume_render, s3_render):
        names = set(env_of(rendered))
        unknown = sorted(n for n in names if (n.startswith("CAIRN_") or n.startswith("AWS_")) and n not in known)
        assert not unknown, f"the chart sets variables Cairn does not read: {unknown}"


def test_secrets_volume_mode(volume_render):
    env = env_of(volume_render)
    secret = volume_render.one("Secret")
    assert secret["stringData"]["database-url"] == "postgres://cairn:secret@postgres.db:5432/cairn"
    assert secret["stringData"]["admin-password"] == "change-me-now"
    ref = env["CAIRN_DATABASE_URL"]["valueFrom"]["secretKeyRef"]
    assert ref == {"name": secret["metadata"]["name"], "key": "database-url"}
    assert env["CAIRN_ADMIN_PASSWORD"]["valueFrom"]["secretKeyRef"]["key"] == "admin-password"
    assert env["CAIRN_BLOB_STORE"]["value"] == "/var/cairn/shared/blobs"
    assert "AWS_ACCESS_KEY_ID" not in env
    # Secret values never appear in the Deployment itself.
    assert "secret@postgres" not in str(volume_render.one("Deployment"))
    annotations = volume_render.one("Deployment")["spec"]["template"]["metadata"]["annotations"]
    assert re.fullmatch(r"[0-9a-f]{64}", annotations["checksum/secret"])


def test_s3_mode(s3_render):
    env = env_of(s3_render)
    assert env["CAIRN_BLOB_STORE"]["value"] == "s3://cairn-blobs/prod"
    assert env["CAIRN_S3_ENDPOINT"]["value"] == "http://minio.storage:9000"
    assert env["CAIRN_S3_REGION"]["value"] == "eu-west-1"
    assert env["CAIRN_S3_PATH_STYLE"]["value"] == "true"
    for name, key in (("AWS_ACCESS_KEY_ID", "s3-access-key-id"), ("AWS_SECRET_ACCESS_KEY", "s3-secret-access-key"),
                      ("CAIRN_DATABASE_URL", "database-url")):
        assert env[name]["valueFrom"]["secretKeyRef"]["name"] == "cairn-credentials"
        assert env[name]["valueFrom"]["secretKeyRef"]["key"] == key
    mounts = [m["mountPath"] for m in container(s3_render)["volumeMounts"]]
    assert "/var/cairn/shared" not in mounts
    assert s3_render.maybe("PersistentVolumeClaim") is None


def test_notes_render(volume_render, s3_render):
    assert "rollout status deployment/" in volume_render.notes
    assert "https://wiki.example.com/" in volume_render.notes
    assert "s3://cairn-blobs/prod" in s3_render.notes


@pytest.mark.parametrize("override, message", [
    ({"secrets": {"databaseUrl": ""}}, "secrets.databaseUrl"),
    ({"secrets": {"databaseUrl": "sqlite:///var/cairn/cairn.db"}}, "SQLite is for one host only"),
    ({"blobStore": {"type": "nfs"}}, "blobStore.type must be volume or s3"),
    ({"blobStore": {"type": "s3"}}, "blobStore.s3.bucket is required"),
    ({"blobStore": {"volume": {"accessModes": ["ReadWriteOnce"]}}}, "ReadWriteMany"),
    ({"autoscaling": {"minReplicas": 5, "maxReplicas": 3}}, "minReplicas must not exceed"),
    ({"podDisruptionBudget": {"minAvailable": 1}}, "not both"),
    ({"rollingUpdate": {"maxSurge": 0}}, "cannot both be 0"),
    ({"terminationGracePeriodSeconds": 5}, "must exceed lifecycle.drainDelaySeconds"),
])
def test_bad_values_stop_the_render(override, message):
    values = deep_merge(ci_values("volume"), override)
    with pytest.raises(RenderError) as failure:
        render(str(CHART), values)
    assert message in str(failure.value)
