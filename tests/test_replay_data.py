"""The packaged data and the script that builds it: real games, flaws of the sources fixed."""

from __future__ import annotations

import gzip
import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from nflscores.domain.weeks import find_week
from nflscores.replay import data
from nflscores.replay.data import COLUMNS, DataError, GameRecord, read_games, write_games
from tests.support import DATA, ROOT, shared_data

PACKAGED = ROOT / "nflscores" / "replay" / "data"
BUILD_SCRIPT = ROOT / "scripts" / "build_replay_data.py"
HEADER = ",".join(COLUMNS) + "\n"
#: Sources in the three formats, written for the tests (tests/data/replay/README.md).
WRITTEN_SOURCES = DATA / "replay"


def build_script() -> ModuleType:
    """Return scripts/build_replay_data.py loaded as a module, to call its build() in-process."""
    spec = importlib.util.spec_from_file_location("build_replay_data", BUILD_SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def by_eid(records: tuple[GameRecord, ...]) -> dict[str, GameRecord]:
    """Return records keyed by eid."""
    return {record.eid: record for record in records}


def test_packaged_data_is_well_under_a_megabyte() -> None:
    """Every file the replay ships as data adds up to well under 1 MB."""
    total = sum(path.stat().st_size for path in PACKAGED.iterdir())
    assert total < 250_000


@pytest.mark.slow
def test_data_is_read_lazily_and_once() -> None:
    """Importing the replay app reads no data; the first use reads it, later uses reuse it."""
    probe = (
        "import nflscores.replay.app, nflscores.cli.upstream\n"
        "from nflscores.replay import data\n"
        "print(data.all_games.cache_info().currsize)\n"
        "first = data.all_games()\n"
        "print(data.all_games() is first, data.all_games.cache_info().misses)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout.split()
    assert out == ["0", "True", "1"]


def test_packaged_data_covers_1999_to_2025_regular_and_postseason() -> None:
    """Every season 1999-2025 has regular-season games; 1999-2024 have a Super Bowl."""
    games = data.all_games()
    assert data.seasons() == range(1999, 2026)
    for season in data.seasons():
        assert any(g.season == season and g.game_type == "REG" for g in games)
        if season < 2025:
            assert sum(g.season == season and g.game_type == "SB" for g in games) == 1


def test_eids_are_unique_and_every_game_sits_in_a_real_week() -> None:
    """No eid appears twice and every game's week exists in its season (nflscores.domain.weeks)."""
    games = data.all_games()
    assert len({g.eid for g in games}) == len(games)
    assert all(find_week(g.season, g.season_type, g.week) for g in games)


def test_flaws_listed_in_sources_are_fixed_in_the_packaged_data() -> None:
    """London at 09:30, listed rather than actual times, 9 PM Monday nights, the SB LIV gsis."""
    games = by_eid(data.all_games())
    for eid in ("2017092400", "2017100100", "2017102900", "2018102100", "2018102800"):
        assert games[eid].listed == "09:30"
    assert games["2016091808"].listed == "16:05"  # games.csv says 13:00
    assert games["2010020700"].listed == "18:00"  # the listing, not the 18:32 actual kickoff
    assert games["2000090400"].listed == "21:00"  # games.csv wrote 09:00
    assert games["2020020200"].gsis == 58167


@pytest.mark.parametrize(
    ("old", "new", "first_new_season"),
    [("JAC", "JAX", 2016), ("STL", "LA", 2016), ("SD", "LAC", 2017), ("OAK", "LV", 2020)],
)
def test_team_codes_follow_their_era(old: str, new: str, first_new_season: int) -> None:
    """A relocated or recoded club plays under its old code up to the switch, the new after."""
    games = data.all_games()
    assert {g.season for g in games if old in (g.home, g.away)} == set(
        range(1999, first_new_season)
    )
    assert {g.season for g in games if new in (g.home, g.away)} == set(
        range(first_new_season, 2026)
    )


def test_preseason_is_listed_2009_to_2019_with_scores_in_2014_and_2015() -> None:
    """Preseason games come from the schedule; only 2014 and 2015 have results."""
    pre = [g for g in data.all_games() if g.game_type == "PRE"]
    assert {g.season for g in pre} == set(range(2009, 2020))
    assert {g.season for g in pre if g.played} == {2014, 2015}
    hall_of_fame_2014 = by_eid(data.all_games())["2014080300"]
    assert (hall_of_fame_2014.home_score, hall_of_fame_2014.away_score) == (13, 17)


def test_data_file_round_trips() -> None:
    """write_games and read_games are inverses, and the same records give the same bytes."""
    records = data.all_games()[:50]
    raw = write_games(records)
    assert read_games(raw) == records
    assert write_games(read_games(raw)) == raw


@pytest.mark.slow
@pytest.mark.parametrize(
    "text",
    [
        "season,week\n",
        HEADER + "19x9,1,REG,1999091212,603,Sun,13:00,SF,JAC,3,41,0,190912030\n",
        HEADER + "1999,1,REG,1999091212,603,Sun,13:00,SF,JAC,3,41,0\n",
    ],
)
def test_malformed_data_file_raises_data_error(text: str) -> None:
    """A wrong header, a non-number or a short row raises DataError."""
    with pytest.raises(DataError):
        read_games(gzip.compress(text.encode()))


def run_build(output: Path, sources: Path | None = None) -> str:
    """Run the build script on the sources (../shared/data by default); return its report."""
    source = sources or shared_data()
    result = subprocess.run(
        [sys.executable, str(BUILD_SCRIPT), "--source", str(source), "--output", str(output)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return result.stdout


@pytest.mark.slow
def test_build_script_fixes_each_flaw_of_the_sources(tmp_path: Path) -> None:
    """The build reads the three sources, fixes their flaws and writes a readable data file."""
    report = run_build(tmp_path / "games.csv.gz")
    games = by_eid(read_games((tmp_path / "games.csv.gz").read_bytes()))
    assert games["2017092400"].listed == "09:30"  # London, 21:30 in games.csv
    assert (games["2015091302"].home, games["2016081154"].away) == ("JAC", "JAX")
    assert games["2016091808"].listed == "16:05"  # the schedule's listing wins
    assert games["2000090400"].listed == "21:00"  # 09:00 on a Monday is 9 PM
    assert games["1999091212"].listed == "13:00"  # placeholder: JAX Sunday home games of 2000
    assert games["2020020200"].gsis == 58167  # the scorestrip listing's gsis
    assert games["2020020200"].week == 22  # the Super Bowl week after 17 weeks
    assert games["2014112301"].day == "Mon"  # the snow game moved, its eid kept the date
    preseason = games["2015081351"]
    assert (preseason.home_score, preseason.away_score, preseason.game_type) == (30, 27, "PRE")
    assert not games["2016081154"].played  # listed, but no source has its score
    assert (games["2015091301"].overtime, games["2015091301"].home_score) == (True, 34)
    # The unplayed 2025 week-18 row reuses the eid of a real 2024 game; the real one stays.
    assert (games["2025010400"].season, games["2025010400"].home) == (2024, "BAL")
    assert not games["2025120100"].played
    assert games["2015091301"].espn == "400791550"
    assert games["2003102700"].espn == "231027024"  # the id spells 2003-10-27 at team 24 (SD)
    assert games["2003102606"].espn is None  # nflverse gives it the same id
    assert games["2015081351"].espn is None  # preseason: nflverse has no ESPN id
    assert "London kickoff 21:30 -> 09:30" in report
    assert "ESPN id of another game left out" in report
    assert "left out: no gsis" in report


@pytest.mark.slow
def test_build_script_rebuilds_the_packaged_data_byte_for_byte(tmp_path: Path) -> None:
    """The build from the public sources writes exactly the data file the package ships."""
    run_build(tmp_path / "games.csv.gz")
    assert (tmp_path / "games.csv.gz").read_bytes() == (PACKAGED / "games.csv.gz").read_bytes()


@pytest.mark.slow
def test_build_script_refuses_sources_that_disagree(tmp_path: Path) -> None:
    """A scorestrip season with another result than games.csv stops the build with exit 1."""
    sources = shared_data()
    for name in ("games.csv", "schedule-2009-2019.json", "season-2014.json"):
        (tmp_path / name).write_bytes((sources / name).read_bytes())
    season = json.loads((sources / "season-2015.json").read_text())
    games = [g for w in season["regularSeason"]["Weeks"] for g in w["games"]]
    (opener,) = [game for game in games if game["eid"] == "2015091301"]
    opener["homescore"] += 1
    (tmp_path / "season-2015.json").write_text(json.dumps(season))
    result = subprocess.run(
        [
            sys.executable,
            str(BUILD_SCRIPT),
            "--source",
            str(tmp_path),
            "--output",
            str(tmp_path / "o"),
        ],
        check=False,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 1
    assert "2015091301 has another result" in result.stderr
    assert not (tmp_path / "o").exists()


def test_build_fixes_each_flaw_of_the_written_sources() -> None:
    """Each rule of the build, on sources written for the tests: times, codes, gsis, scores."""
    records, fixes = build_script().build(WRITTEN_SOURCES)
    games = by_eid(tuple(records))
    assert games["2017092400"].listed == "09:30"  # London, written 21:30
    assert games["2000090400"].listed == "21:00"  # 09:00 on a Monday
    assert games["1999091200"].listed == "13:00"  # the usual time of 2000's JAC Sunday games
    assert (games["1999091200"].home, games["2015091300"].home) == ("JAC", "JAC")
    assert (games["2015091300"].listed, games["2015091300"].gsis) == ("16:05", 1511)
    assert games["2015091300"].overtime
    preseason = games["2015081300"]
    assert (preseason.game_type, preseason.home_score, preseason.away_score) == ("PRE", 23, 16)
    assert "2025121400" not in games
    assert (games["1999091200"].espn, games["2015091300"].espn) == ("190912030", "400791001")
    assert games["2000090400"].espn is None  # games.csv's id spells another game
    assert [record.eid for record in records] == sorted(games, key=lambda eid: (eid[:4], eid))
    report = fixes.report()
    assert "London kickoff 21:30 -> 09:30" in report
    assert "no kickoff time: placeholder from 2000" in report
    assert "ESPN id of another game left out" in report


def test_build_refuses_a_season_with_another_result(tmp_path: Path) -> None:
    """A scorestrip season that disagrees with games.csv on a result stops the build."""
    script = build_script()
    for path in WRITTEN_SOURCES.glob("*.*"):
        (tmp_path / path.name).write_bytes(path.read_bytes())
    season = tmp_path / "season-2015.json"
    season.write_text(season.read_text().replace('"homescore": 30', '"homescore": 31'))
    with pytest.raises(script.SourceError, match="2015091300 has another result"):
        script.build(tmp_path)
