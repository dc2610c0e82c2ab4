"""The scorestrip parser on the real captures in ../shared/data/scorestrip (skipped without it).

Expected values come from the XML itself (read with the stdlib's ElementTree) and from
independent sources (nflverse games.csv kickoffs), never from the parser under test. The same
rules on documents written for the tests: test_parser.py.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from nflscores.domain.models import Game, Side, Week
from nflscores.domain.weeks import WeekRef
from nflscores.sources.scorestrip import parse_scorestrip
from tests.scorestrip_support import FETCHED_AT, expected_game, expected_games, header_of
from tests.support import scorestrip_capture, shared_data

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


def expected_of(name: str) -> list[Game]:
    """Return the games a capture's week holds, worked out without the parser."""
    return expected_games(scorestrip_capture(name), CAPTURES[name][1], KICKOFFS)


def parse_capture(name: str) -> Week:
    """Return the week the parser reads from a capture, asked as the service would ask."""
    asked, _ = CAPTURES[name]
    return parse_scorestrip(scorestrip_capture(name), fetched_at=FETCHED_AT, ref=asked)


def test_every_capture_has_expectations() -> None:
    """Every real capture in ../shared/data/scorestrip is listed here, so none goes untested."""
    folder = shared_data("scorestrip")
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
    expected = {game.id: game for game in expected_of(name)}
    assert parsed.keys() == expected.keys()
    for eid, game in expected.items():
        assert parsed[eid] == game, eid
        assert parsed[eid].kickoff.utcoffset() == game.kickoff.utcoffset(), eid


@pytest.mark.parametrize("name", sorted(CAPTURES))
def test_capture_games_sorted_by_kickoff_then_id(name: str) -> None:
    """A capture's games come sorted by kickoff, then id, whatever the document order."""
    parsed = [game.id for game in parse_capture(name).games]
    assert parsed == [game.id for game in expected_of(name)]


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
    root.append(header_of(scorestrip_capture("2015-REG-01.xml"), 7))
    body = ET.tostring(root)
    week = parse_scorestrip(body, fetched_at=FETCHED_AT, ref=WeekRef(2015, "REG", 7, "7"))
    expected = [expected_game(dict(g.attrib), KICKOFFS) for g in root.iter("g")]
    assert list(week.games) == sorted(expected, key=lambda game: (game.kickoff, game.id))
    london = week.games[1]
    assert london.id == "2015102500"
    assert london.kickoff.isoformat() == "2015-10-25T09:30:00-04:00"
