"""Turn ESPN's scoreboard JSON into a Week: a pure function of bytes, no I/O.

Only the fields the API needs are read, each checked for its type. A body that is not a
scoreboard (HTML, no `events`, a renamed or retyped field of the week) raises
UpstreamBadResponse naming what was wrong; one event that does not read is dropped with a
warning instead, unless no event of the week reads.
"""

from __future__ import annotations

import gc
import logging
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, TypedDict, TypeVar

import msgspec
import orjson

from nflscores.domain.calendar import EASTERN, WEEKDAYS
from nflscores.domain.errors import NoLiveWeek, UnknownTeam, UpstreamBadResponse
from nflscores.domain.models import (
    IN_PLAY_STATUSES,
    Game,
    GameIds,
    Side,
    Situation,
    Status,
    Venue,
    Week,
)
from nflscores.domain.teams import byes, era_code, nickname
from nflscores.domain.weeks import WeekRef
from nflscores.sources.espn_weeks import (
    ESPN_OFF,
    SeasonCalendar,
    from_espn,
    game_type_of,
    parse_calendar,
    to_espn,
)

log = logging.getLogger(__name__)

T = TypeVar("T")

#: A week is 150-400 KB; anything far past that is not a scoreboard.
MAX_DOCUMENT_BYTES: Final = 4 << 20

#: ESPN's abbreviations that no era of the service's team tables uses.
ESPN_CODES: Final = {"LAR": "LA", "WSH": "WAS"}
#: Statuses that stop or hold a game; the API shows them as `suspended` with the raw name.
HELD_STATUSES: Final = frozenset(
    {"STATUS_POSTPONED", "STATUS_CANCELED", "STATUS_SUSPENDED", "STATUS_DELAYED"}
)
#: Held statuses of games that may never have begun.
CALLED_OFF: Final = frozenset({"STATUS_POSTPONED", "STATUS_CANCELED"})
_CLOCK_RE: Final = re.compile(r"([0-9]{1,2}):([0-5][0-9])")
_ESPN_ID_RE: Final = re.compile(r"[0-9A-Za-z_-]{1,40}")
_TYPE_NAMES: Final = {
    str: "a string",
    int: "a number",
    bool: "a boolean",
    list: "a list",
    dict: "an object",
}

#: ESPN event id -> the ids the packaged history knows for that game, if any.
IdLookup = Callable[[str], GameIds | None]


def no_ids(espn_id: str) -> GameIds | None:
    """Know no game: every ESPN game gets the id derived from its ESPN id."""
    return None


def stable_id(espn_id: str) -> str:
    """Return the API id of an ESPN game the packaged history does not know."""
    return f"espn-{espn_id}"


@dataclass(frozen=True, slots=True)
class Scoreboard:
    """One scoreboard response: its week and, when it has a usable one, the season calendar."""

    week: Week
    calendar: SeasonCalendar | None


def parse_scoreboard(
    body: bytes,
    *,
    fetched_at: datetime,
    ref: WeekRef | None = None,
    ids: IdLookup = no_ids,
    max_bytes: int = MAX_DOCUMENT_BYTES,
) -> Week:
    """Return the week an ESPN scoreboard describes (see read_scoreboard)."""
    return read_scoreboard(body, fetched_at=fetched_at, ref=ref, ids=ids, max_bytes=max_bytes).week


