"""The domain: weeks, games, clubs, the calendar and cache policy, as pure values and functions.

Nothing here does I/O; every other package builds on it.
"""
