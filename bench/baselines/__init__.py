"""The baselines every figure is compared with, each a small app of its own.

Configured by environment variables the orchestrator sets: BENCH_WEEK_FILE (the week's JSON
bytes), BENCH_REDIS_URL, BENCH_UPSTREAM_URL (baseline d's cold path) and BENCH_CHANNEL.
"""
