"""Turn scorestrip XML into a Week: a pure function of bytes, no I/O.

Both flavours read the same: the week feed (`/ajax/scorestrip`) and the live feed (`ss.xml`,
which leaves `k` and `p` out of games not in play and sends "0" scores before kickoff).
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from functools import cache
from typing import Final

from lxml import etree

from nflscores.domain.calendar import EASTERN, played_on
from nflscores.domain.errors import NoLiveWeek, ParseError
from nflscores.domain.models import Game, GameIds, Side, Status, Week
from nflscores.domain.teams import byes
from nflscores.domain.weeks import WeekRef, find_week, season_type_of

MAX_DOCUMENT_BYTES: Final = 1 << 20

_EID_RE: Final = re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})[0-9]{2}")
_TIME_RE: Final = re.compile(r"([0-9]{1,2}):([0-9]{2})")
_CLOCK_RE: Final = re.compile(r"[0-9]{1,2}:[0-9]{2}")
_QUARTERS: Final = {"1": 1, "2": 2, "3": 3, "4": 4, "5": 5, "O": 5}
_FIXED_STATUSES: Final[dict[str, Status]] = {
    "P": "scheduled",
    "H": "halftime",
    "F": "final",
    "FO": "final_overtime",
}
_FEED_SEASON_TYPES: Final = {"P": "PRE", "R": "REG", "POST": "POST", "PRO": "POST"}


@cache
def _xml_parser() -> etree.XMLParser:
    # The body comes from the network: no entities, no DTD, no network, no huge trees.
    return etree.XMLParser(
        resolve_entities=False,
        load_dtd=False,
        no_network=True,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def kickoff_time(eid: str, listed: str, *, weekday: str, game_type: str) -> datetime:
    """Return a game's kickoff in US/Eastern from its eid date and 12-hour listed time.

    scorestrip's `t` has no AM/PM: 12 is noon, 9:xx on a regular-season Sunday is a London
    morning game, and every other hour is afternoon or evening.
    """
    date_match = _EID_RE.fullmatch(eid)
    time_match = _TIME_RE.fullmatch(listed)
    if date_match is None or time_match is None:
        raise ParseError(f"game {eid!r} has an unreadable date or kickoff time {listed!r}")
    hour, minute = int(time_match[1]), int(time_match[2])
    if not 1 <= hour <= 12 or minute > 59:
        raise ParseError(f"game {eid!r} has an impossible kickoff time {listed!r}")
    morning = hour == 9 and weekday == "Sun" and game_type == "REG"
    if hour != 12 and not morning:
        hour += 12
    try:
        day = date(int(date_match[1]), int(date_match[2]), int(date_match[3]))
    except ValueError:
        raise ParseError(f"game id {eid!r} does not hold a real date") from None
    try:
        played = played_on(day, weekday)
    except OverflowError:  # a moved game past 9999-12-31
        raise ParseError(f"game id {eid!r} does not hold a real date") from None
    return datetime.combine(played, time(hour, minute), tzinfo=EASTERN)


def _is_number(text: str) -> bool:
    # str.isdigit() also accepts superscripts and other scripts' digits, which int() refuses.
    return text.isascii() and text.isdigit()


def _status(q: str) -> tuple[Status, int | None]:
    if q in _QUARTERS:
        return "in_progress", _QUARTERS[q]
    return _FIXED_STATUSES.get(q, "suspended"), None


def _score(raw: str, eid: str) -> int | None:
    if raw == "":
        return None
    if not _is_number(raw):
        raise ParseError(f"game {eid!r} has a score that is not a number: {raw!r}")
    return int(raw)


def parse_game(attrs: dict[str, str]) -> Game:
    """Return the game one `<g>` element's attributes describe."""
    get = attrs.get
    eid = get("eid", "")
    game_type = get("gt", "")
    weekday = get("d", "")
    q = get("q", "")
    status, quarter = _status(q)
    in_play = status == "in_progress"
    gsis = get("gsis", "")
    clock = get("k", "")
    rz = get("rz", "")
    # The live feed sends "0" before kickoff; a score is only known once the game started.
    started = status != "scheduled"
    gsis_number = int(gsis) if _is_number(gsis) else None
    return Game(
        id=eid,
        gsis=gsis_number,
        game_type=game_type,
        kickoff=kickoff_time(eid, get("t", ""), weekday=weekday, game_type=game_type),
        day=weekday,
        status=status,
        quarter=quarter,
        clock=clock if in_play and _CLOCK_RE.fullmatch(clock) else None,
        possession=(get("p") or None) if in_play else None,
        red_zone={"1": True, "0": False}.get(rz) if in_play else None,
        home=Side(get("h", ""), get("hnn", ""), _score(get("hs", ""), eid) if started else None),
        away=Side(get("v", ""), get("vnn", ""), _score(get("vs", ""), eid) if started else None),
        raw_status=q if status == "suspended" else None,
        ids=GameIds(eid=eid or None, gsis=gsis_number),
    )


def _feed_week(gms: etree._Element, games: list[Game]) -> WeekRef:
    """Return the week a live feed's `<gms>` header names."""
    year, number = gms.get("y", ""), gms.get("w", "")
    if not (_is_number(year) and _is_number(number)):
        raise ParseError("the feed does not say which season and week it holds")
    if games:
        season_type: str = season_type_of(games[0].game_type)
    else:
        season_type = _FEED_SEASON_TYPES.get(gms.get("t", ""), "REG")
    ref = find_week(int(year), season_type, int(number))
    if ref is None:
        raise ParseError(f"the feed names week {season_type} {number} that {year} does not have")
    return ref


def parse_scorestrip(
    body: bytes,
    *,
    fetched_at: datetime,
    ref: WeekRef | None = None,
    max_bytes: int = MAX_DOCUMENT_BYTES,
) -> Week:
    """Return the week a scorestrip document describes.

    The week is the one the document's `<gms y= w=>` header names; `ref` (the week asked of the
    week feed) stands in only when the header does not say. Without either (a live feed with
    no `<gms>`) it raises NoLiveWeek. Raises ParseError on anything malformed.
    """
    if len(body) > max_bytes:
        raise ParseError(f"the document is {len(body)} bytes, over the {max_bytes} limit")
    try:
        root = etree.fromstring(body, _xml_parser())
    except etree.XMLSyntaxError as exc:
        raise ParseError(f"the document is not well-formed XML: {exc}") from None
    if root.getroottree().docinfo.doctype:  # type: ignore[union-attr]
        raise ParseError("the document declares a DTD, which scorestrip never does")
    if root.tag != "ss":
        raise ParseError(f"the root element is <{root.tag}>, not <ss>")
    gms = root.find("gms")
    elements = () if gms is None else gms.iterfind("g")
    games = [parse_game(dict(element.attrib)) for element in elements]  # type: ignore[arg-type]
    games.sort(key=lambda game: (game.kickoff, game.id))
    if ref is None:
        if gms is None:
            raise NoLiveWeek("the live feed lists no week")
        ref = _feed_week(gms, games)
    elif gms is not None and gms.get("y") is not None and gms.get("w") is not None:
        # The document says which week it holds: that is the week it is, whatever was asked
        # (domain.answers compares the two).
        ref = _feed_week(gms, games)
    return Week(
        ref=ref,
        updated_at=fetched_at,
        games=tuple(games),
        source="scorestrip",
        byes=byes(ref.season, [team for game in games for team in game.teams])
        if ref.season_type == "REG"
        else None,
    )