def read_scoreboard(
    body: bytes,
    *,
    fetched_at: datetime,
    ref: WeekRef | None = None,
    ids: IdLookup = no_ids,
    max_bytes: int = MAX_DOCUMENT_BYTES,
) -> Scoreboard:
    """Return everything the service reads from an ESPN scoreboard.

    `ref` is the week that was asked for; without it (the current week) the week is read from
    the response's header, then its calendar at `fetched_at`, then its first event. Raises
    NoLiveWeek when ESPN is between seasons and UpstreamBadResponse on anything malformed.
    """
    with _collector_paused():
        return _read_scoreboard(body, fetched_at, ref, ids, max_bytes)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector while a scoreboard's tree is built and read.

    The containers a decode builds set off collections that find nothing (a decoded JSON tree
    holds no cycles, and reference counting frees it). Measured before the partial decode
    below, when a 400 KB scoreboard was about 19,000 containers, they more than doubled the
    parse's CPU; the whole-tree decode of a malformed document still builds that many.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _read_scoreboard(
    body: bytes, fetched_at: datetime, ref: WeekRef | None, ids: IdLookup, max_bytes: int
) -> Scoreboard:
    root = _document(body, max_bytes)
    events = _need(root, "events", list, "the scoreboard")
    header = _header(root)
    calendar = _calendar(root, header)
    regular = None if calendar is None else calendar.regular
    if ref is None:
        ref = _live_week(header, calendar, events, fetched_at, regular)
    elif header is not None and (header[0], *to_espn(ref)) != header:
        raise UpstreamBadResponse(f"asked for week {ref}, ESPN answered {_espn_name(header)}")
    games: list[Game] = []
    problems: list[str] = []
    for event in events:
        try:
            games.append(parse_event(event, ref=ref, ids=ids))
        except UpstreamBadResponse as exc:
            log.warning("dropping an ESPN event of %s: %s", ref, exc)
            problems.append(str(exc))
    if problems and not games:
        raise UpstreamBadResponse(f"no event of the scoreboard reads: {problems[0]}")
    games.sort(key=lambda game: (game.kickoff, game.id))
    week = Week(
        ref=ref,
        updated_at=fetched_at,
        games=tuple(games),
        source="espn",
        byes=_byes(root, ref, games),
    )
    return Scoreboard(week, calendar)


class _Competition(TypedDict, total=False):
    status: Any
    situation: Any
    competitors: Any
    venue: Any
    neutralSite: Any


class _Event(TypedDict, total=False):
    id: Any
    date: Any
    status: Any
    season: Any
    week: Any
    competitions: list[_Competition]


class _Scoreboard(TypedDict, total=False):
    events: list[_Event]
    season: Any
    week: Any
    leagues: Any


#: Decodes a scoreboard to the keys the parser reads, down to each competition, skipping the
#: rest (odds, leaders, broadcasts, headlines, links: most of ESPN's 150-400 KB) unbuilt: a
#: quarter of orjson's time for a whole 400 KB tree (bench/espn.py). Every key read above a
#: competition is named here; tests/test_espn_parser.py holds both decodes to the same week.
_SKELETON: Final = msgspec.json.Decoder(_Scoreboard)


def _document(body: bytes, max_bytes: int) -> dict[str, Any]:
    if len(body) > max_bytes:
        raise UpstreamBadResponse(f"the document is {len(body)} bytes, over the {max_bytes} limit")
    try:
        return dict(_SKELETON.decode(body))
    except msgspec.MsgspecError:
        pass  # not JSON, or not shaped like a scoreboard: the whole decode says what is wrong
    return _whole_document(body)


def _whole_document(body: bytes) -> dict[str, Any]:
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        if body.lstrip()[:1] == b"<":
            raise UpstreamBadResponse("the body is HTML or XML, not ESPN's JSON") from None
        raise UpstreamBadResponse(f"the body is not JSON: {exc}") from None
    return _as(doc, dict, "the document")


def _header(root: dict[str, Any]) -> tuple[int, int, int] | None:
    """Return the (season, season type, week number) the scoreboard says it holds."""
    season, week = root.get("season"), root.get("week")
    if season is None or week is None:
        return None
    season = _as(season, dict, "the scoreboard's season")
    week = _as(week, dict, "the scoreboard's week")
    return (
        _need(season, "year", int, "the scoreboard's season"),
        _need(season, "type", int, "the scoreboard's season"),
        _need(week, "number", int, "the scoreboard's week"),
    )


