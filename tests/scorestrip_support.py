"""Helpers of the scorestrip parser tests: expectations worked out without the parser.

Expected games come from the XML itself (read with the stdlib's ElementTree) and from a table
of kickoffs checked apart from the parser, never from the parser under test.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from xml.sax.saxutils import quoteattr
from zoneinfo import ZoneInfo

from nflscores.domain.models import Game, GameIds, Side, Week
from nflscores.domain.weeks import SeasonType, WeekRef
from nflscores.sources.scorestrip import parse_scorestrip
from tests.support import fixture, scorestrip_capture

EASTERN = ZoneInfo("America/New_York")
FETCHED_AT = datetime(2016, 8, 14, 23, 55, 3, tzinfo=UTC)
WEEK_1 = WeekRef(2015, "REG", 1, "1")

#: Listed kickoffs of the fixtures' games, 24-hour US/Eastern, by the format's AM/PM rule.
FIXTURE_KICKOFFS = {
    "2015102200": "20:25", "2015102503": "13:00", "2015102500": "09:30", "2015102501": "13:00",
    "2015102509": "16:25", "2015102600": "20:30",
    "2014112700": "12:30", "2014112702": "20:30", "2014112701": "16:30", "2014113000": "13:00",
    "2014120100": "20:30",
    "2014110600": "20:25", "2014110900": "13:00", "2014110901": "13:00", "2014110902": "13:00",
    "2014110907": "16:05", "2014110910": "20:30", "2014111000": "20:30",
    "2014080300": "20:00",
    "2016081256": "22:00", "2016081153": "19:30", "2016081152": "19:00", "2016081151": "19:00",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Document:
    """A scorestrip document the parser tests read: written for them, or a real capture."""

    name: str
    #: The week the service would ask for; None for the live feed.
    asked: WeekRef | None
    #: The week the document holds.
    held: WeekRef
    #: A real capture from ../shared/data/scorestrip (skipped without it), not a fixture.
    real: bool = False

    def __str__(self) -> str:
        return ("capture " if self.real else "fixture ") + self.name

    def body(self) -> bytes:
        """Return the document's bytes."""
        return scorestrip_capture(self.name) if self.real else fixture("scorestrip", self.name)

    def parsed(self) -> Week:
        """Return the week the parser reads from it, asked as the service would ask."""
        return parse_scorestrip(self.body(), fetched_at=FETCHED_AT, ref=self.asked)

    def expected(self) -> list[Game]:
        """Return the games its week holds, sorted, worked out without the parser."""
        kickoffs = CAPTURE_KICKOFFS if self.real else FIXTURE_KICKOFFS
        return expected_games(self.body(), self.held, kickoffs)


def _week(season: int, season_type: SeasonType, week: int, slug: str) -> WeekRef:
    return WeekRef(season, season_type, week, slug)


#: The documents written for the tests (tests/data/scorestrip/README.md).
DOCUMENTS = {
    doc.name: doc
    for doc in (
        Document("week-final.xml", _week(2015, "REG", 7, "7"), _week(2015, "REG", 7, "7")),
        Document("week-pregame.xml", _week(2014, "REG", 13, "13"), _week(2014, "REG", 13, "13")),
        Document("live-in-play.xml", None, _week(2014, "REG", 10, "10")),
        Document("live-hall-of-fame.xml", None, _week(2014, "PRE", 0, "pre-0")),
        Document("live-preseason.xml", None, _week(2016, "PRE", 1, "pre-1")),
    )
}
#: The real captures in ../shared/data/scorestrip (its SOURCES.md says where each comes from).
CAPTURES = {
    doc.name: doc
    for doc in (
        Document("2014-PRE-00-live-hof.xml", None, _week(2014, "PRE", 0, "pre-0"), real=True),
        Document(
            "2014-REG-10-before-kickoff.xml",
            _week(2014, "REG", 10, "10"),
            _week(2014, "REG", 10, "10"),
            real=True,
        ),
        Document("2014-REG-10-live-in-progress.xml", None, _week(2014, "REG", 10, "10"), real=True),
        Document(
            "2015-REG-01.xml", _week(2015, "REG", 1, "1"), _week(2015, "REG", 1, "1"), real=True
        ),
        Document(
            "2015-REG-03.xml", _week(2015, "REG", 3, "3"), _week(2015, "REG", 3, "3"), real=True
        ),
        Document("2016-PRE-01-live-ss.xml", None, _week(2016, "PRE", 1, "pre-1"), real=True),
    )
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


def header_of(body: bytes, week: int) -> ET.Element:
    """Return the document's <gms> header for a scorestrip week number."""
    root = ET.fromstring(body)
    headers = [gms for gms in root.iter("gms") if gms.get("w") == str(week)]
    assert len(headers) == 1, f"the document should hold exactly one <gms w={week!r}>"
    return headers[0]


def expected_game(attrs: Mapping[str, str], kickoffs: Mapping[str, str]) -> Game:
    """Return the game docs/api.md describes for one <g>, worked out without the parser."""
    q = attrs.get("q", "")
    status = STATUS_OF_Q.get(q, "suspended")
    in_play = status == "in_progress"
    eid = attrs["eid"]
    hour, minute = (int(part) for part in kickoffs[eid].split(":"))
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


def expected_games(body: bytes, held: WeekRef, kickoffs: Mapping[str, str]) -> list[Game]:
    """Return the games a document's week holds, sorted by kickoff then id."""
    header = header_of(body, held.week)
    games = [expected_game(dict(g.attrib), kickoffs) for g in header.iter("g")]
    return sorted(games, key=lambda game: (game.kickoff, game.id))


def document(*games: Mapping[str, str], header: str = 'w="1" y="2015" t="R"') -> bytes:
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


#: Listed kickoffs, 24-hour US/Eastern. Regular season: nflverse games.csv `gametime` by
#: `old_game_id`; preseason (not in games.csv): checked by hand, all afternoon or evening.
CAPTURE_KICKOFFS = {
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
