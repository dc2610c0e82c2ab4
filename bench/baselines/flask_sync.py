"""Baseline (b): the talk's sync design, Flask + a redis-py GET + jsonify, on sync workers."""

from __future__ import annotations

import json

import redis
from flask import Flask, Response, abort, jsonify

from bench.baselines.common import redis_url, week_key


def create_app() -> Flask:
    """Return the Flask app; gunicorn loads it in each worker after the fork."""
    app = Flask(__name__)
    client = redis.Redis.from_url(redis_url())

    @app.get("/api/<season>/<week>")
    def week(season: str, week: str) -> Response:
        raw = client.get(week_key(season, week))
        if raw is None:
            abort(404)
        return jsonify(json.loads(raw))

    return app
