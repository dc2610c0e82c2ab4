"""The scorestrip parser: the captures, the kickoff rule, statuses, the live header, bad input.

Expected values come from the XML itself (read with the stdlib's ElementTree) and from
independent sources (nflverse games.csv kickoffs), never from the parser under test.
"""

from __future__ import annotations

import re
import socket
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr
from zoneinfo import ZoneInfo

import orjson
import pytest

from nflscores.domain.encoding import decode_week, encode_week
from nflscores.domain.errors import NoLiveWeek, ParseError
from nflscores.domain.models import Game, GameIds, Side, Week
from nflscores.domain.weeks import WeekRef
from nflscores.sources.scorestrip import (
    MAX_DOCUMENT_BYTES,
    kickoff_time,
    parse_game,
    parse_scorestrip,
)
from tests.feeds import final_week
from tests.support import SCORESTRIP_CAPTURES

EASTERN = ZoneInfo("America/New_York")
FETCHED_AT = datetime(2016, 8, 14, 23, 55, 3, tzinfo=UTC)

#: Listed kickoffs, 24-hour US/Eastern. Regular season: nflverse games.csv `gametime` by
#: `old_game_id`; preseason (not in games.csv): checked by hand, all afternoon or evening.
KICKOFFS = {
    "2014080300": "20:00",
    "2014110600": "20:25", "2014110900": "13:00", "2014110901": "13:00", "2014110902": "13:00",
    "2014110903": "13:00", "2014110904": "13:00", "2014110905": "13:00", "2014110906": "13:00",
    "2014110907": "16:05", "2014110908": "16:25", "2014110909": "16:25", "2014110910": "20:30",
    "2014111000": "20:30", "2015091000": "20:30", "2015091300": "13:00", "2015091301": "13:00",
    "2015091302": "13:00", "2015091303": "13:00", "2015091304": "13:00", "2015091305": "13:00",
    "2015091306": "13:00", "2015091307": "16:05", "2015091308": "16:05", "2015091309": "16:25",
    "2015091310": "16:25", "2015091311": "16:25", "2015091312": "20:30", "2015091400": "19:10",
    "2015091401": "22:20", "2015092400": "20:25", "2015092700": "13:00", "2015092701": "13:00",
    "2015092702": "13:00", "2015092703": "13:00", "2015092704": "13:00", "2015092705": "13:00",
    "2015092706": "13:00", "2015092707": "13:00", "2015092708": "13:00", "2015092709": "13:00",
    "2015092710": "16:05", "2015092711": "16:25", "2015092712": "16:25", "2015092713": "20:30",
    "2015092800": "20:30", "2015102200": "20:25", "2015102500": "09:30", "2015102501": "13:00",
    "2015102502": "13:00", "2015102503": "13:00", "2015102504": "13:00", "2015102505": "13:00",
    "2015102506": "13:00", "2015102507": "13:00", "2015102508": "13:00", "2015102509": "16:05",
    "2015102510": "16:25", "2015102511": "20:30", "2015102600": "20:30",
    "2016081151": "19:00", "2016081152": "19:00", "2016081153": "19:30", "2016081154": "19:30",
    "2016081155": "19:30", "2016081156": "20:00", "2016081252": "19:00", "2016081253": "19:00",
    "2016081254": "19:30", "2016081255": "20:00", "2016081256": "22:00", "2016081351": "16:30",
    "2016081352": "20:00", "2016081353": "20:00", "2016081354": "19:00", "2016081451": "19:00",
}  # fmt: skip

#: capture -> (the week asked for, None for the live feed; the week the capture holds)
CAPTURES: dict[str, tuple[WeekRef | None, WeekRef]] = {
    "2014-PRE-00-live-hof.xml": (None, WeekRef(2014, "PRE", 0, "pre-0")),
    "2014-REG-10-before-kickoff.xml": (
        WeekRef(2014, "REG", 10, "10"),
        WeekRef(2014, "REG", 10, "10"),
    ),
    "2014-REG-10-live-in-progress.xml": (None, WeekRef(2014, "REG", 10, "10")),
    "2015-REG-01.xml": (WeekRef(2015, "REG", 1, "1"), WeekRef(2015, "REG", 1, "1")),
    "2015-REG-03.xml": (WeekRef(2015, "REG", 3, "3"), WeekRef(2015, "REG", 3, "3")),
    "2016-PRE-01-live-ss.xml": (None, WeekRef(2016, "PRE", 1, "pre-1")),
}

STATUS_OF_Q = {
    "P": "scheduled",
    "1": "in_progress",
    "2": "in_progress",
    "3": "in_progress",
    "4": "in_progress",
    "5": "in_progress",
    "O": "in_progress",
    "H": "halftime",
    "F": "final",
    "FO": "final_overtime",
}
QUARTER_OF_Q = {"1": 1, "2": 2, "3": 3, "4": 4, "5": 5, "O": 5}

WEEK_KEYS = {"season", "season_type", "week", "slug", "source", "updated_at", "byes", "games"}
GAME_KEYS = {
    "id",
    "gsis",
    "ids",
    "situation",
    "venue",
    "game_type",
    "kickoff",
    "day",
    "status",
    "quarter",
    "clock",
    "possession",
    "red_zone",
    "home",
    "away",
}
STATUSES = {"scheduled", "in_progress", "halftime", "final", "final_overtime", "suspended"}
GAME_TYPES = {"PRE", "REG", "WC", "DIV", "CON", "PRO", "SB"}
ISO_UTC_SECONDS = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")
ISO_WITH_OFFSET = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}[+-][0-9]{2}:[0-9]{2}"
)

