"""nflscores: NFL week scores as JSON, live scores over Server-Sent Events."""

__version__ = "0.1.0"
