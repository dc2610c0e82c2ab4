"""Settings: read once from NFLSCORES_* variables, validated with a message naming the variable."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

import pytest

from nflscores.logs import logging_config
from nflscores.settings import DEFAULT_UPSTREAM_URL, SOURCES, Settings, SettingsError
from nflscores.store import keys
from nflscores.store.urls import ClusterTarget, PlainTarget, SentinelTarget

#: field -> (a raw value other than the default, what it reads as)
SAMPLES: dict[str, tuple[str, Any]] = {
    "source": ("espn", "espn"),
    "upstream_url": ("https://scores.example:9000/base", "https://scores.example:9000/base"),
    "redis_url": ("redis://127.0.0.1:6390/2", "redis://127.0.0.1:6390/2"),
    "redis_max_connections": ("128", 128),
    "redis_connect_timeout_s": ("1.5", 1.5),
    "redis_socket_timeout_s": ("2.5", 2.5),
    "redis_pool_timeout_s": ("4", 4.0),
    "redis_health_check_interval_s": ("10", 10.0),
    "host": ("0.0.0.0", "0.0.0.0"),
    "port": ("9090", 9090),
    "upstream_connect_timeout_s": ("1.5", 1.5),
    "upstream_timeout_s": ("7.25", 7.25),
    "upstream_retries": ("0", 0),
    "upstream_concurrency": ("4", 4),
    "upstream_queue_timeout_s": ("0.5", 0.5),
    "upstream_max_bytes": ("65536", 65536),
    "final_ttl_s": ("86400", 86400),
    "live_ttl_s": ("3", 3),
    "upcoming_ttl_s": ("120", 120),
    "empty_ttl_s": ("60", 60),
    "stale_keep_s": ("0", 0),
    "poll_live_interval_s": ("2.5", 2.5),
    "poll_idle_interval_s": ("30", 30.0),
    "sse_heartbeat_s": ("10", 10.0),
    "sse_retry_ms": ("1500", 1500),
    "sse_client_buffer": ("16", 16),
    "sse_write_timeout_s": ("5", 5.0),
    "live_history_maxlen": ("500", 500),
    "header_read_timeout_s": ("5", 5.0),
    "metrics_allow": ("10.1.0.0/16, ::1/128", "10.1.0.0/16, ::1/128"),
    "log_level": ("DEBUG", "DEBUG"),
    "log_json": ("true", True),
    "access_log": ("off", False),
    "bind": ("unix:/run/nflscores.sock", "unix:/run/nflscores.sock"),
    "workers": ("3", 3),
    "graceful_timeout_s": ("12", 12),
}

INT_FIELDS = sorted(name for name, (_, value) in SAMPLES.items() if type(value) is int)
FLOAT_FIELDS = sorted(name for name, (_, value) in SAMPLES.items() if type(value) is float)
#: Fields that must be above zero, not merely non-negative.
POSITIVE_FIELDS = [
    "upstream_timeout_s",
    "upstream_concurrency",
    "upstream_max_bytes",
    "redis_max_connections",
    "sse_client_buffer",
    "live_history_maxlen",
    "graceful_timeout_s",
]


def var(field: str) -> str:
    """Return the environment variable of a settings field."""
    return f"NFLSCORES_{field.upper()}"


def assert_refused(environ: dict[str, str], variable: str) -> None:
    """Assert from_env raises SettingsError whose message names the variable."""
    with pytest.raises(SettingsError) as caught:
        Settings.from_env(environ)
    assert variable in str(caught.value)


def test_samples_cover_every_field() -> None:
    """Every Settings field has a sample here, so none is left untested."""
    assert set(SAMPLES) == {field.name for field in fields(Settings)}
    assert set(FLOAT_FIELDS) >= {"upstream_timeout_s", "poll_idle_interval_s"}


def test_defaults_without_environment() -> None:
    """With no NFLSCORES_ variable the settings are the documented defaults."""
    settings = Settings.from_env({})
    assert settings == Settings()
    assert settings.upstream_url == DEFAULT_UPSTREAM_URL
    assert settings.redis_url is None
    assert (settings.host, settings.port) == ("127.0.0.1", 8080)
    assert (settings.final_ttl_s, settings.live_ttl_s) == (keys.FINAL_TTL_S, keys.LIVE_TTL_S)
    assert (settings.upcoming_ttl_s, settings.empty_ttl_s) == (
        keys.UPCOMING_TTL_S,
        keys.EMPTY_TTL_S,
    )
    assert settings.stale_keep_s == keys.STALE_KEEP_S
    assert (settings.log_level, settings.log_json) == ("INFO", False)


def test_unrelated_variables_ignored() -> None:
    """Variables without the NFLSCORES_ prefix change nothing."""
    assert Settings.from_env({"PORT": "1", "REDIS_URL": "x", "UPSTREAM_URL": "y"}) == Settings()


@pytest.mark.parametrize("field", sorted(SAMPLES))
def test_each_field_from_its_variable(field: str) -> None:
    """Each field reads its NFLSCORES_<FIELD> variable, converted to the field's type."""
    raw, expected = SAMPLES[field]
    assert getattr(Settings(), field) != expected
    value = getattr(Settings.from_env({var(field): raw}), field)
    assert value == expected
    assert type(value) is type(expected)