#: One finished game with every attribute, as the week feed sends it.
FINAL_GAME = {
    "eid": "2015091000",
    "gsis": "56503",
    "d": "Thu",
    "t": "8:30",
    "q": "F",
    "k": "",
    "h": "NE",
    "hnn": "patriots",
    "hs": "28",
    "v": "PIT",
    "vnn": "steelers",
    "vs": "21",
    "p": "",
    "rz": "",
    "ga": "",
    "gt": "REG",
}
WEEK_1 = WeekRef(2015, "REG", 1, "1")


def capture_path(name: str) -> Path:
    """Return a real capture's path; skip the test where ../shared/data/scorestrip is absent."""
    if not SCORESTRIP_CAPTURES.is_dir():
        pytest.skip("../shared/data/scorestrip is absent (real captures live outside)")
    return SCORESTRIP_CAPTURES / name


def read_capture(name: str) -> bytes:
    """Return a real capture's bytes (see capture_path)."""
    return capture_path(name).read_bytes()


def parse_capture(name: str) -> Week:
    """Return the week the parser reads from a capture, asked as the service would ask."""
    asked, _ = CAPTURES[name]
    return parse_scorestrip(read_capture(name), fetched_at=FETCHED_AT, ref=asked)


def header_of(path: Path, week: int) -> ET.Element:
    """Return the capture's <gms> header for a scorestrip week number."""
    headers = [gms for gms in ET.parse(path).getroot().iter("gms") if gms.get("w") == str(week)]
    assert len(headers) == 1, f"{path.name} should hold exactly one <gms w={week!r}>"
    return headers[0]


def expected_game(attrs: dict[str, str]) -> Game:
    """Return the game API.md describes for one <g>, worked out without the parser."""
    q = attrs.get("q", "")
    status = STATUS_OF_Q.get(q, "suspended")
    in_play = status == "in_progress"
    eid = attrs["eid"]
    hour, minute = (int(part) for part in KICKOFFS[eid].split(":"))
    kickoff = datetime(int(eid[:4]), int(eid[4:6]), int(eid[6:8]), hour, minute, tzinfo=EASTERN)

    def score(raw: str) -> int | None:
        return None if status == "scheduled" or raw == "" else int(raw)

    return Game(
        id=eid,
        gsis=int(attrs["gsis"]),
        game_type=attrs["gt"],
        kickoff=kickoff,
        day=attrs["d"],
        status=status,  # type: ignore[arg-type]
        quarter=QUARTER_OF_Q.get(q),
        clock=(attrs.get("k") or None) if in_play else None,
        possession=(attrs.get("p") or None) if in_play else None,
        red_zone={"1": True, "0": False}.get(attrs.get("rz", "")) if in_play else None,
        home=Side(attrs["h"], attrs["hnn"], score(attrs["hs"])),
        away=Side(attrs["v"], attrs["vnn"], score(attrs["vs"])),
        raw_status=q if status == "suspended" else None,
        ids=GameIds(eid=eid, gsis=int(attrs["gsis"])),
    )


def expected_games(name: str) -> list[Game]:
    """Return the games a capture's week holds, sorted by kickoff then id."""
    _, held = CAPTURES[name]
    header = header_of(capture_path(name), held.week)
    games = [expected_game(dict(g.attrib)) for g in header.iter("g")]
    return sorted(games, key=lambda game: (game.kickoff, game.id))


def document(*games: dict[str, str], header: str = 'w="1" y="2015" t="R"') -> bytes:
    """Return a scorestrip document holding games with exactly these attributes."""
    rows = "".join(
        "<g " + " ".join(f"{key}={quoteattr(value)}" for key, value in game.items()) + "/>"
        for game in games
    )
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<ss><gms {header}>{rows}</gms></ss>'.encode()


def game_with(**changes: str) -> dict[str, str]:
    """Return FINAL_GAME's attributes with some changed."""
    return {**FINAL_GAME, **changes}


def parse_one(**changes: str) -> Game:
    """Return the one game of a document holding FINAL_GAME with some attributes changed."""
    week = parse_scorestrip(document(game_with(**changes)), fetched_at=FETCHED_AT, ref=WEEK_1)
    assert len(week.games) == 1
    return week.games[0]


# -- every capture ---------------------------------------------------------------------------


def test_every_capture_has_expectations() -> None:
    """Every XML capture in ../shared/data/scorestrip is listed here, so none goes untested."""
    folder = capture_path("")
    assert sorted(path.name for path in folder.glob("*.xml")) == sorted(CAPTURES)


@pytest.mark.parametrize("name", sorted(CAPTURES))
def test_capture_names_its_week(name: str) -> None:
    """A capture parses to the week it holds, stamped with the fetch time."""
    _, held = CAPTURES[name]
    week = parse_capture(name)
    assert (week.season, week.season_type, week.week, week.slug) == (
        held.season,
        held.season_type,
        held.week,
        held.slug,
    )
    assert week.updated_at == FETCHED_AT


