"""The package's metadata: one version string, read by everything that shows a version."""

from __future__ import annotations

import tomllib
from importlib.metadata import version

import nflscores
from tests.support import ROOT


def test_the_installed_metadata_reads_the_version_from_the_package() -> None:
    """pyproject declares the version dynamic and the metadata agrees with __version__."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert "version" not in project
    assert project["dynamic"] == ["version"]
    assert version("nflscores") == nflscores.__version__


def test_no_other_file_writes_the_version_again() -> None:
    """compose.yaml, the Dockerfile and pyproject do not repeat the version string."""
    for name in ("compose.yaml", "Dockerfile", "pyproject.toml"):
        assert nflscores.__version__ not in (ROOT / name).read_text(), name
