"""The production stack as processes on loopback: compose.yaml's commands, on free ports.

The commands below are the ones compose.yaml runs (tests/test_deploy_config.py checks they
match); only addresses, ports and directories differ, and those come from the environment or
from deploy/nginx.conf's ${NGINX_*} placeholders.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from prometheus_client.mmap_dict import MmapedDict

import nflscores
from tests.support import ARTIFACTS, ROOT, free_port, redis_server_argv, running

DEPLOY = ROOT / "deploy"
NGINX_TEMPLATE = DEPLOY / "nginx.conf"
UPSTREAMS_SCRIPT = DEPLOY / "nginx-upstreams.envsh"
#: The replay's live week, in compose.yaml and here.
LIVE_WEEK = "2015/REG/12"

#: gunicorn as compose's `app` service runs it.
APP_COMMAND = ("gunicorn", "-c", "deploy/gunicorn.conf.py", "nflscores.web.app:create_app_from_env")
#: The poller as compose's `poller` service runs it.
POLLER_COMMAND = ("nflscores", "poll")

_PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def upstream_command(*, host: str, port: int, speed: int) -> tuple[str, ...]:
    """Return the replay upstream's command, as compose's `upstream` service runs it."""
    return (
        "nflscores", "upstream", "--host", host, "--port", str(port),
        "--live", LIVE_WEEK, "--speed", str(speed),
    )  # fmt: skip


def local(command: Sequence[str]) -> list[str]:
    """Return a compose command runnable here: programs from this venv, deploy/ from the repo."""
    program = Path(sys.executable).parent / command[0]
    args = [str(ROOT / arg) if arg.startswith("deploy/") else arg for arg in command[1:]]
    return [str(program), *args]


def placeholders(template: str) -> set[str]:
    """Return the names of the ${NAME} placeholders in a template."""
    return set(_PLACEHOLDER.findall(template))


def render(template: str, values: Mapping[str, str]) -> str:
    """Fill every ${NAME} as the nginx image's envsubst step does; fail on one left unset."""
    missing = placeholders(template) - set(values)
    if missing:
        raise KeyError(f"no value for {sorted(missing)}")
    return _PLACEHOLDER.sub(lambda match: values[match.group(1)], template)


def upstream_servers(upstream: str) -> str:
    """Return NGINX_UPSTREAM_SERVERS for app nodes at `upstream` (comma-separated host:port).

    By sourcing deploy/nginx-upstreams.envsh, as the web image's entrypoint does.
    """
    script = 'set -eu; . "$1"; printf %s "$NGINX_UPSTREAM_SERVERS"'
    done = subprocess.run(
        ["/bin/sh", "-c", script, "sh", str(UPSTREAMS_SCRIPT)],
        env={"PATH": "/usr/bin:/bin", "NGINX_UPSTREAM": upstream},
        capture_output=True,
        check=True,
        timeout=10,
    )
    return done.stdout.decode()


def nginx_binary() -> str:
    """Return the nginx executable; fail loudly, never skip, when it is missing."""
    binary = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")
    if binary is None:
        raise RuntimeError("nginx is not installed: run `make setup` (or .ci/run)")
    return binary


def static_root() -> Path:
    """Return the live page's directory inside the installed package."""
    return Path(nflscores.__file__).resolve().parent / "web" / "static"


@dataclass(frozen=True)
class NginxSite:
    """A rendered deploy/nginx.conf in a private run directory."""

    run_dir: Path
    conf: Path
    error_log: Path
    access_log: Path

    def argv(self, *extra: str) -> list[str]:
        """Return nginx's command line for this site, in the foreground like the image."""
        prefix = ["-p", str(self.run_dir), "-c", str(self.conf), "-e", str(self.error_log)]
        return [nginx_binary(), *prefix, *extra, "-g", "daemon off;"]


def nginx_site(
    *, listen: str, upstream: str, run_dir: Path, shorter: Mapping[str, str] | None = None
) -> NginxSite:
    """Render deploy/nginx.conf into run_dir for nginx as a test process: private paths.

    shorter replaces directives, each found exactly once (`"send_timeout 20s;"` to
    `"send_timeout 2s;"`), for a test that would otherwise wait out the production value.
    """
    run_dir.mkdir(mode=0o755, parents=True, exist_ok=True)
    site = NginxSite(
        run_dir=run_dir,
        conf=run_dir / "nginx.conf",
        error_log=run_dir / "error.log",
        access_log=run_dir / "access.log",
    )
    # A copy, as the web image has one: nginx's workers (nobody, when started as root) may not
    # be able to read a checkout inside a private directory.
    static = run_dir / "static"
    shutil.copytree(static_root(), static, dirs_exist_ok=True)
    values = {
        "NGINX_LISTEN": listen,
        "NGINX_UPSTREAM_SERVERS": upstream_servers(upstream),
        "NGINX_STATIC_ROOT": str(static),
        "NGINX_RUN_DIR": str(run_dir),
        "NGINX_ERROR_LOG": str(site.error_log),
        "NGINX_ACCESS_LOG": str(site.access_log),
    }
    conf = render(NGINX_TEMPLATE.read_text(), values)
    for directive, replacement in (shorter or {}).items():
        assert conf.count(directive) == 1, f"{directive!r} is not in nginx.conf exactly once"
        conf = conf.replace(directive, replacement)
    site.conf.write_text(conf)
    return site