@pytest.mark.parametrize("field", sorted(SAMPLES))
def test_empty_variable_means_default(field: str) -> None:
    """An empty variable leaves the default."""
    assert getattr(Settings.from_env({var(field): ""}), field) == getattr(Settings(), field)


def test_values_are_stripped() -> None:
    """Blanks around a value are ignored."""
    settings = Settings.from_env({"NFLSCORES_PORT": " 9090 ", "NFLSCORES_LOG_JSON": " yes\n"})
    assert (settings.port, settings.log_json) == (9090, True)


def test_reads_process_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without a mapping, from_env reads the process environment."""
    monkeypatch.setenv("NFLSCORES_PORT", "9191")
    monkeypatch.setenv("NFLSCORES_UPSTREAM_URL", "http://127.0.0.1:9192")
    settings = Settings.from_env()
    assert (settings.port, settings.upstream_url) == (9191, "http://127.0.0.1:9192")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1", True),
        ("true", True),
        ("TRUE", True),
        ("yes", True),
        ("On", True),
        ("0", False),
        ("false", False),
        ("no", False),
        ("OFF", False),
    ],
)
def test_bool_spellings(raw: str, expected: bool) -> None:
    """Booleans read 1/true/yes/on and 0/false/no/off, in any case."""
    assert Settings.from_env({"NFLSCORES_LOG_JSON": raw}).log_json is expected


@pytest.mark.parametrize("level", ["DEBUG", "INFO", "WARNING", "ERROR", "debug", "Warning"])
def test_log_levels_accepted(level: str) -> None:
    """The four log levels are accepted in any case."""
    assert Settings.from_env({"NFLSCORES_LOG_LEVEL": level}).log_level == level


@pytest.mark.parametrize(
    "url",
    [
        "redis://127.0.0.1:6379/0",
        "rediss://cache.example:6380",
        "unix:///run/redis.sock",
        "redis+sentinel://10.0.0.1:26379,10.0.0.2:26379/mymaster/2",
        "redis+sentinel://:secret@sentinel.example/mymaster",
        "redis+cluster://10.0.0.1:6379,10.0.0.2:6379",
        "redis+cluster://user:secret@[::1]:7000",
    ],
)
def test_redis_url_schemes_accepted(url: str) -> None:
    """Redis URLs may be redis://, rediss://, unix://, redis+sentinel:// or redis+cluster://."""
    assert Settings.from_env({"NFLSCORES_REDIS_URL": url}).redis_url == url


# -- refused values --------------------------------------------------------------------------


@pytest.mark.parametrize("field", INT_FIELDS)
@pytest.mark.parametrize("raw", ["abc", "1.5", "1e3", "ten"])
def test_non_integer_refused(field: str, raw: str) -> None:
    """An integer setting with a non-integer value is refused, naming the variable."""
    assert_refused({var(field): raw}, var(field))


@pytest.mark.parametrize("field", FLOAT_FIELDS)
@pytest.mark.parametrize("raw", ["abc", "1,5", "5s"])
def test_non_numeric_refused(field: str, raw: str) -> None:
    """A seconds setting with a non-numeric value is refused, naming the variable."""
    assert_refused({var(field): raw}, var(field))


@pytest.mark.parametrize("field", FLOAT_FIELDS)
@pytest.mark.parametrize("raw", ["nan", "inf"])
def test_non_finite_refused(field: str, raw: str) -> None:
    """A seconds setting that is not a finite number is refused, naming the variable."""
    assert_refused({var(field): raw}, var(field))


