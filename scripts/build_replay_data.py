"""Build nflscores/replay/data/games.csv.gz from the public source data.

Run by a developer when the sources change, never at run time:

    .venv/bin/python scripts/build_replay_data.py --source ../shared/data

Sources (see their SOURCES.md): nflverse `games.csv` (REG and POST 1999-2025, scores),
nflgame `schedule-2009-2019.json` (every game 2009-2019 as scorestrip listed it, preseason
included) and `season-2014.json` / `season-2015.json` (whole scorestrip seasons with preseason
scores). Where they disagree the scorestrip listing wins for what scorestrip showed (eid, gsis,
weekday, listed kickoff, codes) and nflverse for results, and every fix is counted and printed.

Flaws fixed:
- the five 2017-2018 London games listed at 21:30 in games.csv kicked off at 09:30;
- games.csv `gametime` is often the actual kickoff; 2009-2019 take the listed time instead;
- games.csv writes some evening kickoffs of 2000-2005 as `09:00` on a Monday, Thursday or
  Saturday (a 12-hour hour in a 24-hour column): a 9 o'clock outside a Sunday is 21:00;
- games.csv has no kickoff time for any 1999 game: each gets the most common time of the same
  club's home games on that weekday in 2000, else of any game that weekday and type, else of any
  game that weekday (the nearest season with times; a placeholder, counted in the report);
- games.csv uses `JAX` for every season: codes follow nflscores.domain.teams (`JAC` to 2015);
- games.csv lists the 2025 games not played yet (weeks 14-18) without a gsis and with
  placeholder eids (reused in week 17, a year early in week 18): they are left out, as the
  replay serves a game only under its real ids;
- schedule-2009-2019.json's `meridiem` is wrong for 25 games: it is ignored, the kickoff rule of
  docs/scorestrip.md reads the 12-hour time; its postseason week numbers are ignored: the round
  comes from games.csv `game_type` and the week number from nflscores.domain.weeks.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any, Final

from nflscores.domain import teams
from nflscores.domain.errors import UnknownTeam
from nflscores.domain.weeks import POST_GAME_TYPES, find_week, regular_weeks, weeks_of
from nflscores.replay.data import DATA_FILE, GameRecord, write_games
from nflscores.replay.espn_teams import espn_team
from nflscores.sources.scorestrip import kickoff_time

ROOT: Final = Path(__file__).resolve().parent.parent
OUTPUT: Final = ROOT / "nflscores" / "replay" / "data" / DATA_FILE
#: games.csv lists these London games at 21:30; they kicked off at 09:30 US/Eastern.
LONDON_EIDS: Final = frozenset(
    {"2017092400", "2017100100", "2017102900", "2018102100", "2018102800"}
)
#: Whole scorestrip seasons: season-2014.json, season-2015.json.
SCORESTRIP_SEASONS: Final = "season-*.json"
#: The seasons a missing kickoff time is borrowed from: the next one that lists times.
PLACEHOLDER_TIME_FROM: Final = {1999: 2000}
#: ESPN's event ids before its 400000000 series: years since 1980, month, day, home team id.
OLD_ESPN_ID: Final = re.compile(r"([1-3][0-9])([0-9]{2})([0-9]{2})([0-9]{3})")


class SourceError(Exception):
    """The sources disagree in a way no known flaw explains."""


class Fixes:
    """Count every correction made, with a few examples of each, for the build report."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.examples: dict[str, list[str]] = {}

    def note(self, kind: str, example: str) -> None:
        """Count one fix of a kind."""
        self.counts[kind] += 1
        self.examples.setdefault(kind, [])
        if len(self.examples[kind]) < 3:
            self.examples[kind].append(example)

    def report(self) -> str:
        """Return one line per kind of fix."""
        return "\n".join(
            f"  {count:5d}  {kind}  (e.g. {'; '.join(self.examples[kind])})"
            for kind, count in sorted(self.counts.items())
        )


def listed_24h(listed: str, *, eid: str, day: str, game_type: str) -> str:
    """Return a listed 12-hour time as `HH:MM`, by the kickoff rule of docs/scorestrip.md."""
    return kickoff_time(eid, listed, weekday=day, game_type=game_type).strftime("%H:%M")


def post_week(season: int, game_type: str) -> int:
    """Return the scorestrip week number of a postseason round."""
    return regular_weeks(season) + POST_GAME_TYPES.index(game_type) + 1


def _score(text: str) -> int | None:
    return int(text) if text else None


def _espn_id(row: dict[str, str], home: str, season: int, fixes: Fixes) -> str | None:
    """Return games.csv's ESPN id of a row, or None where it cannot be this game's."""
    espn = row["espn"]
    if not espn:
        return None
    old = OLD_ESPN_ID.fullmatch(espn)
    if old is None:
        return espn
    years, month, day, team = old.groups()
    spelled = f"{int(years) + 1980}-{month}-{day}", str(int(team))
    if spelled != (row["gameday"], espn_team(home, season).id):
        fixes.note("ESPN id of another game left out", f"{row['old_game_id']} {espn}")
        return None
    return espn


