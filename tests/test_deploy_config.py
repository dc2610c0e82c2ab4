"""The deploy files on their own: nginx -t, gixy, the Compose schema, gunicorn's settings."""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.worker import GunicornUVLoopWebWorker, GunicornWebWorker
from ruamel.yaml import YAML

from nflscores.web import worker
from tests.stack import (
    APP_COMMAND,
    NGINX_TEMPLATE,
    POLLER_COMMAND,
    local,
    nginx_site,
    placeholders,
    render,
    upstream_command,
    upstream_servers,
)
from tests.support import ROOT, MakeServer, free_port, running, until

COMPOSE = ROOT / "compose.yaml"
DOCKERFILE = ROOT / "Dockerfile"
BIN = Path(sys.executable).parent


def compose() -> dict[str, Any]:
    """Return compose.yaml as data, anchors and merge keys resolved."""
    data: dict[str, Any] = YAML(typ="safe").load(COMPOSE.read_text())
    return data


def seconds(duration: str) -> float:
    """Return a Compose duration such as `40s` or `1m30s` in seconds."""
    units = {"h": 3600, "m": 60, "s": 1}
    parts = re.findall(r"(\d+)([hms])", duration)
    assert "".join(n + u for n, u in parts) == duration, duration
    return sum(int(n) * units[u] for n, u in parts)


def nginx_directive(name: str) -> str:
    """Return the argument of a directive that deploy/nginx.conf sets once."""
    values = re.findall(rf"^\s*{name}\s+([^;]+);", NGINX_TEMPLATE.read_text(), re.MULTILINE)
    assert len(values) == 1, values
    return str(values[0])


def gunicorn_settings(env: dict[str, str]) -> dict[str, str]:
    """Return the settings gunicorn resolves from deploy/gunicorn.conf.py in this environment."""
    argv = [*local(APP_COMMAND)]
    argv.insert(-1, "--print-config")
    done = subprocess.run(
        argv, env={"PATH": "/usr/bin:/bin", **env}, capture_output=True, check=True, timeout=30
    )
    pairs = (line.split(" = ", 1) for line in done.stdout.decode().splitlines() if " = " in line)
    return {key.strip(): value.strip() for key, value in pairs}


def healthy(url: str) -> bool:
    """Return True when the URL answers 200, False when it does not answer (yet)."""
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return bool(response.status == 200)
    except OSError:
        return False


@pytest.mark.slow
def test_nginx_accepts_the_config_without_a_warning(tmp_path: Path) -> None:
    """`nginx -t` passes on deploy/nginx.conf as the tests render it, and warns of nothing."""
    site = nginx_site(listen=f"127.0.0.1:{free_port()}", upstream="127.0.0.1:1", run_dir=tmp_path)
    done = subprocess.run(
        [*site.argv()[:-2], "-t", "-q"], capture_output=True, check=False, timeout=30
    )
    assert done.returncode == 0, done.stderr.decode()
    assert done.stderr == b""
    assert site.error_log.read_text() == ""


