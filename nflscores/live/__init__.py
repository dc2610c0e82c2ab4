"""Live scores: the poller, the per-process hub and the Server-Sent Events stream.

Wiring into the application lives in `nflscores.web.live`.
"""
