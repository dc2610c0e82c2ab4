"""The packaged games: one record per game, read once per process on first use.

`data/games.csv.gz` is built by scripts/build_replay_data.py from the public sources named in
`data/NOTICE.md`; nothing reads the sources at run time.
"""

from __future__ import annotations

import csv
import gzip
import io
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time
from functools import cache, lru_cache
from importlib import resources
from typing import Final

from nflscores.domain.calendar import EASTERN, played_on
from nflscores.domain.weeks import SeasonType, WeekRef, season_type_of

DATA_FILE: Final = "games.csv.gz"
#: The columns of the data file, in order; the file starts with this header line.
COLUMNS: Final = (
    "season",
    "week",
    "gt",
    "eid",
    "gsis",
    "day",
    "time",
    "away",
    "home",
    "away_score",
    "home_score",
    "overtime",
    "espn",
)
#: An invented ESPN event id is this prefix and the eid: 11 digits, where real ids have 9.
INVENTED_ESPN_PREFIX: Final = "9"


class DataError(ValueError):
    """The data file holds a row that is not a game."""


@dataclass(frozen=True, slots=True)
class GameRecord:
    """One real game: who, when it was listed to kick off, and how it ended if it was played."""

    season: int
    #: The week as scorestrip numbers it (POST weeks follow nflscores.domain.weeks).
    week: int
    #: scorestrip `gt`: PRE, REG, WC, DIV, CON, PRO or SB.
    game_type: str
    eid: str
    gsis: int | None
    #: Weekday as scorestrip lists it (`Sun`, `Mon`, ...).
    day: str
    #: Listed kickoff, 24-hour `HH:MM` in US/Eastern, on the eid's date.
    listed: str
    #: Team codes as scorestrip used them that season.
    home: str
    away: str
    #: Final scores; None for a game the sources hold no result for.
    home_score: int | None
    away_score: int | None
    overtime: bool
    #: ESPN's event id, where nflverse maps the game to one.
    espn: str | None = None

    @property
    def espn_id(self) -> str:
        """Return the ESPN event id the replay serves the game under: real, else invented."""
        return self.espn or invented_espn_id(self.eid)

    @property
    def season_type(self) -> SeasonType:
        """Return PRE, REG or POST."""
        return season_type_of(self.game_type)

    @property
    def played(self) -> bool:
        """Return whether the sources hold the game's final score."""
        return self.home_score is not None and self.away_score is not None

    @property
    def kickoff(self) -> datetime:
        """Return the listed kickoff as an aware US/Eastern datetime."""
        return _kickoff(self.eid, self.day, self.listed)

    @property
    def listed_12h(self) -> str:
        """Return the listed kickoff as scorestrip's `t`: `h:mm` on a 12-hour clock."""
        hour, minute = self.listed.split(":")
        return f"{(int(hour) - 1) % 12 + 1}:{minute}"

    def to_row(self) -> list[str]:
        """Return the record as one data-file row, in COLUMNS order."""
        return [
            str(self.season),
            str(self.week),
            self.game_type,
            self.eid,
            _text(self.gsis),
            self.day,
            self.listed,
            self.away,
            self.home,
            _text(self.away_score),
            _text(self.home_score),
            "1" if self.overtime else "0",
            self.espn or "",
        ]

    @classmethod
    def from_row(cls, row: list[str]) -> GameRecord:
        """Return the record one data-file row holds; raise DataError on a malformed row."""
        if len(row) != len(COLUMNS):
            raise DataError(f"a row has {len(row)} fields, not {len(COLUMNS)}: {row!r}")
        season, week, gt, eid, gsis, day, listed, away, home, away_score, home_score, ot, espn = row
        try:
            return cls(
                season=int(season),
                week=int(week),
                game_type=gt,
                eid=eid,
                gsis=_number(gsis),
                day=day,
                listed=listed,
                home=home,
                away=away,
                home_score=_number(home_score),
                away_score=_number(away_score),
                overtime=ot == "1",
                espn=espn or None,
            )
        except ValueError:
            raise DataError(f"a row holds a value that is not a number: {row!r}") from None


@lru_cache(maxsize=16384)
def _kickoff(eid: str, weekday: str, listed: str) -> datetime:
    # Asked for on every feed render; parsing the date each time was most of a render's cost.
    hour, minute = listed.split(":")
    day = played_on(datetime.strptime(eid[:8], "%Y%m%d").date(), weekday)
    return datetime.combine(day, time(int(hour), int(minute)), tzinfo=EASTERN)


def invented_espn_id(eid: str) -> str:
    """Return the stable ESPN-style id of a game ESPN's real id is not known for."""
    return INVENTED_ESPN_PREFIX + eid


def _text(value: int | None) -> str:
    return "" if value is None else str(value)


def _number(text: str) -> int | None:
    return None if text == "" else int(text)


def read_games(raw: bytes) -> tuple[GameRecord, ...]:
    """Return the records a gzipped data file holds."""
    text = gzip.decompress(raw).decode("utf-8")
    rows = csv.reader(io.StringIO(text))
    header = next(rows, None)
    if header is None or tuple(header) != COLUMNS:
        raise DataError(f"the data file does not start with the header {','.join(COLUMNS)}")
    return tuple(GameRecord.from_row(row) for row in rows)


def write_games(records: Iterable[GameRecord]) -> bytes:
    """Return a gzipped data file holding the records; the same records give the same bytes."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(record.to_row() for record in records)
    return gzip.compress(out.getvalue().encode("utf-8"), compresslevel=9, mtime=0)


@cache
def all_games() -> tuple[GameRecord, ...]:
    """Return every packaged game, reading the data file on the first call only."""
    raw = (resources.files("nflscores.replay") / "data" / DATA_FILE).read_bytes()
    return read_games(raw)


@cache
def _by_week() -> dict[tuple[int, str, int], tuple[GameRecord, ...]]:
    weeks: defaultdict[tuple[int, str, int], list[GameRecord]] = defaultdict(list)
    for record in all_games():
        weeks[record.season, record.season_type, record.week].append(record)
    return {key: tuple(sorted(games, key=lambda g: g.eid)) for key, games in weeks.items()}


def games_of(ref: WeekRef) -> tuple[GameRecord, ...]:
    """Return the week's packaged games in eid order; empty when the data has none."""
    return _by_week().get((ref.season, ref.season_type, ref.week), ())


@cache
def _by_espn_id() -> dict[str, GameRecord]:
    return {record.espn_id: record for record in all_games()}


def game_by_espn_id(espn_id: str) -> GameRecord | None:
    """Return the packaged game an ESPN event id names (real or the replay's invented), if any.

    Its `eid` and `gsis` are the ids scorestrip knew the game by.
    """
    return _by_espn_id().get(espn_id)


def seasons() -> range:
    """Return the seasons the packaged data holds games for."""
    years = {record.season for record in all_games()}
    return range(min(years), max(years) + 1)
