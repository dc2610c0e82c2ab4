"""The scorestrip parser: documents written from the format, the kickoff rule, statuses, the
live header, layout variations and bad input.

Expected values come from the XML itself (read with the stdlib's ElementTree) and from the
kickoff table below, worked out by hand from the format's AM/PM rule, never from the parser
under test. The real captures get the same checks in test_parser_captures.py.
"""

from __future__ import annotations

import socket
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest

from nflscores.domain.errors import NoLiveWeek, ParseError
from nflscores.domain.models import Side, Week
from nflscores.domain.weeks import WeekRef
from nflscores.sources.scorestrip import (
    MAX_DOCUMENT_BYTES,
    kickoff_time,
    parse_game,
    parse_scorestrip,
)
from tests.scorestrip_support import (
    CAPTURES,
    DOCUMENTS,
    FETCHED_AT,
    FINAL_GAME,
    WEEK_1,
    Document,
    document,
    game_with,
    parse_one,
)
from tests.support import DATA, fixture

ALL_DOCUMENTS = [*DOCUMENTS.values(), *CAPTURES.values()]


def parse_fixture(name: str) -> Week:
    """Return the week the parser reads from a fixture."""
    return DOCUMENTS[name].parsed()


# -- every document: the fixtures and, beside the checkout, the real captures -----------------


def test_every_fixture_has_expectations() -> None:
    """Every XML fixture in tests/data/scorestrip is listed, so none goes untested."""
    folder = DATA / "scorestrip"
    assert sorted(path.name for path in folder.glob("*.xml")) == sorted(DOCUMENTS)


@pytest.mark.parametrize("doc", ALL_DOCUMENTS, ids=str)
def test_document_names_its_week(doc: Document) -> None:
    """A document parses to the week it holds, stamped with the fetch time."""
    week = doc.parsed()
    assert (week.season, week.season_type, week.week, week.slug) == (
        doc.held.season,
        doc.held.season_type,
        doc.held.week,
        doc.held.slug,
    )
    assert week.updated_at == FETCHED_AT


@pytest.mark.parametrize("doc", ALL_DOCUMENTS, ids=str)
def test_document_games_match_their_attributes(doc: Document) -> None:
    """Every game carries its XML's teams, scores, status, clock and kickoff."""
    parsed = {game.id: game for game in doc.parsed().games}
    expected = {game.id: game for game in doc.expected()}
    assert parsed.keys() == expected.keys()
    for eid, game in expected.items():
        assert parsed[eid] == game, eid
        assert parsed[eid].kickoff.utcoffset() == game.kickoff.utcoffset(), eid


@pytest.mark.parametrize("doc", ALL_DOCUMENTS, ids=str)
def test_document_games_sorted_by_kickoff_then_id(doc: Document) -> None:
    """Games come sorted by kickoff, then id, whatever the document order."""
    assert [game.id for game in doc.parsed().games] == [game.id for game in doc.expected()]


# -- the fixtures' rules -----------------------------------------------------------------------


def test_london_sunday_morning_comes_before_the_one_oclock_games() -> None:
    """The 9:30 Sunday game is a morning kickoff; the 1:00 pair is sorted by id, not order."""
    week = parse_fixture("week-final.xml")
    ids = [game.id for game in week.games]
    assert ids[1:4] == ["2015102500", "2015102501", "2015102503"]
    assert week.games[1].kickoff.isoformat() == "2015-10-25T09:30:00-04:00"


def test_final_week_has_one_overtime_final() -> None:
    """FO is final_overtime; a week of F and FO is final."""
    week = parse_fixture("week-final.xml")
    overtime = [game for game in week.games if game.status == "final_overtime"]
    assert [game.id for game in overtime] == ["2015102501"]
    assert (overtime[0].home, overtime[0].away) == (
        Side("DET", "lions", 19),
        Side("MIN", "vikings", 28),
    )
    assert {game.status for game in week.games} == {"final", "final_overtime"}
    assert week.state == "final"


def test_thursday_game_in_progress() -> None:
    """CIN-CLE is in the 2nd quarter, 01:03 left, CIN ball, not in the red zone."""
    week = parse_fixture("live-in-play.xml")
    game = week.games[0]
    assert game.id == "2014110600"
    assert (game.status, game.quarter, game.clock) == ("in_progress", 2, "01:03")
    assert (game.possession, game.red_zone) == ("CIN", False)
    assert (game.home, game.away) == (Side("CIN", "bengals", 3), Side("CLE", "browns", 17))
    assert game.kickoff.isoformat() == "2014-11-06T20:25:00-05:00"
    assert week.state == "live"


def test_live_feed_overtime_halftime_and_a_quarter_without_detail() -> None:
    """q=5 is overtime in play, H keeps its scores, a 4th quarter without k/p has null detail."""
    games = {game.id: game for game in parse_fixture("live-in-play.xml").games}
    overtime = games["2014110901"]
    assert (overtime.quarter, overtime.clock, overtime.possession) == (5, "08:12", "KC")
    assert overtime.red_zone is True
    halftime = games["2014110900"]
    assert (halftime.status, halftime.home.score, halftime.away.score) == ("halftime", 14, 7)
    assert halftime.clock is None
    fourth = games["2014110902"]
    assert fourth.quarter == 4
    assert (fourth.clock, fourth.possession, fourth.red_zone) == (None, None, None)