@pytest.mark.parametrize("field", INT_FIELDS + FLOAT_FIELDS)
def test_negative_refused(field: str) -> None:
    """A negative number is refused, naming the variable."""
    assert_refused({var(field): "-1"}, var(field))


@pytest.mark.parametrize("field", POSITIVE_FIELDS)
def test_zero_refused_where_it_breaks(field: str) -> None:
    """Zero is refused for timeouts, limits and sizes that must be above zero."""
    assert_refused({var(field): "0"}, var(field))


@pytest.mark.parametrize("raw", ["0", "65536", "70000", "-80"])
def test_port_out_of_range_refused(raw: str) -> None:
    """A port outside 1-65535 is refused, naming NFLSCORES_PORT."""
    assert_refused({"NFLSCORES_PORT": raw}, "NFLSCORES_PORT")


@pytest.mark.parametrize("raw", ["1", "65535"])
def test_port_limits_accepted(raw: str) -> None:
    """Ports 1 and 65535 are accepted."""
    assert Settings.from_env({"NFLSCORES_PORT": raw}).port == int(raw)


@pytest.mark.parametrize(
    "url",
    [
        "ftp://127.0.0.1:8081",
        "127.0.0.1:8081",
        "localhost:8081",
        "not a url",
        "http://",
        "redis://127.0.0.1:6379",
        "http:/127.0.0.1:8081",
        "http:127.0.0.1:8081",
        "http://user@/ajax",
        "http://127.0.0.1:99999",
        "http://127.0.0.1:port",
        "http://[::1",
    ],
)
def test_bad_upstream_url_refused(url: str) -> None:
    """An upstream URL that is not http(s)://host[:port] is refused, naming the variable."""
    assert_refused({"NFLSCORES_UPSTREAM_URL": url}, "NFLSCORES_UPSTREAM_URL")


@pytest.mark.parametrize(
    "url",
    [
        "localhost:6379",
        "http://127.0.0.1:6379",
        "redis://",
        "redis:/127.0.0.1:6379",
        "redis://127.0.0.1:99999/0",
        "redis://[::1/0",
        "unix://",
        "redis+sentinel://10.0.0.1:26379",
        "redis+sentinel://10.0.0.1:26379/mymaster/zero",
        "redis+sentinel://10.0.0.1:26379/mymaster/0/extra",
        "redis+sentinel://10.0.0.1:99999/mymaster",
        "redis+sentinel:///mymaster",
        "redis+sentinel://a:1,,b:2/mymaster",
        "redis+cluster://",
        "redis+cluster://10.0.0.1:6379/0",
        "redis+cluster://10.0.0.1:port",
    ],
)
def test_bad_redis_url_refused(url: str) -> None:
    """A Redis URL that is none of the five forms, or has a bad host, port or path, is refused."""
    assert_refused({"NFLSCORES_REDIS_URL": url}, "NFLSCORES_REDIS_URL")


@pytest.mark.parametrize("raw", ["maybe", "2", "y", "enabled", "truee"])
def test_bad_bool_refused(raw: str) -> None:
    """A boolean setting with another spelling is refused, naming the variable."""
    assert_refused({"NFLSCORES_LOG_JSON": raw}, "NFLSCORES_LOG_JSON")


@pytest.mark.parametrize("raw", ["VERBOSE", "TRACE", "CRITICAL!", "5", "info debug"])
def test_bad_log_level_refused(raw: str) -> None:
    """An unknown log level is refused, naming the variable."""
    assert_refused({"NFLSCORES_LOG_LEVEL": raw}, "NFLSCORES_LOG_LEVEL")


def test_refusal_is_a_value_error() -> None:
    """SettingsError is a ValueError, so callers may treat it as a bad value."""
    assert issubclass(SettingsError, ValueError)


def test_direct_construction_validates() -> None:
    """validate() refuses a Settings built in code with a bad value, naming the variable."""
    with pytest.raises(SettingsError, match="NFLSCORES_LIVE_TTL_S"):
        Settings(live_ttl_s=-1).validate()


def test_access_log_can_be_switched_off_alone() -> None:
    """NFLSCORES_ACCESS_LOG=off silences only the access logger, not the service's own logs."""
    config = logging_config(Settings.from_env({"NFLSCORES_ACCESS_LOG": "off"}))
    assert config["loggers"]["nflscores.access"]["level"] == "WARNING"
    assert config["root"]["level"] == "INFO"
    default = logging_config(Settings.from_env({}))
    assert default["loggers"]["nflscores.access"]["level"] == "NOTSET"