@pytest.mark.parametrize("name", sorted(CAPTURES))
def test_capture_games_match_their_attributes(name: str) -> None:
    """Every game of a capture carries its XML's teams, scores, status, clock and kickoff."""
    parsed = {game.id: game for game in parse_capture(name).games}
    expected = {game.id: game for game in expected_games(name)}
    assert parsed.keys() == expected.keys()
    for eid, game in expected.items():
        assert parsed[eid] == game, eid
        assert parsed[eid].kickoff.utcoffset() == game.kickoff.utcoffset(), eid


@pytest.mark.parametrize("name", sorted(CAPTURES))
def test_capture_games_sorted_by_kickoff_then_id(name: str) -> None:
    """A capture's games come sorted by kickoff, then id, whatever the document order."""
    parsed = [game.id for game in parse_capture(name).games]
    assert parsed == [game.id for game in expected_games(name)]


def test_eid_suffix_is_not_kickoff_order() -> None:
    """The 2016 preseason feed's Saturday 7:00 game (eid ..54) comes before the 8:00 ones (..52)."""
    ids = [game.id for game in parse_capture("2016-PRE-01-live-ss.xml").games]
    assert ids.index("2016081354") < ids.index("2016081352") < ids.index("2016081353")
    # Document order lists ..52 before ..51 at the same kickoff: the id breaks the tie.
    assert ids.index("2016081151") < ids.index("2016081152")


def test_same_kickoff_sorted_by_id_not_document_order() -> None:
    """2014 week 10 lists eid 2014110900 after ..04 at 1:00; it is sorted first of the 1:00s."""
    ids = [game.id for game in parse_capture("2014-REG-10-before-kickoff.xml").games]
    assert ids[:3] == ["2014110600", "2014110900", "2014110901"]


def test_2015_week_1_has_one_overtime_final() -> None:
    """2015 REG week 1 has 16 finished games, one after overtime: STL 34 SEA 31."""
    week = parse_capture("2015-REG-01.xml")
    assert len(week.games) == 16
    assert all(game.id.startswith("201509") for game in week.games)
    overtime = [game for game in week.games if game.status == "final_overtime"]
    assert [game.id for game in overtime] == ["2015091301"]
    (game,) = overtime
    assert (game.home, game.away) == (Side("STL", "rams", 34), Side("SEA", "seahawks", 31))
    assert {game.status for game in week.games} == {"final", "final_overtime"}
    assert week.state == "final"


def test_thursday_game_in_progress() -> None:
    """The live capture's CIN-CLE is in the 2nd quarter, 01:03 left, CIN ball, not red zone."""
    week = parse_capture("2014-REG-10-live-in-progress.xml")
    game = next(game for game in week.games if game.id == "2014110600")
    assert game.status == "in_progress"
    assert game.quarter == 2
    assert game.clock == "01:03"
    assert game.possession == "CIN"
    assert game.red_zone is False
    assert (game.home, game.away) == (Side("CIN", "bengals", 3), Side("CLE", "browns", 17))
    assert game.kickoff.isoformat() == "2014-11-06T20:25:00-05:00"
    assert week.state == "live"


def test_live_feed_zero_scores_before_kickoff_are_null() -> None:
    """The live feed's "0" scores of games not yet started read as null."""
    week = parse_capture("2014-REG-10-live-in-progress.xml")
    pregame = [game for game in week.games if game.status == "scheduled"]
    assert len(pregame) == 12
    assert all(game.home.score is None and game.away.score is None for game in pregame)
    assert all(game.quarter is None and game.clock is None for game in pregame)
    assert all(game.possession is None and game.red_zone is None for game in pregame)


def test_week_feed_before_kickoff_has_no_scores() -> None:
    """Every game of the week feed before kickoff is scheduled with null scores."""
    week = parse_capture("2014-REG-10-before-kickoff.xml")
    assert len(week.games) == 13
    assert {game.status for game in week.games} == {"scheduled"}
    assert all(game.home.score is None and game.away.score is None for game in week.games)
    assert week.state == "upcoming"


def test_live_preseason_feed_keeps_new_team_codes() -> None:
    """The 2016 preseason feed keeps JAX and LA as sent, and its 10:00 game is at night."""
    week = parse_capture("2016-PRE-01-live-ss.xml")
    teams = {team for game in week.games for team in game.teams}
    assert {"JAX", "LA"} <= teams
    assert not {"JAC", "STL"} & teams
    late = next(game for game in week.games if game.id == "2016081256")
    assert late.kickoff.isoformat() == "2016-08-12T22:00:00-04:00"
    assert late.game_type == "PRE"


def test_hall_of_fame_live_feed_is_pre_0() -> None:
    """The 2014 Hall of Fame live feed is 2014 PRE week 0, BUF-NYG at 8:00 PM, not started."""
    week = parse_capture("2014-PRE-00-live-hof.xml")
    assert week.slug == "pre-0"
    (game,) = week.games
    assert game.kickoff.isoformat() == "2014-08-03T20:00:00-04:00"
    assert game.status == "scheduled"
    assert (game.home, game.away) == (Side("BUF", "bills", None), Side("NYG", "giants", None))


