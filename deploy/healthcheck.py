"""Exit 0 when a URL answers 200, else 1: the containers' healthcheck, standard library only.

    python deploy/healthcheck.py [URL]

Without a URL it asks gunicorn's `/healthz` on the port of NFLSCORES_BIND (default 8000).
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request

TIMEOUT_S = 3.0


def default_url() -> str:
    """Return /healthz on this host at NFLSCORES_BIND's port."""
    bind = os.environ.get("NFLSCORES_BIND", "").strip() or "127.0.0.1:8000"
    port = bind.rpartition(":")[2]
    return f"http://127.0.0.1:{port}/healthz"


def main(argv: list[str]) -> int:
    """Request the URL once and return the exit status."""
    url = argv[1] if len(argv) > 1 else default_url()
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_S) as response:
            status: int = response.status
    except (OSError, urllib.error.URLError) as exc:
        print(f"unhealthy: {url}: {exc}", file=sys.stderr)
        return 1
    if status != 200:
        print(f"unhealthy: {url} answered {status}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
