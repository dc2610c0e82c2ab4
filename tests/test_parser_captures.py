"""The scorestrip parser on the real captures in ../shared/data/scorestrip (skipped without it).

Expected values come from the XML itself (read with the stdlib's ElementTree) and from
independent sources (nflverse games.csv kickoffs), never from the parser under test. The same
rules on documents written for the tests, and the checks every document gets: test_parser.py.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from nflscores.domain.models import Side, Week
from nflscores.domain.weeks import WeekRef
from nflscores.sources.scorestrip import parse_scorestrip
from tests.scorestrip_support import (
    CAPTURE_KICKOFFS,
    CAPTURES,
    FETCHED_AT,
    expected_game,
    header_of,
)
from tests.support import scorestrip_capture, shared_data


def parse_capture(name: str) -> Week:
    """Return the week the parser reads from a capture, asked as the service would ask."""
    return CAPTURES[name].parsed()


def test_every_capture_has_expectations() -> None:
    """Every real capture in ../shared/data/scorestrip is listed here, so none goes untested."""
    folder = shared_data("scorestrip")
    assert sorted(path.name for path in folder.glob("*.xml")) == sorted(CAPTURES)


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
    root.append(header_of(scorestrip_capture("2015-REG-01.xml"), 7))
    body = ET.tostring(root)
    week = parse_scorestrip(body, fetched_at=FETCHED_AT, ref=WeekRef(2015, "REG", 7, "7"))
    expected = [expected_game(dict(g.attrib), CAPTURE_KICKOFFS) for g in root.iter("g")]
    assert list(week.games) == sorted(expected, key=lambda game: (game.kickoff, game.id))
    london = week.games[1]
    assert london.id == "2015102500"
    assert london.kickoff.isoformat() == "2015-10-25T09:30:00-04:00"