def _calendar(root: dict[str, Any], header: tuple[int, int, int] | None) -> SeasonCalendar | None:
    leagues = root.get("leagues")
    if not isinstance(leagues, list) or not leagues or not isinstance(leagues[0], dict):
        return None
    league = leagues[0]
    season_info = league.get("season")
    year = season_info.get("year") if isinstance(season_info, dict) else None
    if not isinstance(year, int) or isinstance(year, bool):
        year = None if header is None else header[0]
    if year is None:
        return None
    calendar = parse_calendar(year, league.get("calendar"))
    if calendar is None and "calendar" in league:
        log.warning("ESPN's calendar for %s does not read; using the built-in week rules", year)
    return calendar


def _live_week(
    header: tuple[int, int, int] | None,
    calendar: SeasonCalendar | None,
    events: list[Any],
    fetched_at: datetime,
    regular: int | None,
) -> WeekRef:
    if header is None and calendar is not None:
        now = calendar.week_at(fetched_at)
        if now is not None:
            return now
    if header is None and events:
        header = _event_week(events[0])
    if header is None:
        if not events:
            raise NoLiveWeek("ESPN's scoreboard lists no week")
        raise UpstreamBadResponse("the scoreboard does not say which season and week it holds")
    if header[1] == ESPN_OFF:
        raise NoLiveWeek(f"ESPN is in the {header[0]} off-season")
    ref = from_espn(*header, regular=regular)
    if ref is None:
        raise UpstreamBadResponse(f"the scoreboard names {_espn_name(header)}, not an NFL week")
    return ref


def _event_week(event: Any) -> tuple[int, int, int] | None:
    if not isinstance(event, dict):
        return None
    season, week = event.get("season"), event.get("week")
    if not isinstance(season, dict) or not isinstance(week, dict):
        return None
    parts = (season.get("year"), season.get("type"), week.get("number"))
    if all(isinstance(part, int) and not isinstance(part, bool) for part in parts):
        return parts  # type: ignore[return-value]
    return None


def _espn_name(header: tuple[int, int, int]) -> str:
    season, season_type, number = header
    return f"{season} season type {season_type} week {number}"


def _byes(root: dict[str, Any], ref: WeekRef, games: list[Game]) -> tuple[str, ...] | None:
    """Return the week's `teamsOnBye`, or the byes the team tables can tell for a REG week."""
    week = root.get("week")
    teams = week.get("teamsOnBye") if isinstance(week, dict) else None
    if not isinstance(teams, list):
        if ref.season_type != "REG":
            return None
        return byes(ref.season, [team for game in games for team in game.teams])
    codes = []
    for team in teams:
        abbreviation = team.get("abbreviation") if isinstance(team, dict) else None
        if isinstance(abbreviation, str) and abbreviation:
            codes.append(service_code(abbreviation, ref.season))
    return tuple(sorted(codes))


def service_code(abbreviation: str, season: int) -> str:
    """Return the service's code in `season` of the club ESPN abbreviates (`LAR` -> `STL`)."""
    code = ESPN_CODES.get(abbreviation, abbreviation)
    try:
        return era_code(code, season)
    except UnknownTeam:
        return code  # Pro Bowl sides, TBD slots, seasons before the tables: as sent.