@pytest.mark.parametrize(
    ("doc", "count"),
    [(DOCUMENTS["live-in-play.xml"], 3), (CAPTURES["2014-REG-10-live-in-progress.xml"], 12)],
    ids=str,
)
def test_live_feed_zero_scores_before_kickoff_are_null(doc: Document, count: int) -> None:
    """The live feed's "0" scores of games not yet started read as null."""
    week = doc.parsed()
    pregame = [game for game in week.games if game.status == "scheduled"]
    assert len(pregame) == count
    assert all(game.home.score is None and game.away.score is None for game in pregame)
    assert all(game.quarter is None and game.clock is None for game in pregame)
    assert all(game.possession is None and game.red_zone is None for game in pregame)


@pytest.mark.parametrize(
    ("doc", "count"),
    [(DOCUMENTS["week-pregame.xml"], 5), (CAPTURES["2014-REG-10-before-kickoff.xml"], 13)],
    ids=str,
)
def test_week_feed_before_kickoff_has_no_scores(doc: Document, count: int) -> None:
    """Every game of the week feed before kickoff is scheduled with null scores."""
    week = doc.parsed()
    assert len(week.games) == count
    assert {game.status for game in week.games} == {"scheduled"}
    assert all(game.home.score is None and game.away.score is None for game in week.games)
    assert week.state == "upcoming"


def test_thanksgiving_half_past_twelve_is_noon() -> None:
    """12:30 on Thanksgiving is 12:30 PM, the first game of the week."""
    first = parse_fixture("week-pregame.xml").games[0]
    assert first.id == "2014112700"
    assert first.kickoff.isoformat() == "2014-11-27T12:30:00-05:00"


def test_live_preseason_feed_keeps_new_team_codes() -> None:
    """The 2016 preseason feed keeps JAX and LA as sent, and its 10:00 game is at night."""
    week = parse_fixture("live-preseason.xml")
    teams = {team for game in week.games for team in game.teams}
    assert {"JAX", "LA"} <= teams
    assert not {"JAC", "STL"} & teams
    late = week.games[-1]
    assert late.id == "2016081256"
    assert late.kickoff.isoformat() == "2016-08-12T22:00:00-04:00"
    assert late.game_type == "PRE"


def test_hall_of_fame_live_feed_is_pre_0() -> None:
    """A live feed of preseason week 0 is the Hall of Fame game, at 8:00 PM, not started."""
    week = parse_fixture("live-hall-of-fame.xml")
    assert week.slug == "pre-0"
    (game,) = week.games
    assert game.kickoff.isoformat() == "2014-08-03T20:00:00-04:00"
    assert game.status == "scheduled"
    assert (game.home, game.away) == (Side("BUF", "bills", None), Side("NYG", "giants", None))


# -- kickoff time ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("eid", "listed", "weekday", "game_type", "expected"),
    [
        # docs/scorestrip.md's examples.
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
    original = fixture("scorestrip", "week-final.xml")
    root = ET.fromstring(original)
    yield "as written", original
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
    ref = WeekRef(2015, "REG", 7, "7")
    expected = parse_scorestrip(VARIANTS["as written"], fetched_at=FETCHED_AT, ref=ref)
    assert len(expected.games) == 6
    assert parse_scorestrip(VARIANTS[variant], fetched_at=FETCHED_AT, ref=ref) == expected


# -- malformed and hostile documents ---------------------------------------------------------

TRUNCATED = fixture("scorestrip", "week-final.xml")[:700]

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
    body = fixture("scorestrip", "week-final.xml")
    ref = WeekRef(2015, "REG", 7, "7")
    assert len(parse_scorestrip(body, fetched_at=FETCHED_AT, ref=ref, max_bytes=len(body)).games)
    with pytest.raises(ParseError):
        parse_scorestrip(body, fetched_at=FETCHED_AT, ref=ref, max_bytes=len(body) - 1)


def test_document_over_default_limit_raises() -> None:
    """A well-formed document over MAX_DOCUMENT_BYTES (padded with blanks) raises ParseError."""
    body = fixture("scorestrip", "week-final.xml")
    padded = body + b" " * (MAX_DOCUMENT_BYTES + 1 - len(body))
    assert len(padded) == MAX_DOCUMENT_BYTES + 1
    with pytest.raises(ParseError):
        parse_scorestrip(padded, fetched_at=FETCHED_AT, ref=WeekRef(2015, "REG", 7, "7"))


def test_postponed_game_kicks_off_on_the_day_d_names() -> None:
    """A game moved to a later day keeps its eid; `d` gives the real day (2014 snow game)."""
    kickoff = kickoff_time("2014112301", "7:00", weekday="Mon", game_type="REG")
    assert kickoff.isoformat() == "2014-11-24T19:00:00-05:00"
    assert kickoff_time("2014112301", "1:00", weekday="Sun", game_type="REG").day == 23