@dataclass(frozen=True)
class Stack:
    """The running stack: where each part listens and the processes a test may signal."""

    url: str
    upstream_url: str
    redis_url: str
    app_port: int
    gunicorn: subprocess.Popen[bytes]
    metrics_dir: Path
    nginx_error_log: Path
    logs: Path
    #: Every app node (gunicorn master) and its port; the first is `gunicorn`, `app_port`.
    app_ports: tuple[int, ...] = ()
    nodes: tuple[subprocess.Popen[bytes], ...] = ()
    poller_logs: tuple[Path, ...] = ()

    def open_streams(self) -> dict[int, float]:
        """Return the open streams of each worker (by pid), from the gauges workers write."""
        holders: dict[int, float] = {}
        for path in self.metrics_dir.glob("gauge_livesum_*.db"):
            pid = int(path.stem.rsplit("_", 1)[1])
            values = MmapedDict.read_all_values_from_file(str(path))  # type: ignore[no-untyped-call]
            for key, value, *_ in values:
                if json.loads(key)[0] == "nflscores_sse_clients" and value > 0:
                    holders[pid] = holders.get(pid, 0.0) + value
        return holders

    def node_workers(self, index: int) -> set[int]:
        """Return the pids of one app node's workers now."""
        node = self.nodes[index]
        path = Path(f"/proc/{node.pid}/task/{node.pid}/children")
        return {int(pid) for pid in path.read_text().split()}

    def kill_node(self, index: int) -> None:
        """SIGKILL one app node, its master and workers at once, as a machine dying would."""
        node = self.nodes[index]
        workers = self.node_workers(index)
        node.send_signal(signal.SIGKILL)
        for pid in workers:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        node.wait()

    def worker_pids(self) -> set[int]:
        """Return the pids of gunicorn's workers now."""
        path = Path(f"/proc/{self.gunicorn.pid}/task/{self.gunicorn.pid}/children")
        return {int(pid) for pid in path.read_text().split()}

    def reload_app(self) -> None:
        """Ask gunicorn for a graceful reload, as `kill -HUP` does."""
        self.gunicorn.send_signal(signal.SIGHUP)


@contextlib.contextmanager
def run_stack(
    *,
    speed: int,
    extra_env: Mapping[str, str] | None = None,
    redis_url: str | None = None,
    app_nodes: int = 1,
    pollers: int = 1,
    logs_name: str = "deploy",
) -> Iterator[Stack]:
    """Start redis, the replay upstream, gunicorn (2 workers), the poller and nginx.

    With `redis_url` the stack uses that store (a Sentinel group, a Cluster) instead of a
    redis-server of its own; `app_nodes` gunicorns stand behind nginx as several app nodes
    would, and `pollers` pollers compete for the lease.
    """
    logs = ARTIFACTS / logs_name
    logs.mkdir(parents=True, exist_ok=True)
    ports = {name: free_port() for name in ("redis", "upstream", "nginx")}
    app_ports = [free_port() for _ in range(app_nodes)]
    own_redis = redis_url is None
    redis_url = redis_url or f"redis://127.0.0.1:{ports['redis']}/0"
    upstream_url = f"http://127.0.0.1:{ports['upstream']}"
    with contextlib.ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="nflscores-")))
        # As root without a `user` directive nginx's workers run as nobody: open the way.
        workdir.chmod(0o755)
        metrics_dir = workdir / "metrics"
        env = {
            "NFLSCORES_REDIS_URL": redis_url,
            "NFLSCORES_UPSTREAM_URL": upstream_url,
            "NFLSCORES_LOG_JSON": "true",
            **(extra_env or {}),
        }
        # The app's workers and the poller share one metrics directory, as in compose.
        metrics_env = {**env, "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)}
        if own_redis:
            redis_argv = redis_server_argv(ports["redis"], workdir)
            stack.enter_context(running(redis_argv, port=ports["redis"]))
        upstream = upstream_command(host="127.0.0.1", port=ports["upstream"], speed=speed)
        stack.enter_context(
            running(local(upstream), port=ports["upstream"], env=env, log=logs / "upstream.log")
        )
        nodes = []
        for index, port in enumerate(app_ports):
            app_env = {
                **metrics_env,
                "NFLSCORES_BIND": f"127.0.0.1:{port}",
                "NFLSCORES_WORKERS": "2",
            }
            log = logs / ("gunicorn.log" if index == 0 else f"gunicorn-{index + 1}.log")
            nodes.append(
                stack.enter_context(running(local(APP_COMMAND), port=port, env=app_env, log=log))
            )
        poller_logs = []
        for index in range(pollers):
            log = logs / ("poller.log" if index == 0 else f"poller-{index + 1}.log")
            poller_logs.append(log)
            stack.enter_context(running(local(POLLER_COMMAND), env=metrics_env, log=log))
        site = nginx_site(
            listen=f"127.0.0.1:{ports['nginx']}",
            upstream=",".join(f"127.0.0.1:{port}" for port in app_ports),
            run_dir=workdir / "nginx",
        )
        stack.enter_context(running(site.argv(), port=ports["nginx"], log=logs / "nginx.log"))
        stack.callback(_keep_log, site.error_log, logs / "nginx-error.log")
        stack.callback(_keep_log, site.access_log, logs / "nginx-access.log")
        yield Stack(
            url=f"http://127.0.0.1:{ports['nginx']}",
            upstream_url=upstream_url,
            redis_url=redis_url,
            app_port=app_ports[0],
            gunicorn=nodes[0],
            metrics_dir=metrics_dir,
            nginx_error_log=site.error_log,
            logs=logs,
            app_ports=tuple(app_ports),
            nodes=tuple(nodes),
            poller_logs=tuple(poller_logs),
        )


def _keep_log(source: Path, target: Path) -> None:
    with contextlib.suppress(OSError):
        shutil.copyfile(source, target)
