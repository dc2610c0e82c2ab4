"""Lean load clients, each run as its own process so its CPU time can be told apart."""