def _fixed_time(row: dict[str, str], eid: str, fixes: Fixes) -> str:
    gametime, day = row["gametime"], row["weekday"][:3]
    if eid in LONDON_EIDS and gametime == "21:30":
        fixes.note("London kickoff 21:30 -> 09:30", eid)
        return "09:30"
    if gametime.startswith("09:") and day != "Sun":
        fixes.note("09:xx outside a Sunday read as 21:xx", f"{eid} {day} {gametime}")
        return "21:" + gametime[3:]
    return gametime


def read_nflverse(path: Path, fixes: Fixes) -> dict[str, GameRecord]:
    """Return the REG and POST games of games.csv by eid, with codes and known flaws fixed."""
    records: dict[str, GameRecord] = {}
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            season, game_type = int(row["season"]), row["game_type"]
            week = int(row["week"]) if game_type == "REG" else post_week(season, game_type)
            eid = row["old_game_id"]
            if not row["gsis"]:
                fixes.note("left out: no gsis, placeholder eid, not played yet", eid)
                continue
            if eid in records:
                raise SourceError(f"games.csv lists eid {eid} twice")
            home = teams.era_code(row["home_team"], season)
            away = teams.era_code(row["away_team"], season)
            if (home, away) != (row["home_team"], row["away_team"]):
                fixes.note(
                    "team code set to its era's", f"{eid} {row['away_team']}@{row['home_team']}"
                )
            records[eid] = GameRecord(
                season=season,
                week=week,
                game_type=game_type,
                eid=eid,
                gsis=_score(row["gsis"]),
                day=row["weekday"][:3],
                listed=_fixed_time(row, eid, fixes),
                home=home,
                away=away,
                home_score=_score(row["home_score"]),
                away_score=_score(row["away_score"]),
                overtime=row["overtime"] == "1",
                espn=_espn_id(row, home, season, fixes),
            )
    espn_ids = Counter(record.espn for record in records.values() if record.espn)
    for eid, record in records.items():
        if record.espn and espn_ids[record.espn] > 1:
            fixes.note("ESPN id given to more than one game left out", f"{eid} {record.espn}")
            records[eid] = replace(record, espn=None)
    return records


def _usual_keys(record: GameRecord) -> tuple[tuple[str, ...], ...]:
    # Most specific first: a club's home games on that weekday, then any game that weekday.
    return (
        (record.home, record.day, record.game_type),
        (record.day, record.game_type),
        (record.day,),
    )


def fill_missing_times(records: dict[str, GameRecord], fixes: Fixes) -> None:
    """Give games without a kickoff time the usual listed time of such games a season later."""
    for season, source in PLACEHOLDER_TIME_FROM.items():
        usual: dict[tuple[str, ...], Counter[str]] = {}
        for record in records.values():
            if record.season == source:
                for key in _usual_keys(record):
                    usual.setdefault(key, Counter())[record.listed] += 1
        for eid, record in records.items():
            if record.season != season or record.listed:
                continue
            found = [usual[key] for key in _usual_keys(record) if key in usual]
            # Counter.most_common keeps first-seen order on ties; sort for a stable choice.
            listed = (
                max(found[0].items(), key=lambda item: (item[1], item[0]))[0] if found else "13:00"
            )
            fixes.note(
                f"no kickoff time: placeholder from {source}", f"{eid} {record.day} {listed}"
            )
            records[eid] = replace(record, listed=listed)


def merge_schedule(path: Path, records: dict[str, GameRecord], fixes: Fixes) -> None:
    """Add the 2009-2019 preseason and take scorestrip's listing for the games games.csv has."""
    schedule: list[tuple[str, dict[str, Any]]] = json.loads(path.read_text())["games"]
    for eid, game in schedule:
        season, kind, day = int(game["year"]), game["season_type"], game["wday"]
        home, away = game["home"], game["away"]
        for code in (home, away):
            if teams.era_code(code, season) != code:
                raise SourceError(f"{eid}: {code} is not the {season} code of its club")
        if kind == "PRE":
            records[eid] = GameRecord(
                season=season,
                week=int(game["week"]),
                game_type="PRE",
                eid=eid,
                gsis=int(game["gamekey"]),
                day=day,
                listed=listed_24h(game["time"], eid=eid, day=day, game_type="PRE"),
                home=home,
                away=away,
                home_score=None,
                away_score=None,
                overtime=False,
            )
            continue
        record = records.get(eid)
        if record is None:
            raise SourceError(f"{eid} is in the schedule but not in games.csv")
        if (record.home, record.away, record.day) != (home, away, day):
            raise SourceError(f"{eid}: the schedule and games.csv disagree on teams or weekday")
        listed = listed_24h(game["time"], eid=eid, day=day, game_type=record.game_type)
        if listed != record.listed:
            fixes.note("listed time from the schedule", f"{eid} {record.listed} -> {listed}")
        gsis = int(game["gamekey"])
        if gsis != record.gsis:
            fixes.note("gsis from the schedule", f"{eid} {record.gsis} -> {gsis}")
        records[eid] = replace(record, listed=listed, gsis=gsis)