def test_london_morning_game_from_the_second_header() -> None:
    """The capture's week-7 header parses alone: the 9:30 Wembley game is a morning kickoff."""
    root = ET.Element("ss")
    root.append(header_of(capture_path("2015-REG-01.xml"), 7))
    body = ET.tostring(root)
    week = parse_scorestrip(body, fetched_at=FETCHED_AT, ref=WeekRef(2015, "REG", 7, "7"))
    expected = [expected_game(dict(g.attrib)) for g in root.iter("g")]
    assert list(week.games) == sorted(expected, key=lambda game: (game.kickoff, game.id))
    london = week.games[1]
    assert london.id == "2015102500"
    assert london.kickoff.isoformat() == "2015-10-25T09:30:00-04:00"


# -- kickoff time ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("eid", "listed", "weekday", "game_type", "expected"),
    [
        # SCORESTRIP.md's examples.
        ("2015112600", "12:30", "Thu", "REG", "2015-11-26T12:30:00-05:00"),
        ("2016081256", "10:00", "Fri", "PRE", "2016-08-12T22:00:00-04:00"),
        ("2014110600", "8:25", "Thu", "REG", "2014-11-06T20:25:00-05:00"),
        # London games: 9:xx on a regular-season Sunday is morning.
        ("2014102600", "9:30", "Sun", "REG", "2014-10-26T09:30:00-04:00"),
        ("2015100400", "9:30", "Sun", "REG", "2015-10-04T09:30:00-04:00"),
        # DST ended at 2:00 that morning: a London game the same day is already at -05:00.
        ("2015110100", "9:30", "Sun", "REG", "2015-11-01T09:30:00-05:00"),
        ("2015110101", "1:00", "Sun", "REG", "2015-11-01T13:00:00-05:00"),
        ("2015102900", "8:25", "Thu", "REG", "2015-10-29T20:25:00-04:00"),
        # 9:xx anywhere else is evening.
        ("2015082900", "9:30", "Sat", "PRE", "2015-08-29T21:30:00-04:00"),
        ("2015081600", "9:00", "Sun", "PRE", "2015-08-16T21:00:00-04:00"),
        ("2015092400", "9:30", "Thu", "REG", "2015-09-24T21:30:00-04:00"),
        # Noon, Monday 10:20, late afternoon.
        ("2015122700", "12:00", "Sun", "REG", "2015-12-27T12:00:00-05:00"),
        ("2015091401", "10:20", "Mon", "REG", "2015-09-14T22:20:00-04:00"),
        ("2016020700", "6:30", "Sun", "SB", "2016-02-07T18:30:00-05:00"),
        ("2015091307", "4:05", "Sun", "REG", "2015-09-13T16:05:00-04:00"),
        ("2015010300", "4:35", "Sat", "WC", "2015-01-03T16:35:00-05:00"),
    ],
)
def test_kickoff_time(eid: str, listed: str, weekday: str, game_type: str, expected: str) -> None:
    """A listed time becomes its US/Eastern kickoff by the AM/PM rule, DST-aware."""
    kickoff = kickoff_time(eid, listed, weekday=weekday, game_type=game_type)
    assert kickoff.isoformat() == expected


@pytest.mark.parametrize(
    "eid", ["", "abc", "201509100", "20150910000", "2015-09-10", "2015023000", "2015130100"]
)
def test_bad_eid_raises(eid: str) -> None:
    """A game id that is not YYYYMMDDnn with a real date raises ParseError."""
    with pytest.raises(ParseError):
        parse_one(eid=eid)


@pytest.mark.parametrize(
    "listed", ["", "8", "8:5", "8:60", "0:30", "13:00", "25:00", "8:30 PM", "08:30:00", "8.30"]
)
def test_bad_time_raises(listed: str) -> None:
    """A listed time that is not h:mm on a 12-hour clock raises ParseError."""
    with pytest.raises(ParseError):
        parse_one(t=listed)


# -- statuses and in-play detail -------------------------------------------------------------


@pytest.mark.parametrize(
    ("q", "status", "quarter"),
    [
        ("P", "scheduled", None),
        ("1", "in_progress", 1),
        ("2", "in_progress", 2),
        ("3", "in_progress", 3),
        ("4", "in_progress", 4),
        ("5", "in_progress", 5),
        ("O", "in_progress", 5),
        ("H", "halftime", None),
        ("F", "final", None),
        ("FO", "final_overtime", None),
    ],
)
def test_known_q_maps_to_status(q: str, status: str, quarter: int | None) -> None:
    """Every known q maps to its API status and quarter, with no raw_status."""
    game = parse_one(q=q)
    assert (game.status, game.quarter, game.raw_status) == (status, quarter, None)


@pytest.mark.parametrize("q", ["Suspended", "Delayed", "Postponed", "6", "f", "OT", "fo", ""])
def test_unknown_q_is_suspended_with_raw_status(q: str) -> None:
    """Any other q is read as suspended, keeping the raw value, with scores and no play detail."""
    game = parse_one(q=q, k="07:12", p="NE", rz="1")
    assert game.status == "suspended"
    assert game.raw_status == q
    assert (game.quarter, game.clock, game.possession, game.red_zone) == (None,) * 4
    assert (game.home.score, game.away.score) == (28, 21)