def parse_event(event: Any, *, ref: WeekRef, ids: IdLookup = no_ids) -> Game:
    """Return the game one ESPN event describes; raise UpstreamBadResponse if it does not read."""
    event = _as(event, dict, "an event")
    espn_id = _need(event, "id", str, "an event")
    if not _ESPN_ID_RE.fullmatch(espn_id):
        raise UpstreamBadResponse(f"an event has an unusable id {espn_id[:60]!r}")
    where = f"event {espn_id}"
    kickoff = _kickoff(_need(event, "date", str, where), where)
    competitions = _need(event, "competitions", list, where)
    if not competitions:
        raise UpstreamBadResponse(f"{where} has no competitions")
    competition = _as(competitions[0], dict, f"{where}'s competition")
    status_info = event.get("status", competition.get("status"))
    status, quarter, clock, raw_status = _status(_as(status_info, dict, f"{where}'s status"), where)
    home, away = _competitors(competition, where)
    # ESPN sends "0" before kickoff: a score is only known once the game began. A postponed
    # or canceled game began only if it has line scores (a game called off mid-way keeps them).
    called_off = raw_status in CALLED_OFF and not (_linescore(home) or _linescore(away))
    started = status != "scheduled" and _state(status_info) != "pre" and not called_off
    in_play = status == "in_progress"
    situation = _loose(competition, "situation", dict)
    known = ids(espn_id)
    game_ids = GameIds(
        eid=None if known is None else known.eid,
        gsis=None if known is None else known.gsis,
        espn=espn_id,
    )
    season = ref.season
    home_side = _side(home, season, where, started=started)
    away_side = _side(away, season, where, started=started)
    return Game(
        id=game_ids.eid or stable_id(espn_id),
        gsis=game_ids.gsis,
        game_type=game_type_of(ref),
        kickoff=kickoff,
        day=WEEKDAYS[kickoff.weekday()],
        status=status,
        quarter=quarter,
        clock=clock,
        possession=_possession(situation, ((home, home_side), (away, away_side)))
        if in_play
        else None,
        red_zone=_loose(situation, "isRedZone", bool) if in_play and situation else None,
        home=home_side,
        away=away_side,
        raw_status=raw_status,
        ids=game_ids,
        situation=_situation(situation) if status in IN_PLAY_STATUSES and situation else None,
        venue=_venue(competition),
    )