def merge_scorestrip_season(path: Path, records: dict[str, GameRecord], fixes: Fixes) -> None:
    """Add preseason scores from a whole scorestrip season; check every other game against it."""
    data = json.loads(path.read_text())
    for part in ("preSeason", "regularSeason", "PostSeason"):
        for week in data[part]["Weeks"]:
            for game in week["games"]:
                eid = game["eid"]
                record = records.get(eid)
                if record is None:
                    raise SourceError(f"{path.name}: {eid} is in no other source")
                seen = (game["hometeam"], game["awayteam"], game["gsis"], game["Day"])
                if seen != (record.home, record.away, record.gsis, record.day):
                    raise SourceError(f"{path.name}: {eid} disagrees on teams, gsis or weekday")
                listed = listed_24h(
                    game["gametime"], eid=eid, day=record.day, game_type=record.game_type
                )
                if listed != record.listed:
                    raise SourceError(
                        f"{path.name}: {eid} is listed at {listed}, not {record.listed}"
                    )
                result = (game["homescore"], game["awayscore"], game["quarter"] == "FO")
                if part == "preSeason":
                    fixes.note("preseason score from a scorestrip season", eid)
                    home_score, away_score, overtime = result
                    records[eid] = replace(
                        record, home_score=home_score, away_score=away_score, overtime=overtime
                    )
                elif result != (record.home_score, record.away_score, record.overtime):
                    raise SourceError(f"{path.name}: {eid} has another result than games.csv")


def check(records: Iterable[GameRecord]) -> None:
    """Raise SourceError unless every record can be served and parsed back unchanged."""
    for record in records:
        eid = record.eid
        if find_week(record.season, record.season_type, record.week) is None:
            raise SourceError(
                f"{eid}: {record.season} has no week {record.season_type} {record.week}"
            )
        for code in (record.home, record.away):
            if teams.era_code(code, record.season) != code:
                raise SourceError(f"{eid}: {code} is not the {record.season} code of its club")
        # The 12-hour `t` must read back, by the AM/PM rule, as the listed 24-hour time.
        kickoff = kickoff_time(
            eid, record.listed_12h, weekday=record.day, game_type=record.game_type
        )
        if kickoff != record.kickoff:
            raise SourceError(f"{eid}: {record.listed} on {record.day} cannot be written as `t`")
        scores = (record.home_score, record.away_score)
        if 1 in scores:
            raise SourceError(f"{eid}: a score of 1 cannot be reached in football increments")
        if (scores[0] is None) != (scores[1] is None) or (record.overtime and not record.played):
            raise SourceError(f"{eid}: half a result")


def _order(records: Iterable[GameRecord]) -> list[GameRecord]:
    games = list(records)
    position = {
        (ref.season, ref.season_type, ref.week): index
        for season in {record.season for record in games}
        for index, ref in enumerate(weeks_of(season))
    }
    return sorted(
        games,
        key=lambda r: (r.season, position[r.season, r.season_type, r.week], r.eid),
    )


def build(source: Path) -> tuple[list[GameRecord], Fixes]:
    """Return every game the sources hold, fixed and checked, in calendar order."""
    fixes = Fixes()
    records = read_nflverse(source / "games.csv", fixes)
    fill_missing_times(records, fixes)
    merge_schedule(source / "schedule-2009-2019.json", records, fixes)
    for path in sorted(source.glob(SCORESTRIP_SEASONS)):
        merge_scorestrip_season(path, records, fixes)
    ordered = _order(records.values())
    check(ordered)
    return ordered, fixes


def main(argv: list[str] | None = None) -> int:
    """Build the data file and print what was fixed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, required=True, help="the shared data directory")
    parser.add_argument("--output", type=Path, default=OUTPUT, help=f"default: {OUTPUT}")
    args = parser.parse_args(argv)
    try:
        records, fixes = build(args.source)
    except (SourceError, UnknownTeam, KeyError, ValueError) as exc:
        print(f"build_replay_data: {exc}", file=sys.stderr)
        return 1
    raw = write_games(records)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_bytes(raw)
    played = sum(record.played for record in records)
    print(f"wrote {args.output}: {len(records)} games ({played} with results), {len(raw)} bytes")
    print(fixes.report())
    return 0


if __name__ == "__main__":
    sys.exit(main())
