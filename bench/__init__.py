"""Benchmarks of nflscores side by side with baselines: `python -m bench` writes RESULTS.md."""