def _kickoff(text: str, where: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise UpstreamBadResponse(f"{where} has an unreadable date {text[:40]!r}") from None
    if moment.tzinfo is None:
        raise UpstreamBadResponse(f"{where} has a date without a time zone: {text[:40]!r}")
    return moment.astimezone(EASTERN)


def _state(status_info: Any) -> str | None:
    kind = status_info.get("type") if isinstance(status_info, dict) else None
    state = kind.get("state") if isinstance(kind, dict) else None
    return state if isinstance(state, str) else None


def _status(info: dict[str, Any], where: str) -> tuple[Status, int | None, str | None, str | None]:
    """Return (status, quarter, clock, raw status) of an event's `status` object."""
    kind = _need(info, "type", dict, f"{where}'s status")
    name = _need(kind, "name", str, f"{where}'s status type")
    state = _need(kind, "state", str, f"{where}'s status type")
    period = _typed(info, "period", int, f"{where}'s status")
    if name in HELD_STATUSES:
        return "suspended", None, None, name
    if name == "STATUS_HALFTIME":
        return "halftime", None, None, None
    if state == "pre":
        return "scheduled", None, None, None
    if state == "in":
        if period is None or period < 1:
            raise UpstreamBadResponse(f"{where} is in play without a period")
        return "in_progress", min(period, 5), _clock(info), None
    if state == "post":
        detail = _loose(kind, "detail", str) or ""
        overtime = (period is not None and period > 4) or "OT" in detail
        return ("final_overtime" if overtime else "final"), None, None, None
    return "suspended", None, None, name


def _clock(info: dict[str, Any]) -> str | None:
    shown = _loose(info, "displayClock", str)
    match = _CLOCK_RE.fullmatch(shown) if shown is not None else None
    if match is not None:
        return f"{int(match[1]):02d}:{match[2]}"
    seconds = info.get("clock")
    if isinstance(seconds, int | float) and not isinstance(seconds, bool) and 0 <= seconds < 6000:
        minutes, rest = divmod(int(seconds), 60)
        return f"{minutes:02d}:{rest:02d}"
    return None


def _competitors(competition: dict[str, Any], where: str) -> tuple[dict[str, Any], dict[str, Any]]:
    sides: dict[str, dict[str, Any]] = {}
    for item in _need(competition, "competitors", list, where):
        competitor = _as(item, dict, f"a competitor of {where}")
        sides[_need(competitor, "homeAway", str, f"a competitor of {where}")] = competitor
    if "home" not in sides or "away" not in sides:
        raise UpstreamBadResponse(f"{where} does not name a home and an away team")
    return sides["home"], sides["away"]


def _side(competitor: dict[str, Any], season: int, where: str, *, started: bool) -> Side:
    team = _need(competitor, "team", dict, f"a competitor of {where}")
    abbreviation = _need(team, "abbreviation", str, f"a team of {where}")
    code = service_code(abbreviation, season)
    try:
        name = nickname(code, season)
    except UnknownTeam:
        name = (_loose(team, "name", str) or "").lower()
    return Side(
        code,
        name,
        _score(competitor.get("score"), where) if started else None,
        linescore=_linescore(competitor) if started else None,
        record=_record(competitor),
    )


def _score(value: Any, where: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    raise UpstreamBadResponse(f"{where} has a score that is not a number: {str(value)[:20]!r}")


def _possession(
    situation: dict[str, Any] | None, sides: tuple[tuple[dict[str, Any], Side], ...]
) -> str | None:
    """Return the code of the team the situation's `possession` (an ESPN team id) names."""
    team_id = _loose(situation, "possession", str)
    for competitor, side in sides:
        team = competitor.get("team")
        if team_id is not None and isinstance(team, dict) and team.get("id") == team_id:
            return side.team
    return None


def _situation(situation: dict[str, Any]) -> Situation:
    down = _loose(situation, "down", int)
    if down is not None and not 1 <= down <= 4:
        down = None  # ESPN's -1 between possessions
    distance = _loose(situation, "distance", int)
    return Situation(
        down=down,
        distance=distance if down is not None and distance is not None and distance >= 0 else None,
        yard_line=_loose(situation, "possessionText", str),
        text=_loose(situation, "downDistanceText", str),
        home_timeouts=_loose(situation, "homeTimeouts", int),
        away_timeouts=_loose(situation, "awayTimeouts", int),
    )


def _venue(competition: dict[str, Any]) -> Venue | None:
    venue = _loose(competition, "venue", dict)
    neutral = _loose(competition, "neutralSite", bool)
    if venue is None and neutral is None:
        return None
    address = _loose(venue, "address", dict)
    return Venue(
        name=_loose(venue, "fullName", str),
        city=_loose(address, "city", str),
        neutral_site=neutral,
    )


def _linescore(competitor: dict[str, Any]) -> tuple[int, ...] | None:
    periods = _loose(competitor, "linescores", list)
    if not periods:
        return None
    points = []
    for period in periods:
        value = period.get("value") if isinstance(period, dict) else None
        if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
            return None
        points.append(int(value))
    return tuple(points)


def _record(competitor: dict[str, Any]) -> str | None:
    records = _loose(competitor, "records", list) or []
    summaries = [r for r in records if isinstance(r, dict) and isinstance(r.get("summary"), str)]
    for record in summaries:
        if record.get("type") == "total":
            return str(record["summary"])
    return str(summaries[0]["summary"]) if summaries else None


def _is(value: Any, kind: type[Any]) -> bool:
    if isinstance(value, bool) and kind is not bool:
        return False
    return isinstance(value, kind)


def _describe(value: Any) -> str:
    if value is None:
        return "null"
    return _TYPE_NAMES.get(type(value), type(value).__name__)


def _as(value: Any, kind: type[T], what: str) -> T:
    if not _is(value, kind):
        raise UpstreamBadResponse(f"{what} is {_describe(value)}, not {_TYPE_NAMES[kind]}")
    return value  # type: ignore[no-any-return]


def _need(obj: dict[str, Any], key: str, kind: type[T], where: str) -> T:
    """Return a field that must be there with its type."""
    if key not in obj:
        raise UpstreamBadResponse(f"{where} has no {key!r}")
    return _as(obj[key], kind, f"{key!r} of {where}")


def _typed(obj: dict[str, Any], key: str, kind: type[T], where: str) -> T | None:
    """Return a field that may be missing or null, but has its type when it is there."""
    value = obj.get(key)
    return None if value is None else _as(value, kind, f"{key!r} of {where}")


def _loose(obj: dict[str, Any] | None, key: str, kind: type[T]) -> T | None:
    """Return a detail field when it is there with its type; anything else is no value."""
    value = None if obj is None else obj.get(key)
    return value if value is not None and _is(value, kind) else None
