"""deploy/kubernetes/: valid manifests that run the entry points and settings the service has."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from nflscores.settings import Settings
from tests.stack import APP_COMMAND, POLLER_COMMAND, upstream_command
from tests.support import ROOT

#: Slow: every manifest against the Kubernetes schemas.
pytestmark = pytest.mark.slow

KUBERNETES = ROOT / "deploy" / "kubernetes"
#: The Kubernetes release whose schemas the manifests are checked against.
KUBERNETES_VERSION = "1.30.0"


def kustomization() -> dict[str, Any]:
    """Return deploy/kubernetes/kustomization.yaml."""
    loaded: dict[str, Any] = yaml.safe_load((KUBERNETES / "kustomization.yaml").read_text())
    return loaded


def manifests() -> list[dict[str, Any]]:
    """Return every object of every file the kustomization lists."""
    objects: list[dict[str, Any]] = []
    for name in kustomization()["resources"]:
        objects.extend(doc for doc in yaml.safe_load_all((KUBERNETES / name).read_text()) if doc)
    return objects


def one(kind: str, name: str) -> dict[str, Any]:
    """Return the object of that kind and name."""
    found = [m for m in manifests() if m["kind"] == kind and m["metadata"]["name"] == name]
    assert len(found) == 1, f"{kind}/{name}: {len(found)} found"
    return found[0]


def container(deployment: str) -> dict[str, Any]:
    """Return the only container of a Deployment."""
    (only,) = one("Deployment", deployment)["spec"]["template"]["spec"]["containers"]
    result: dict[str, Any] = only
    return result


def test_the_kustomization_lists_every_manifest_file() -> None:
    """Every YAML file beside kustomization.yaml is one of its resources, and nothing more."""
    files = {path.name for path in KUBERNETES.glob("*.yaml")} - {"kustomization.yaml"}
    assert set(kustomization()["resources"]) == files


@pytest.mark.parametrize(
    "manifest", manifests(), ids=lambda m: f"{m['kind']}/{m['metadata']['name']}"
)
def test_each_manifest_validates_against_the_kubernetes_schemas(manifest: dict[str, Any]) -> None:
    """The object is valid for Kubernetes, with no field the schema does not know."""
    kubernetes_validate.validate(manifest, KUBERNETES_VERSION, strict=True)


def test_a_misspelt_field_fails_the_schema_check() -> None:
    """The check above catches a real mistake (a probe's misspelt field)."""
    manifest = one("Deployment", "nflscores-app")
    broken = yaml.safe_load(yaml.safe_dump(manifest))
    broken["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["periodSecond"] = 5
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSION, strict=True)


def test_config_map_and_secret_hold_every_setting_once() -> None:
    """Each NFLSCORES_* setting is in the ConfigMap or the Secret, and none in both."""
    config = set(one("ConfigMap", "nflscores-settings")["data"])
    secret = set(one("Secret", "nflscores-redis")["stringData"])
    expected = {f"NFLSCORES_{field.name.upper()}" for field in fields(Settings)}
    assert config | secret == expected
    assert not config & secret
    assert secret == {"NFLSCORES_REDIS_URL"}


def test_the_config_map_holds_settings_the_service_accepts() -> None:
    """The ConfigMap's values (with the Secret's URL) pass Settings.from_env's validation."""
    env = {**one("ConfigMap", "nflscores-settings")["data"]}
    env.update(one("Secret", "nflscores-redis")["stringData"])
    Settings.from_env(env)


def test_the_pods_run_the_entry_points_compose_runs() -> None:
    """The app, the poller and the replay upstream run the commands of compose.yaml."""
    assert container("nflscores-app")["command"] == list(APP_COMMAND)
    assert container("nflscores-poller")["command"] == list(POLLER_COMMAND)
    upstream = upstream_command(host="0.0.0.0", port=8081, speed=60)
    assert container("nflscores-upstream")["command"] == list(upstream)


def test_app_pods_probe_readiness_and_outlive_their_graceful_stop() -> None:
    """Readiness is /readyz, liveness /healthz; the grace period covers preStop and the stop."""
    app = container("nflscores-app")
    assert app["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert app["livenessProbe"]["httpGet"]["path"] == "/healthz"
    sleep_s = int(app["lifecycle"]["preStop"]["exec"]["command"][-1])
    graceful_s = int(one("ConfigMap", "nflscores-settings")["data"]["NFLSCORES_GRACEFUL_TIMEOUT_S"])
    spec = one("Deployment", "nflscores-app")["spec"]["template"]["spec"]
    assert spec["terminationGracePeriodSeconds"] > sleep_s + graceful_s
    assert {"requests", "limits"} <= set(app["resources"])


def test_two_pollers_run_and_the_budget_and_autoscaler_target_the_app() -> None:
    """Two poller replicas (the lease picks one); the PDB and the HPA select the app pods."""
    assert one("Deployment", "nflscores-poller")["spec"]["replicas"] == 2
    app_labels = one("Deployment", "nflscores-app")["spec"]["template"]["metadata"]["labels"]
    pdb = one("PodDisruptionBudget", "nflscores-app")["spec"]["selector"]["matchLabels"]
    assert pdb.items() <= app_labels.items()
    target = one("HorizontalPodAutoscaler", "nflscores-app")["spec"]["scaleTargetRef"]
    assert (target["kind"], target["name"]) == ("Deployment", "nflscores-app")
    service = one("Service", "nflscores-app")["spec"]["selector"]
    assert service.items() <= app_labels.items()


def test_the_stream_ingress_neither_buffers_nor_times_out_a_quiet_stream() -> None:
    """/api/livescore has its own Ingress: buffering off, read and send timeouts long."""
    stream = one("Ingress", "nflscores-stream")
    notes = stream["metadata"]["annotations"]
    assert notes["nginx.ingress.kubernetes.io/proxy-buffering"] == "off"
    heartbeat_s = float(one("ConfigMap", "nflscores-settings")["data"]["NFLSCORES_SSE_HEARTBEAT_S"])
    for timeout in ("proxy-read-timeout", "proxy-send-timeout"):
        assert int(notes[f"nginx.ingress.kubernetes.io/{timeout}"]) > 4 * heartbeat_s
    (path,) = stream["spec"]["rules"][0]["http"]["paths"]
    assert (path["path"], path["pathType"]) == ("/api/livescore", "Exact")


def test_the_redis_chart_readme_names_the_url_the_secret_holds() -> None:
    """The Secret's URL is the one deploy/kubernetes/README.md gives for the Sentinel chart."""
    url = one("Secret", "nflscores-redis")["stringData"]["NFLSCORES_REDIS_URL"]
    assert f"NFLSCORES_REDIS_URL={url}" in Path(KUBERNETES / "README.md").read_text()