@pytest.mark.parametrize("q", ["1", "4", "5", "O"])
def test_in_play_detail_kept_while_in_play(q: str) -> None:
    """A game in play keeps its clock, possession and red-zone flag."""
    game = parse_one(q=q, k="12:34", p="PIT", rz="1")
    assert (game.clock, game.possession, game.red_zone) == ("12:34", "PIT", True)


@pytest.mark.parametrize("q", ["P", "H", "F", "FO"])
def test_in_play_detail_null_when_not_in_play(q: str) -> None:
    """A game not in play has null quarter, clock, possession and red zone, whatever is sent."""
    game = parse_one(q=q, k="12:34", p="PIT", rz="1")
    assert (game.quarter, game.clock, game.possession, game.red_zone) == (None,) * 4


@pytest.mark.parametrize(("rz", "red_zone"), [("1", True), ("0", False), ("", None), ("-1", None)])
def test_red_zone_flag(rz: str, red_zone: bool | None) -> None:
    """rz 1 is in the red zone, 0 is not, empty or -1 is unknown (null)."""
    assert parse_one(q="3", k="02:00", p="NE", rz=rz).red_zone is red_zone


@pytest.mark.parametrize(("q", "score"), [("P", None), ("1", 0), ("H", 0), ("F", 0)])
def test_zero_score_is_null_only_before_kickoff(q: str, score: int | None) -> None:
    """A "0" score is null before kickoff and a real 0 once the game has started."""
    game = parse_one(q=q, hs="0", vs="0")
    assert (game.home.score, game.away.score) == (score, score)


def test_halftime_keeps_scores() -> None:
    """A game at halftime keeps both scores."""
    game = parse_one(q="H", hs="14", vs="10")
    assert (game.home.score, game.away.score) == (14, 10)


def test_live_game_without_clock_or_possession() -> None:
    """A game in play whose k and p attributes are absent has null clock and possession."""
    attrs = {key: value for key, value in FINAL_GAME.items() if key not in {"k", "p"}}
    game = parse_game({**attrs, "q": "2"})
    assert (game.status, game.clock, game.possession) == ("in_progress", None, None)


def test_missing_attributes_read_as_empty() -> None:
    """A <g> with only id, day, time, type and status parses; missing text reads as empty."""
    body = document({"eid": "2015091000", "d": "Thu", "t": "8:30", "gt": "REG", "q": "F"})
    (game,) = parse_scorestrip(body, fetched_at=FETCHED_AT, ref=WEEK_1).games
    assert game.home == Side("", "", None)
    assert game.away == Side("", "", None)
    assert (game.gsis, game.status, game.raw_status) == (None, "final", None)
    assert game.kickoff.isoformat() == "2015-09-10T20:30:00-04:00"


@pytest.mark.parametrize("gsis", ["", "abc", "-5", "5.0", "\u00b2", "\u0665"])
def test_unusable_gsis_reads_as_null(gsis: str) -> None:
    """A gsis that is not a plain ASCII number reads as null, never as an error."""
    assert parse_one(gsis=gsis).gsis is None


@pytest.mark.parametrize("score", ["abc", "-1", "1.5", " 3", "3 ", "0x1", "\u00b2", "\u0663"])
def test_non_numeric_score_raises(score: str) -> None:
    """A started game's score that is not a plain ASCII number raises ParseError."""
    with pytest.raises(ParseError):
        parse_one(hs=score)


# -- the live feed's header ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "games", "expected"),
    [
        ('w="5" y="2015" t="R"', (), WeekRef(2015, "REG", 5, "5")),
        ('w="0" y="2014" t="P"', (), WeekRef(2014, "PRE", 0, "pre-0")),
        ('w="22" y="2015" t="POST"', (), WeekRef(2015, "POST", 22, "superbowl")),
        ('w="21" y="2015" t="PRO"', (), WeekRef(2015, "POST", 21, "probowl")),
        ('w="19" y="2021" t="POST"', (), WeekRef(2021, "POST", 19, "wildcard")),
        ('w="18" y="2021" t="R"', (), WeekRef(2021, "REG", 18, "18")),
        # The games' type wins over the header's t.
        ('w="18" y="2015" t="R"', ("WC",), WeekRef(2015, "POST", 18, "wildcard")),
        ('w="4" y="2015" t="R"', ("PRE",), WeekRef(2015, "PRE", 4, "pre-4")),
    ],
)
def test_live_feed_reads_week_from_header(
    header: str, games: tuple[str, ...], expected: WeekRef
) -> None:
    """Without a requested week, the week comes from <gms> (its t, or the games' gt)."""
    rows = [game_with(gt=game_type, q="P") for game_type in games]
    week = parse_scorestrip(document(*rows, header=header), fetched_at=FETCHED_AT)
    assert (week.season, week.season_type, week.week, week.slug) == (
        expected.season,
        expected.season_type,
        expected.week,
        expected.slug,
    )


