"""nginx for the benchmarks: the static-file baseline, and deploy/nginx.conf filled in."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

from bench.procs import ROOT, NotAvailable, Service, launch
from devtools.procs import free_port

DEPLOY_CONF = ROOT / "deploy" / "nginx.conf"

STATIC_CONF = """\
worker_processes 2;
worker_rlimit_nofile 20000;
pid {run}/nginx.pid;
error_log {run}/error.log warn;
{user}
events {{ worker_connections 8192; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_timeout 65s;
    keepalive_requests 1000;
    client_body_temp_path {run}/client_body;
    proxy_temp_path {run}/proxy;
    fastcgi_temp_path {run}/fastcgi;
    uwsgi_temp_path {run}/uwsgi;
    scgi_temp_path {run}/scgi;
    server {{
        listen 127.0.0.1:{port};
        location /api/ {{
            default_type application/json;
            root {root};
            rewrite ^ /week.json break;
        }}
    }}
}}
"""


def binary() -> str:
    """Return the nginx executable, or raise NotAvailable."""
    found = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )
    if found is None:
        raise NotAvailable("nginx is not installed (make system)")
    return found


def _user_line() -> str:
    # As root, nginx's workers would run as nobody and could not read the scratch directory.
    return "user root;" if os.geteuid() == 0 else ""


def _run(name: str, run: Path, conf: str, port: int) -> contextlib.AbstractContextManager[Service]:
    run.mkdir(parents=True, exist_ok=True)
    path = run / "nginx.conf"
    path.write_text(conf)
    argv = [
        binary(),
        "-p",
        str(run),
        "-e",
        str(run / "error.log"),
        "-c",
        str(path),
        "-g",
        "daemon off;",
    ]
    return launch(name, argv, port=port, log=run / "stderr.log", stop_signal=signal.SIGTERM)


@contextlib.contextmanager
def static(run: Path, week_file: Path) -> Iterator[Service]:
    """Serve the week's bytes as a file for every /api/ path."""
    root = run / "root"
    root.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(week_file, root / "week.json")
    port = free_port()
    conf = STATIC_CONF.format(run=run, port=port, root=root, user=_user_line())
    with _run("nginx-static", run, conf, port) as service:
        yield service


def fill(template: str, values: dict[str, str]) -> str:
    """Replace each ${NGINX_*} of the template; raise NotAvailable for one left unknown."""
    missing = sorted(set(re.findall(r"\$\{(NGINX_[A-Z_]+)\}", template)) - set(values))
    if missing:
        raise NotAvailable(
            f"deploy/nginx.conf needs {', '.join(missing)}, which bench does not know"
        )
    return re.sub(r"\$\{(NGINX_[A-Z_]+)\}", lambda m: values[m[1]], template)


def _upstream_servers(upstream: str) -> str:
    """Return NGINX_UPSTREAM_SERVERS as deploy/nginx-upstreams.envsh builds it in the image."""
    script = 'set -eu; . "$1"; printf %s "$NGINX_UPSTREAM_SERVERS"'
    done = subprocess.run(
        ["/bin/sh", "-c", script, "sh", str(ROOT / "deploy" / "nginx-upstreams.envsh")],
        env={"PATH": "/usr/bin:/bin", "NGINX_UPSTREAM": upstream},
        capture_output=True,
        check=True,
        timeout=10,
    )
    return done.stdout.decode()


@contextlib.contextmanager
def deploy(run: Path, app_port: int) -> Iterator[Service]:
    """Run nginx with deploy/nginx.conf in front of the app on app_port."""
    if not DEPLOY_CONF.exists():
        raise NotAvailable("deploy/nginx.conf does not exist yet")
    shutil.rmtree(run, ignore_errors=True)
    run.mkdir(parents=True)
    port = free_port()
    conf = fill(
        DEPLOY_CONF.read_text(),
        {
            "NGINX_LISTEN": f"127.0.0.1:{port}",
            "NGINX_UPSTREAM_SERVERS": _upstream_servers(f"127.0.0.1:{app_port}"),
            "NGINX_STATIC_ROOT": str(ROOT / "nflscores" / "web" / "static"),
            "NGINX_RUN_DIR": str(run),
            "NGINX_ERROR_LOG": str(run / "error.log"),
            # Users log every request; so does the measured run.
            "NGINX_ACCESS_LOG": str(run / "access.log"),
        },
    )
    if os.geteuid() == 0 and not re.search(r"^\s*user\s", conf, re.MULTILINE):
        conf = "user root;\n" + conf
    with _run("nginx-deploy", run, conf, port) as service:
        yield service
