"""nflscores: NFL week scores as JSON, live scores over Server-Sent Events."""

#: The one version string: pyproject.toml reads it from here (tool.setuptools.dynamic).
__version__ = "0.1.0"