@pytest.mark.parametrize(
    "body",
    [
        b'<ss><gms y="2015" t="R"/></ss>',
        b'<ss><gms w="1" t="R"/></ss>',
        b'<ss><gms w="one" y="2015" t="R"/></ss>',
        b'<ss><gms w="1" y="2015x" t="R"/></ss>',
        b'<ss><gms w="-1" y="2015" t="R"/></ss>',
        b'<ss><gms w="30" y="2015" t="R"/></ss>',
        b'<ss><gms w="5" y="2020" t="P"/></ss>',
        '<ss><gms w="\u00b2" y="2015" t="R"/></ss>'.encode(),
        '<ss><gms w="1" y="201\u2075" t="R"/></ss>'.encode(),
    ],
)
def test_live_feed_without_a_usable_header_raises(body: bytes) -> None:
    """A live feed whose <gms> names no real week raises ParseError."""
    with pytest.raises(ParseError):
        parse_scorestrip(body, fetched_at=FETCHED_AT)


@pytest.mark.parametrize("body", [b"<ss></ss>", b"<ss/>", b"<ss>\n</ss>\n"])
def test_live_feed_without_gms_means_nothing_is_live(body: bytes) -> None:
    """A live feed with no <gms> at all is no live week, not a broken document."""
    with pytest.raises(NoLiveWeek):
        parse_scorestrip(body, fetched_at=FETCHED_AT)


@pytest.mark.parametrize(
    "body", [b"<ss></ss>", b"<ss/>", b"<ss>\n</ss>\n", b'<ss><gms w="1" y="2015" t="R"/></ss>']
)
def test_empty_week_feed_has_no_games(body: bytes) -> None:
    """A week feed with no <gms>, or an empty one, is the asked week with no games."""
    week = parse_scorestrip(body, fetched_at=FETCHED_AT, ref=WEEK_1)
    assert (week.slug, week.games, week.state) == ("1", (), "empty")


# -- document variations ---------------------------------------------------------------------


def _variants() -> Iterator[tuple[str, bytes]]:
    original = final_week(2015, "REG", 3)
    root = ET.fromstring(original)
    yield "as rendered", original
    yield "no prolog", original.split(b"?>", 1)[1]
    yield "byte order mark", b"\xef\xbb\xbf" + original
    yield (
        "standalone prolog and CRLF",
        original.replace(
            b'encoding="UTF-8"?>\n', b'encoding="UTF-8" standalone="yes"?>\r\n'
        ).replace(b"><", b">\r\n\t<"),
    )
    yield "single quotes", original.replace(b'"', b"'")
    yield "attributes reversed, one a line", _rebuilt(root, reverse=True)
    yield (
        "comments and trailing blanks",
        original.replace(b"<ss>", b"<!-- generated --><ss><!-- header -->") + b"\n\n  \n",
    )


def _rebuilt(root: ET.Element, *, reverse: bool) -> bytes:
    """Return a document with each element's attributes reordered and spread over lines."""
    lines = ["<ss>"]
    for gms in root.iter("gms"):
        lines.append("  <gms " + " ".join(f'{k}="{v}"' for k, v in gms.attrib.items()) + ">")
        for game in gms.iter("g"):
            items = list(game.attrib.items())
            if reverse:
                items.reverse()
            lines.append("    <g\n" + "".join(f'      {k}="{v}"\n' for k, v in items) + "    />")
        lines.append("  </gms>")
    lines.append("</ss>")
    return "\n".join(lines).encode()


VARIANTS = dict(_variants())


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_layout_variations_parse_the_same(variant: str) -> None:
    """Prolog, byte order mark, blanks, quotes, comments and attribute order change nothing."""
    ref = WeekRef(2015, "REG", 3, "3")
    expected = parse_scorestrip(VARIANTS["as rendered"], fetched_at=FETCHED_AT, ref=ref)
    assert len(expected.games) == 16
    assert parse_scorestrip(VARIANTS[variant], fetched_at=FETCHED_AT, ref=ref) == expected


# -- malformed and hostile documents ---------------------------------------------------------

TRUNCATED = final_week(2015, "REG", 3)[:1200]

