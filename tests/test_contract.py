"""schemathesis against /api/openapi.json: the service does what its contract says, 0 failures."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from hypothesis.stateful import run_state_machine_as_test
from schemathesis import APIOperation, Case
from schemathesis.core.result import Ok

from nflscores.settings import Settings
from tests.stack import nginx_site
from tests.support import free_port, running
from tests.threaded import Served, serve_in_thread

#: Examples per operation: enough to cover every parameter's shapes, bounded for a fast suite.
EXAMPLES = 40


@pytest.fixture(scope="module")
def served(redis_server_url: str) -> Iterator[Served]:
    """Run the real app on real Redis and the scripted upstream, for schemathesis' client."""
    with serve_in_thread(
        Settings(redis_url=redis_server_url, upstream_timeout_s=1.0, upstream_retries=0)
    ) as running:
        yield running


@pytest.fixture(scope="module")
def app_schema(served: Served) -> schemathesis.BaseSchema:
    """Return the app's own OpenAPI document, loaded from the running app."""
    return schemathesis.openapi.from_url(served.url + "/api/openapi.json")


def operations(schema: schemathesis.BaseSchema) -> list[APIOperation[Any, Any, Any, Any]]:
    """Return every operation the document describes; fail on one schemathesis cannot read."""
    found = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result.err()
        found.append(result.ok())
    return found


def contract_failures(schema: schemathesis.BaseSchema) -> list[str]:
    """Run every check on every operation, valid and invalid input; return what failed."""
    failures: list[str] = []
    for operation in operations(schema):
        for mode in schemathesis.GenerationMode:

            @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
            @given(operation.as_strategy(generation_mode=mode))
            def check(case: Case[Any]) -> None:
                case.call_and_validate()

            try:
                check()
            except Unsatisfiable:
                assert mode is schemathesis.GenerationMode.NEGATIVE, operation.label
                # No parameter to get wrong: nothing invalid can be sent to this operation.
            except Exception as exc:  # collect every operation's failures, then report them all
                failures.append(f"{operation.label} ({mode.value}): {exc}")
    return failures


def stateful_failures(schema: schemathesis.BaseSchema) -> list[str]:
    """Run schemathesis' stateful phase (sequences of calls along the document's links)."""
    workflow = schema.as_state_machine()
    try:
        run_state_machine_as_test(
            workflow,
            settings=settings(
                max_examples=EXAMPLES // 4,
                stateful_step_count=5,
                deadline=None,
                suppress_health_check=list(HealthCheck),
            ),
        )
    except Exception as exc:
        return [f"stateful: {exc}"]
    return []


@pytest.mark.slow
def test_the_app_keeps_its_contract(app_schema: schemathesis.BaseSchema) -> None:
    """Every operation, with generated valid and invalid input, answers as documented."""
    failures = contract_failures(app_schema) + stateful_failures(app_schema)
    assert not failures, "\n\n".join(failures)


@pytest.fixture(scope="module")
def edge_schema(served: Served) -> Iterator[schemathesis.BaseSchema]:
    """Return the document as nginx (deploy/nginx.conf) in front of the app serves it."""
    with tempfile.TemporaryDirectory(prefix="nflscores-nginx-") as workdir:
        Path(workdir).chmod(0o755)  # nginx's workers run as nobody under root
        port = free_port()
        site = nginx_site(
            listen=f"127.0.0.1:{port}",
            upstream=f"127.0.0.1:{served.port}",
            run_dir=Path(workdir) / "nginx",
        )
        with running(site.argv(), port=port):
            yield schemathesis.openapi.from_url(f"http://127.0.0.1:{port}/api/openapi.json")


@pytest.mark.slow
def test_the_stack_behind_nginx_keeps_the_contract(edge_schema: schemathesis.BaseSchema) -> None:
    """Through nginx (its cache, its limits, its own errors) the contract holds as well."""
    failures = contract_failures(edge_schema) + stateful_failures(edge_schema)
    assert not failures, "\n\n".join(failures)