@pytest.mark.slow
def test_gixy_reports_nothing(tmp_path: Path) -> None:
    """gixy finds no issue of any severity in the rendered deploy/nginx.conf."""
    site = nginx_site(listen="127.0.0.1:8080", upstream="127.0.0.1:8000", run_dir=tmp_path)
    done = subprocess.run(
        [str(BIN / "gixy"), "-f", "json", str(site.conf)],
        capture_output=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout.decode() + done.stderr.decode()
    assert json.loads(done.stdout) == []


def test_the_template_leaves_nothing_unfilled_in_the_image() -> None:
    """Every ${NGINX_*} of the template has a default in the web image and a test value."""
    names = placeholders(NGINX_TEMPLATE.read_text())
    assert names == {
        "NGINX_LISTEN",
        "NGINX_UPSTREAM_SERVERS",
        "NGINX_STATIC_ROOT",
        "NGINX_RUN_DIR",
        "NGINX_ERROR_LOG",
        "NGINX_ACCESS_LOG",
    }
    web_stage = DOCKERFILE.read_text().split(" AS web")[1].split("\nFROM ")[0]
    assert "COPY deploy/nginx.conf /etc/nginx/templates/nginx.conf.template" in web_stage
    assert (
        "COPY --chmod=0755 deploy/nginx-upstreams.envsh "
        "/docker-entrypoint.d/15-nflscores-upstreams.envsh"
    ) in web_stage
    defaults = set(re.findall(r"\b(NGINX_[A-Z_]+)=", web_stage))
    # NGINX_UPSTREAM_SERVERS is built from NGINX_UPSTREAM when the container starts.
    assert names - {"NGINX_UPSTREAM_SERVERS"} | {"NGINX_UPSTREAM"} <= defaults
    rendered = render(NGINX_TEMPLATE.read_text(), dict.fromkeys(names, "x"))
    # nginx's own variables are left alone, as the image's filtered envsubst leaves them.
    assert "$proxy_add_x_forwarded_for" in rendered
    assert placeholders(rendered) == set()


def test_every_app_node_gets_a_server_line_with_the_passive_health_check() -> None:
    """NGINX_UPSTREAM lists the nodes; each becomes one `server` with max_fails/fail_timeout."""
    servers = upstream_servers("10.0.0.5:8000, 10.0.0.6:8000,app:8000")
    lines = [line.strip() for line in servers.split(";") if line.strip()]
    assert lines == [
        f"server {address} max_fails=2 fail_timeout=10s"
        for address in ("10.0.0.5:8000", "10.0.0.6:8000", "app:8000")
    ]


@pytest.mark.slow
def test_compose_validates_against_the_compose_specification() -> None:
    """compose.yaml passes check-jsonschema's vendored Compose Specification schema."""
    done = subprocess.run(
        [str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.compose-spec", str(COMPOSE)],
        capture_output=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout.decode() + done.stderr.decode()


def test_compose_runs_the_entry_points_the_full_stack_test_runs() -> None:
    """compose's app, poller and upstream commands are exactly tests/stack.py's commands."""
    services = compose()["services"]
    assert services["app"]["command"] == list(APP_COMMAND)
    assert services["poller"]["command"] == list(POLLER_COMMAND)
    assert services["upstream"]["command"] == list(
        upstream_command(host="0.0.0.0", port=8081, speed=60)
    )
    assert DOCKERFILE.read_text().rstrip().endswith(f"CMD {json.dumps(list(APP_COMMAND))}")
    assert services["nginx"]["build"]["target"] == "web"
    assert services["nginx"]["ports"] == ["8080:8080"]


def test_compose_wires_services_by_health_and_lets_streams_close() -> None:
    """Dependencies wait on health; stop grace periods outlast gunicorn's and nginx's drains."""
    services = compose()["services"]
    assert set(services) == {"redis", "upstream", "poller", "app", "nginx"}
    app = services["app"]
    assert app["depends_on"]["redis"] == {"condition": "service_healthy"}
    assert services["poller"]["depends_on"]["redis"] == {"condition": "service_healthy"}
    assert services["nginx"]["depends_on"]["app"] == {"condition": "service_healthy"}
    assert int(app["environment"]["NFLSCORES_WORKERS"]) > 1
    assert app["environment"]["NFLSCORES_REDIS_URL"].startswith("redis://redis:")
    graceful = int(app["environment"]["NFLSCORES_GRACEFUL_TIMEOUT_S"])
    assert seconds(app["stop_grace_period"]) > graceful
    nginx_drain = seconds(nginx_directive("worker_shutdown_timeout"))
    assert seconds(services["nginx"]["stop_grace_period"]) > nginx_drain
    assert all(service.get("restart") == "unless-stopped" for service in services.values())
    assert "healthcheck" in services["redis"]


@pytest.mark.slow
def test_gunicorn_takes_bind_workers_and_grace_from_the_environment() -> None:
    """deploy/gunicorn.conf.py reads NFLSCORES_*; no recycling, no control socket."""
    resolved = gunicorn_settings(
        {
            "NFLSCORES_BIND": "127.0.0.1:9123",
            "NFLSCORES_WORKERS": "3",
            "NFLSCORES_GRACEFUL_TIMEOUT_S": "12",
            "NFLSCORES_REDIS_URL": "redis://127.0.0.1:1/0",
        }
    )
    assert resolved["bind"] == "['127.0.0.1:9123']"
    assert resolved["workers"] == "3"
    assert resolved["graceful_timeout"] == "12"
    assert resolved["max_requests"] == "0"
    assert resolved["control_socket_disable"] == "True"
    assert resolved["worker_class"] == "nflscores.web.worker.Worker"
    assert resolved["backlog"] == "2048"
    # A socket per worker: the kernel spreads connections evenly over them.
    assert resolved["reuse_port"] == "True"
    # Longer than nginx's upstream keepalive_timeout: nginx closes idle connections first.
    assert int(resolved["keepalive"]) > seconds("60s")


@pytest.mark.slow
def test_gunicorn_defaults_to_one_worker_without_redis() -> None:
    """Without NFLSCORES_REDIS_URL the default is the one worker the in-process store allows."""
    assert gunicorn_settings({})["workers"] == "1"


@pytest.mark.slow
def test_gunicorn_refuses_several_workers_without_redis() -> None:
    """NFLSCORES_WORKERS=2 without NFLSCORES_REDIS_URL stops gunicorn with a clear message."""
    env = {"PATH": "/usr/bin:/bin", "NFLSCORES_WORKERS": "2", "NFLSCORES_BIND": "127.0.0.1:0"}
    done = subprocess.run(local(APP_COMMAND), env=env, capture_output=True, check=False, timeout=30)
    assert done.returncode != 0
    stderr = done.stderr.decode()
    assert "NFLSCORES_REDIS_URL" in stderr
    assert "Traceback" not in stderr


@pytest.mark.slow
def test_gunicorn_refuses_a_bad_setting_before_starting_workers() -> None:
    """A bad NFLSCORES_* value stops the master with one line naming it, not a traceback."""
    env = {"PATH": "/usr/bin:/bin", "NFLSCORES_SSE_HEARTBEAT_S": "soon"}
    done = subprocess.run(local(APP_COMMAND), env=env, capture_output=True, check=False, timeout=30)
    assert done.returncode != 0
    assert done.stderr.decode().strip() == (
        "nflscores: bad setting: NFLSCORES_SSE_HEARTBEAT_S has an unusable value 'soon'"
    )


@pytest.mark.slow
async def test_gunicorn_keeps_counters_but_drops_stale_open_stream_gauges(tmp_path: Path) -> None:
    """At start, a given metrics dir loses earlier live gauges; counters (the poller's) stay."""
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    stale_gauge = metrics_dir / "gauge_livesum_99999.db"
    counter = metrics_dir / "counter_99999.db"
    for path in (stale_gauge, counter):
        path.write_bytes(b"")
    port = free_port()
    env = {
        "NFLSCORES_BIND": f"127.0.0.1:{port}",
        "NFLSCORES_UPSTREAM_URL": f"http://127.0.0.1:{free_port()}",
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
    }
    with running(local(APP_COMMAND), port=port, env=env):
        url = f"http://127.0.0.1:{port}/healthz"
        await until(lambda: asyncio.to_thread(healthy, url), within=20)
        assert not stale_gauge.exists()
        assert counter.exists()
    assert counter.exists()


def test_compose_shares_one_metrics_dir_between_the_app_and_the_poller() -> None:
    """The app's /metrics can sum the poller's counters: both write to one in-memory volume."""
    data = compose()
    mounts = set()
    for name in ("app", "poller"):
        service = data["services"][name]
        directory = service["environment"]["PROMETHEUS_MULTIPROC_DIR"]
        assert f"metrics:{directory}" in service["volumes"]
        mounts.add(directory)
    assert len(mounts) == 1
    assert data["volumes"]["metrics"]["driver_opts"]["type"] == "tmpfs"
    assert "PROMETHEUS_MULTIPROC_DIR" not in data["services"]["upstream"]["environment"]


@pytest.mark.slow
async def test_healthcheck_exits_zero_on_200_and_one_otherwise(
    aiohttp_server: MakeServer,
) -> None:
    """deploy/healthcheck.py asks NFLSCORES_BIND's port for /healthz: 0 on 200, 1 on failure."""

    async def healthz(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app = web.Application()
    app.router.add_get("/healthz", healthz)
    server = await aiohttp_server(app)

    async def check(*args: str, bind: str) -> int:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            str(ROOT / "deploy" / "healthcheck.py"),
            *args,
            env={"NFLSCORES_BIND": bind},
            stderr=asyncio.subprocess.DEVNULL,
        )
        return await process.wait()

    assert await check(bind=f"0.0.0.0:{server.port}") == 0
    assert await check(bind=f"0.0.0.0:{free_port()}") == 1
    assert await check(f"http://127.0.0.1:{server.port}/missing", bind="") == 1


def test_nginx_bounds_slow_clients_and_names_no_version() -> None:
    """Idle or half-sent requests and stuck stream readers are bounded; no version is shown."""
    assert nginx_directive("server_tokens") == "off"
    assert nginx_directive("client_header_timeout") == "10s"
    assert nginx_directive("send_timeout") == "20s"
    assert "sndbuf=" in nginx_directive("listen")


def test_the_shipped_worker_runs_asyncios_loop_and_the_other_uvloop() -> None:
    """Worker (deploy/gunicorn.conf.py's) is aiohttp's asyncio worker; UVLoopWorker is uvloop's.

    Both keep gunicorn's backlog (tests/test_deploy.py checks it on a running gunicorn).
    """
    assert issubclass(worker.Worker, GunicornWebWorker)
    assert not issubclass(worker.Worker, GunicornUVLoopWebWorker)
    assert issubclass(worker.UVLoopWorker, GunicornUVLoopWebWorker)