MALFORMED = {
    "empty": b"",
    "blanks": b"  \n ",
    "not xml": b"Service Temporarily Unavailable",
    "json": b'{"games": []}',
    "unclosed root": b"<ss>",
    "truncated document": TRUNCATED,
    "unclosed quote": b'<ss><gms w="1 y="2015"></gms></ss>',
    "html error page": b"<html><body><h1>502 Bad Gateway</h1></body></html>",
    "wrong root": b'<scores><gms w="1" y="2015"/></scores>',
    "namespaced root": b'<x:ss xmlns:x="urn:x"><gms w="1" y="2015"/></x:ss>',
    "two roots": b"<ss/><ss/>",
    "bad utf-8": b"<ss>\xff\xfe</ss>",
    "bad encoding": b'<?xml version="1.0" encoding="bogus"?><ss/>',
    "prolog after blanks": b'\n<?xml version="1.0"?><ss/>',
    "harmless doctype": b"<!DOCTYPE ss><ss/>",
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_document_raises(case: str) -> None:
    """Anything that is not one well-formed <ss> document without a DTD raises ParseError."""
    with pytest.raises(ParseError):
        parse_scorestrip(MALFORMED[case], fetched_at=FETCHED_AT, ref=WEEK_1)


def test_billion_laughs_raises_without_expanding() -> None:
    """Nested entity definitions raise ParseError at once instead of expanding."""
    levels = ['<!ENTITY l0 "lol">'] + [
        f'<!ENTITY l{n} "{f"&l{n - 1};" * 10}">' for n in range(1, 10)
    ]
    body = (
        '<?xml version="1.0"?><!DOCTYPE ss [' + "".join(levels) + "]>"
        '<ss><gms w="1" y="2015" t="&l9;">&l9;</gms></ss>'
    ).encode()
    with pytest.raises(ParseError) as caught:
        parse_scorestrip(body, fetched_at=FETCHED_AT, ref=WEEK_1)
    assert "lollol" not in str(caught.value)


def test_external_file_entity_is_never_read(tmp_path: Path) -> None:
    """An external entity naming a local file raises ParseError and its text appears nowhere."""
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET")
    body = (
        f'<?xml version="1.0"?><!DOCTYPE ss [<!ENTITY x SYSTEM "{secret.as_uri()}">]>'
        '<ss><gms w="1" y="2015" t="R"><g eid="2015091000" d="Thu" t="8:30" q="F" gt="REG"'
        ' h="&x;"/></gms></ss>'
    ).encode()
    with pytest.raises(ParseError) as caught:
        parse_scorestrip(body, fetched_at=FETCHED_AT, ref=WEEK_1)
    assert "TOPSECRET" not in str(caught.value)


@pytest.mark.parametrize(
    ("declaration", "content"),
    [
        ('<!DOCTYPE ss [<!ENTITY x SYSTEM "{url}/entity">]>', "&x;"),
        ('<!DOCTYPE ss [<!ENTITY % p SYSTEM "{url}/p.dtd"> %p;]>', ""),
        ('<!DOCTYPE ss SYSTEM "{url}/ss.dtd">', ""),
    ],
)
def test_external_references_are_never_fetched(declaration: str, content: str) -> None:
    """A document pointing at a URL raises ParseError and never connects to it."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        listener.setblocking(False)
        url = f"http://127.0.0.1:{listener.getsockname()[1]}"
        body = (
            '<?xml version="1.0"?>'
            + declaration.format(url=url)
            + f'<ss><gms w="1" y="2015" t="R">{content}</gms></ss>'
        ).encode()
        with pytest.raises(ParseError):
            parse_scorestrip(body, fetched_at=FETCHED_AT, ref=WEEK_1)
        # The parse is synchronous: a connection it made would be waiting in the backlog now.
        with pytest.raises(BlockingIOError):
            listener.accept()


def test_document_over_max_bytes_raises() -> None:
    """A document one byte over max_bytes raises ParseError; one at the limit parses."""
    body = final_week(2015, "REG", 3)
    ref = WeekRef(2015, "REG", 3, "3")
    assert len(parse_scorestrip(body, fetched_at=FETCHED_AT, ref=ref, max_bytes=len(body)).games)
    with pytest.raises(ParseError):
        parse_scorestrip(body, fetched_at=FETCHED_AT, ref=ref, max_bytes=len(body) - 1)


def test_document_over_default_limit_raises() -> None:
    """A well-formed document over MAX_DOCUMENT_BYTES (padded with blanks) raises ParseError."""
    body = final_week(2015, "REG", 3)
    padded = body + b" " * (MAX_DOCUMENT_BYTES + 1 - len(body))
    assert len(padded) == MAX_DOCUMENT_BYTES + 1
    with pytest.raises(ParseError):
        parse_scorestrip(padded, fetched_at=FETCHED_AT, ref=WeekRef(2015, "REG", 3, "3"))


# -- JSON shape ------------------------------------------------------------------------------


def _check_game_json(game: dict[str, Any]) -> None:
    """Assert one game object has API.md's keys and types."""
    suspended = game["status"] == "suspended"
    assert set(game) == GAME_KEYS | ({"raw_status"} if suspended else set())
    assert isinstance(game["id"], str)
    assert re.fullmatch(r"[0-9]{10}", game["id"])
    assert type(game["gsis"]) is int
    assert game["game_type"] in GAME_TYPES
    assert ISO_WITH_OFFSET.fullmatch(game["kickoff"])
    assert game["kickoff"][-6:] in {"-04:00", "-05:00"}
    assert isinstance(game["day"], str)
    assert game["status"] in STATUSES
    in_play = game["status"] == "in_progress"
    if in_play:
        assert game["quarter"] in {1, 2, 3, 4, 5}
        assert game["clock"] is None or re.fullmatch(r"[0-9]{2}:[0-9]{2}", game["clock"])
        assert game["possession"] is None or isinstance(game["possession"], str)
        assert game["red_zone"] in {True, False, None}
    else:
        assert [game[key] for key in ("quarter", "clock", "possession", "red_zone")] == [None] * 4
    # scorestrip has none of the richer fields but the ids it carries.
    assert game["ids"] == {"eid": game["id"], "gsis": game["gsis"], "espn": None}
    assert (game["situation"], game["venue"]) == (None, None)
    for side in (game["home"], game["away"]):
        assert set(side) == {"team", "nickname", "score", "linescore", "record"}
        assert (side["linescore"], side["record"]) == (None, None)
        assert isinstance(side["team"], str)
        assert isinstance(side["nickname"], str)
        assert side["score"] is None or type(side["score"]) is int
    if suspended:
        assert isinstance(game["raw_status"], str)


@pytest.mark.parametrize("name", sorted(CAPTURES))
def test_encoded_week_has_api_shape(name: str) -> None:
    """A parsed capture encodes to exactly API.md's keys and types, compact."""
    body = encode_week(parse_capture(name))
    data = orjson.loads(body)
    assert body == orjson.dumps(data)
    assert set(data) == WEEK_KEYS
    assert data["source"] == "scorestrip"
    assert type(data["season"]) is int
    assert data["season_type"] in {"PRE", "REG", "POST"}
    assert type(data["week"]) is int
    assert isinstance(data["slug"], str)
    assert data["updated_at"] == "2016-08-14T23:55:03Z"
    assert isinstance(data["games"], list)
    assert data["games"]
    for game in data["games"]:
        _check_game_json(game)


def test_updated_at_is_utc_z_without_microseconds() -> None:
    """updated_at is written in UTC with a Z and whole seconds."""
    fetched = datetime(2015, 11, 30, 23, 55, 3, 987654, tzinfo=UTC)
    ref = WeekRef(2015, "REG", 3, "3")
    week = parse_scorestrip(final_week(2015, "REG", 3), fetched_at=fetched, ref=ref)
    updated_at = orjson.loads(encode_week(week))["updated_at"]
    assert updated_at == "2015-11-30T23:55:03Z"
    assert ISO_UTC_SECONDS.fullmatch(updated_at)


def test_api_example_game_encodes_exactly() -> None:
    """API.md's example week (BAL at CLE, 2015 week 12) encodes to its exact JSON."""
    game = game_with(
        eid="2015113000", gsis="56678", d="Mon", t="8:30", h="CLE", hnn="browns", hs="27",
        v="BAL", vnn="ravens", vs="33",
    )  # fmt: skip
    week = parse_scorestrip(
        document(game, header='w="12" y="2015" t="R"'),
        fetched_at=datetime(2015, 11, 30, 23, 55, 3, tzinfo=UTC),
        ref=WeekRef(2015, "REG", 12, "12"),
    )
    assert orjson.loads(encode_week(week)) == {
        "season": 2015,
        "season_type": "REG",
        "week": 12,
        "slug": "12",
        "source": "scorestrip",
        "updated_at": "2015-11-30T23:55:03Z",
        # One game of a week tells nothing of byes: the others may have been left out.
        "byes": None,
        "games": [
            {
                "id": "2015113000",
                "gsis": 56678,
                "ids": {"eid": "2015113000", "gsis": 56678, "espn": None},
                "game_type": "REG",
                "kickoff": "2015-11-30T20:30:00-05:00",
                "day": "Mon",
                "status": "final",
                "quarter": None,
                "clock": None,
                "possession": None,
                "red_zone": None,
                "situation": None,
                "venue": None,
                "home": {
                    "team": "CLE",
                    "nickname": "browns",
                    "score": 27,
                    "linescore": None,
                    "record": None,
                },
                "away": {
                    "team": "BAL",
                    "nickname": "ravens",
                    "score": 33,
                    "linescore": None,
                    "record": None,
                },
            }
        ],
    }


def test_raw_status_only_on_suspended_games() -> None:
    """Only a suspended game carries raw_status in the JSON."""
    body = document(
        game_with(eid="2015091000", q="F"),
        game_with(eid="2015091300", d="Sun", t="1:00", q="Suspended"),
        game_with(eid="2015091301", d="Sun", t="1:00", q="3", k="04:10", p="NE", rz="0"),
    )
    games = orjson.loads(encode_week(parse_scorestrip(body, fetched_at=FETCHED_AT, ref=WEEK_1)))[
        "games"
    ]
    by_id = {game["id"]: game for game in games}
    assert by_id["2015091300"]["raw_status"] == "Suspended"
    assert "raw_status" not in by_id["2015091000"]
    assert "raw_status" not in by_id["2015091301"]
    for game in games:
        _check_game_json(game)


ROUND_TRIP: dict[str, tuple[Callable[[], bytes], WeekRef | None]] = {
    **{name: (lambda name=name: read_capture(name), CAPTURES[name][0]) for name in CAPTURES},
    "suspended": (lambda: document(game_with(q="Suspended")), WEEK_1),
    "rendered week": (lambda: final_week(2015, "REG", 3), WeekRef(2015, "REG", 3, "3")),
}


@pytest.mark.parametrize("case", sorted(ROUND_TRIP))
def test_decode_inverts_encode(case: str) -> None:
    """decode_week(encode_week(week)) gives back the same week."""
    read, ref = ROUND_TRIP[case]
    body = read()
    week = parse_scorestrip(body, fetched_at=FETCHED_AT, ref=ref)
    decoded = decode_week(encode_week(week))
    assert decoded == week
    assert [game.kickoff.utcoffset() for game in decoded.games] == [
        game.kickoff.utcoffset() for game in week.games
    ]
    assert encode_week(decoded) == encode_week(week)


def test_postponed_game_kicks_off_on_the_day_d_names() -> None:
    """A game moved to a later day keeps its eid; `d` gives the real day (2014 snow game)."""
    kickoff = kickoff_time("2014112301", "7:00", weekday="Mon", game_type="REG")
    assert kickoff.isoformat() == "2014-11-24T19:00:00-05:00"
    assert kickoff_time("2014112301", "1:00", weekday="Sun", game_type="REG").day == 23