def test_worker_count_follows_the_store() -> None:
    """Without NFLSCORES_WORKERS: one worker per CPU with Redis, one on the in-process store."""
    assert Settings(redis_url="redis://127.0.0.1:6379/0").worker_count(4) == 4
    assert Settings().worker_count(4) == 1
    assert Settings(workers=3).worker_count(8) == 3


def test_an_unreadable_field_type_is_a_settings_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """A field whose type has no parser is refused with SettingsError, never a KeyError."""
    from nflscores import settings as module  # noqa: PLC0415

    monkeypatch.setattr(module, "_PARSERS", {})
    assert_refused({"NFLSCORES_PORT": "9000"}, "NFLSCORES_PORT")


def test_zero_workers_are_refused() -> None:
    """NFLSCORES_WORKERS=0 names the variable."""
    assert_refused({"NFLSCORES_WORKERS": "0"}, "NFLSCORES_WORKERS")


# -- the source ------------------------------------------------------------------------------


def test_source_defaults_to_the_offline_replay() -> None:
    """Without NFLSCORES_SOURCE the service reads scorestrip from the local replay's URL."""
    settings = Settings.from_env({})
    assert (settings.source, settings.upstream_url) == ("scorestrip", DEFAULT_UPSTREAM_URL)


def test_espn_source_defaults_to_espns_production_base_url() -> None:
    """NFLSCORES_SOURCE=espn alone points the service at ESPN's production base URL."""
    settings = Settings.from_env({"NFLSCORES_SOURCE": "espn"})
    assert settings.upstream_url == "https://site.api.espn.com" == SOURCES["espn"]


def test_espn_source_keeps_a_given_base_url() -> None:
    """NFLSCORES_UPSTREAM_URL stays the base URL of whichever source is chosen."""
    environ = {"NFLSCORES_SOURCE": "espn", "NFLSCORES_UPSTREAM_URL": "http://127.0.0.1:8081"}
    assert Settings.from_env(environ).upstream_url == "http://127.0.0.1:8081"


@pytest.mark.parametrize("raw", ["ESPN!", "nfl.com", "espn,scorestrip", "xml", "1"])
def test_bad_source_refused(raw: str) -> None:
    """A source other than scorestrip or espn stops start-up with a message naming both."""
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({"NFLSCORES_SOURCE": raw})
    message = str(caught.value)
    assert "NFLSCORES_SOURCE" in message
    assert "scorestrip" in message
    assert "espn" in message


def test_body_cap_is_a_few_megabytes_by_default() -> None:
    """The default body cap holds the largest ESPN week seen (2.9 MB) and refuses 5 MB."""
    assert 3_000_000 < Settings().upstream_max_bytes < 5_000_000


def test_live_poll_is_at_least_five_seconds_by_default() -> None:
    """The poller asks the upstream at most every 5 s while a game is live, by default."""
    assert Settings().poll_live_interval_s >= 5.0


# -- the Redis URL forms ---------------------------------------------------------------------


def test_sentinel_url_names_every_sentinel_the_service_the_database_and_the_password() -> None:
    """redis+sentinel:// gives the Sentinels (default port 26379), SERVICE, DB and credentials."""
    url = "redis+sentinel://app:p%40ss@10.0.0.1:26380,sentinel.example/mymaster/3"
    target = Settings.from_env({"NFLSCORES_REDIS_URL": url}).redis_target()
    assert target == SentinelTarget(
        sentinels=(("10.0.0.1", 26380), ("sentinel.example", 26379)),
        service="mymaster",
        db=3,
        username="app",
        password="p@ss",
    )


def test_cluster_url_names_every_node_and_the_password() -> None:
    """redis+cluster:// gives the seed nodes (default port 6379) and a password alone."""
    url = "redis+cluster://:secret@10.0.0.1:7000,[::1]"
    target = Settings.from_env({"NFLSCORES_REDIS_URL": url}).redis_target()
    assert target == ClusterTarget(nodes=(("10.0.0.1", 7000), ("::1", 6379)), password="secret")


def test_plain_url_is_kept_whole_for_redis_py() -> None:
    """redis:// URLs are handed to redis-py as they are."""
    url = "redis://:pw@127.0.0.1:6379/4"
    assert Settings.from_env({"NFLSCORES_REDIS_URL": url}).redis_target() == PlainTarget(url)
