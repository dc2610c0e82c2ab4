"""Helpers that both the tests and the benchmarks use; never part of the installed package."""
