"""The standings engine against the league's published standings and against small made-up ties.

The expected ranks and seeds are the ones the NFL published; the results come from the
packaged replay data (every real game 1999-2025).
"""

from __future__ import annotations

from functools import cache

import pytest

from nflscores.domain import teams
from nflscores.domain.ledger import Ledger, Result
from nflscores.domain.standings import Line, Standings, compute, playoff_places, streak
from nflscores.domain.tiebreakers import DIVISION_2002, WILDCARD_2002, pick
from nflscores.replay.data import all_games


def _results(season: int, through: int = 99) -> list[Result]:
    return [
        Result(g.week, g.home, g.away, g.home_score, g.away_score, g.played)
        for g in all_games()
        if g.season == season and g.game_type == "REG" and g.week <= through
    ]


@cache
def _standings(season: int) -> Standings:
    return compute(season, _results(season))


def _line(season: int, team: str) -> Line:
    line = _standings(season).line(team)
    assert line is not None
    return line


def _seeds(season: int, conference: str) -> list[str]:
    (table,) = [c for c in _standings(season).conferences if c.name == conference]
    lines = [line for division in table.divisions for line in division.teams if line.seed]
    return [line.team for line in sorted(lines, key=lambda line: line.seed or 0)]


def _division(season: int, name: str) -> list[str]:
    for conference in _standings(season).conferences:
        for division in conference.divisions:
            if division.name == name:
                return [line.team for line in division.teams]
    raise AssertionError(f"no division {name} in {season}")


def test_2002_afc_east_three_way_tie_goes_to_the_jets() -> None:
    """2002: NYJ, NE and MIA all 9-7; the Jets won the East, New England second, Miami third."""
    assert _division(2002, "AFC East") == ["NYJ", "NE", "MIA", "BUF"]
    records = [(_line(2002, t).wins, _line(2002, t).losses) for t in ("NYJ", "NE", "MIA")]
    assert records == [(9, 7)] * 3
    assert [_line(2002, t).seed for t in ("NYJ", "NE", "MIA")] == [4, None, None]


@pytest.mark.parametrize(
    ("season", "division", "order"),
    [
        (2001, "AFC East", "NE MIA NYJ IND BUF"),  # NE and MIA 11-5: New England's title
        (2008, "AFC East", "MIA NE NYJ BUF"),  # NE 11-5 second, and out of the playoffs
        (2020, "AFC South", "TEN IND HOU JAX"),  # TEN and IND 11-5
        (2023, "NFC East", "DAL PHI NYG WAS"),  # DAL and PHI split, DAL better in division
    ],
)
def test_two_club_division_ties_go_the_leagues_way(season: int, division: str, order: str) -> None:
    """Famous two-club division ties end in the order the league published."""
    assert _division(season, division) == order.split()


@pytest.mark.parametrize(
    ("season", "afc", "nfc"),
    [
        (1999, "JAC IND SEA TEN BUF MIA", "STL TB WAS MIN DAL DET"),
        (2000, "TEN OAK MIA BAL DEN IND", "NYG MIN NO PHI TB STL"),
        (2001, "PIT NE OAK MIA BAL NYJ", "STL CHI PHI GB SF TB"),
        (2002, "OAK TEN PIT NYJ IND CLE", "PHI TB GB SF NYG ATL"),
        (2008, "TEN PIT MIA SD IND BAL", "NYG CAR MIN ARI ATL PHI"),
        (2010, "NE PIT IND KC BAL NYJ", "ATL CHI PHI SEA NO GB"),
        (2016, "NE KC PIT HOU OAK MIA", "DAL ATL SEA GB NYG DET"),
        (2020, "KC BUF PIT TEN BAL CLE IND", "GB NO SEA WAS TB LA CHI"),
        (2022, "KC BUF CIN JAX LAC BAL MIA", "PHI SF MIN TB DAL NYG SEA"),
        (2023, "BAL BUF KC HOU CLE MIA PIT", "SF DAL DET TB PHI LA GB"),
    ],
)
def test_seeds_are_the_leagues(season: int, afc: str, nfc: str) -> None:
    """Every seed of the season, in order, is the one the league published."""
    assert _seeds(season, "AFC") == afc.split()
    assert _seeds(season, "NFC") == nfc.split()


def test_six_seeds_to_2019_and_seven_from_2020() -> None:
    """Each conference seeds six clubs to 2019 and seven from 2020."""
    assert [playoff_places(season) for season in (1999, 2019, 2020, 2025)] == [6, 6, 7, 7]


def test_three_divisions_a_conference_to_2001_then_four() -> None:
    """1999-2001: three divisions, 31 clubs; from 2002 eight divisions of four (Houston)."""
    old = teams.divisions_of(2001)
    assert [d.name for d in old] == [
        "AFC East",
        "AFC Central",
        "AFC West",
        "NFC East",
        "NFC Central",
        "NFC West",
    ]
    assert sum(len(d.teams) for d in old) == 31
    assert teams.division_of("SEA", 2001).name == "AFC West"
    assert teams.division_of("SEA", 2002).name == "NFC West"
    assert teams.division_of("TB", 2001).name == "NFC Central"
    new = teams.divisions_of(2002)
    assert [len(d.teams) for d in new] == [4] * 8
    assert teams.division_of("HOU", 2002).name == "AFC South"


def test_division_tables_use_the_seasons_codes() -> None:
    """The Rams are STL to 2015 and LA from 2016; the Chargers SD then LAC; the Raiders OAK/LV."""
    assert "STL" in teams.division_of("LA", 2015).teams
    assert "LA" in teams.division_of("STL", 2016).teams
    assert "SD" in teams.division_of("LAC", 2016).teams
    assert "LAC" in teams.division_of("SD", 2017).teams
    assert "LV" in teams.division_of("OAK", 2020).teams
    assert "JAC" in teams.division_of("JAX", 2015).teams


def test_a_tie_counts_half_a_win_2008_eagles() -> None:
    """2008 PHI went 9-6-1 (pct 0.59375), second in the East and the sixth seed."""
    line = _line(2008, "PHI")
    assert (line.wins, line.losses, line.ties) == (9, 6, 1)
    assert line.pct == pytest.approx(9.5 / 16)
    assert line.division_rank == 2
    assert line.seed == 6
    assert _line(2008, "CIN").ties == 1


def test_2016_tie_game_washington_and_cincinnati() -> None:
    """2016: WAS 8-7-1 third in the NFC East and out; CIN 6-9-1 third in the AFC North."""
    was, cin = _line(2016, "WAS"), _line(2016, "CIN")
    assert (was.wins, was.losses, was.ties, was.division_rank, was.seed) == (8, 7, 1, 3, None)
    assert (cin.wins, cin.losses, cin.ties, cin.division_rank, cin.seed) == (6, 9, 1, 3, None)
    assert was.away_record.endswith("-1")  # the tie was Cincinnati's home game, in London


def test_2022_cancelled_game_and_tie() -> None:
    """2022: BUF and CIN played 16 (their game was called off); NYG 9-7-1 took the sixth seed."""
    assert (_line(2022, "BUF").wins, _line(2022, "BUF").losses) == (13, 3)
    assert (_line(2022, "CIN").wins, _line(2022, "CIN").losses) == (12, 4)
    nyg = _line(2022, "NYG")
    assert (nyg.wins, nyg.losses, nyg.ties, nyg.seed) == (9, 7, 1, 6)


def test_a_finished_season_needs_no_unknowable_step() -> None:
    """No final table 1999-2024 hangs on net touchdowns or a coin toss."""
    for season in range(1999, 2025):
        lines = [
            line
            for conference in _standings(season).conferences
            for division in conference.divisions
            for line in division.teams
        ]
        assert not [line.team for line in lines if line.tiebreak_unresolved], season


def test_lines_add_up() -> None:
    """Home plus away is the record, points for and against balance, net is their difference."""
    lines = [
        line
        for conference in _standings(2015).conferences
        for division in conference.divisions
        for line in division.teams
    ]
    assert sum(line.points_for for line in lines) == sum(line.points_against for line in lines)
    for line in lines:
        home = [int(n) for n in line.home_record.split("-")]
        away = [int(n) for n in line.away_record.split("-")]
        assert [h + a for h, a in zip(home, away, strict=True)] == [
            line.wins,
            line.losses,
            line.ties,
        ]
        assert line.net_points == line.points_for - line.points_against


def test_standings_through_a_week_count_only_those_weeks() -> None:
    """Through week 1 every club has played at most one game."""
    table = compute(2015, _results(2015, through=1))
    lines = [line for c in table.conferences for d in c.divisions for line in d.teams]
    assert {line.wins + line.losses + line.ties for line in lines} == {1}
    assert {line.streak for line in lines} <= {"W1", "L1", "T1"}


# Small made-up seasons: one conference X of divisions X East and X West, plus clubs of a
# conference Y, so that each rule can be seen deciding.


def _ledger(games: list[tuple[str, str, int, int]], clubs: dict[str, str]) -> Ledger:
    """Return a ledger of games (home, away, home score, away score), one week each."""
    results = [
        Result(week, home, away, hs, as_, True)
        for week, (home, away, hs, as_) in enumerate(games, start=1)
    ]
    return Ledger.of(
        results, division_of=clubs, conference_of={c: d.split()[0] for c, d in clubs.items()}
    )


def test_streak_counts_the_last_run() -> None:
    """A club that lost, then won twice, is on W2; a tie ends a run."""
    clubs = {"A": "X East", "B": "X East"}
    ledger = _ledger([("A", "B", 3, 7), ("A", "B", 7, 3), ("B", "A", 0, 10)], clubs)
    assert streak(ledger, "A") == "W2"
    assert streak(ledger, "B") == "L2"
    tied = _ledger([("A", "B", 7, 3), ("A", "B", 3, 3)], clubs)
    assert streak(tied, "A") == "T1"
    assert streak(_ledger([], clubs), "A") is None


def test_three_club_division_tie_restarts_when_one_club_drops_out() -> None:
    """Division record drops C; A and B start again at head-to-head, which B won."""
    clubs = dict.fromkeys("ABCD", "X East") | {"E": "X West"}
    games = [
        ("B", "A", 10, 7),  # B beat A
        ("A", "C", 10, 7),  # A beat C
        ("C", "B", 10, 7),  # C beat B: head-to-head among the three is even
        ("A", "D", 10, 7),
        ("B", "D", 10, 7),
        ("D", "C", 10, 7),  # C 1-2 in the division, A and B 2-1
        ("E", "A", 10, 7),
        ("E", "B", 10, 7),
        ("C", "E", 10, 7),  # A, B and C all 2-2
    ]
    ledger = _ledger(games, clubs)
    chosen = pick(ledger, {"A", "B", "C"}, DIVISION_2002)
    # Carrying on with A and B at the next step (common games) would have put A first.
    assert chosen.club == "B"
    assert chosen.decided_by == "head_to_head"


def test_wild_card_head_to_head_for_three_needs_a_sweep() -> None:
    """A beat B and B beat C, but A never met C: no sweep, so conference record decides."""
    clubs = {"A": "X East", "B": "X West", "C": "X North", "D": "X South", "Y1": "Y East"}
    games = [
        ("A", "B", 10, 7),
        ("B", "C", 10, 7),
        ("D", "A", 10, 7),  # A 1-1 in the conference
        ("C", "D", 10, 7),
        ("C", "D", 10, 7),  # C 2-1 in the conference
        ("A", "Y1", 10, 7),
        ("B", "Y1", 10, 7),  # A, B and C all 2-1
    ]
    ledger = _ledger(games, clubs)
    chosen = pick(ledger, {"A", "B", "C"}, WILDCARD_2002)
    assert (chosen.club, chosen.decided_by) == ("C", "conference_record")
    # Among division rivals the same games would count: A is 1-0 against the others.
    within = pick(ledger, {"A", "B", "C"}, DIVISION_2002)
    assert (within.club, within.decided_by) == ("A", "head_to_head")


def test_wild_card_sweep_wins_outright() -> None:
    """A club that beat each of the other tied clubs takes the wild card."""
    clubs = {"A": "X East", "B": "X West", "C": "X North", "Y1": "Y East", "Y2": "Y East"}
    games = [
        ("A", "B", 10, 7),
        ("A", "C", 10, 7),
        ("B", "C", 10, 7),
        ("Y1", "A", 10, 7),
        ("Y2", "A", 10, 7),
        ("B", "Y1", 10, 7),
        ("Y2", "B", 10, 7),
        ("C", "Y1", 10, 7),
        ("C", "Y2", 10, 7),  # A, B and C all 2-2
    ]
    ledger = _ledger(games, clubs)
    assert {str(ledger.record(club)) for club in "ABC"} == {"2-2-0"}
    chosen = pick(ledger, {"A", "B", "C"}, WILDCARD_2002)
    assert (chosen.club, chosen.decided_by) == ("A", "head_to_head_sweep")


def test_wild_card_common_games_need_four() -> None:
    """Three common games each: a wild-card tie skips common games for strength of victory."""
    clubs = {"A": "X East", "B": "X West"} | {f"Y{n}": "Y East" for n in range(1, 8)}
    games = [
        ("A", "Y1", 10, 7),
        ("A", "Y2", 10, 7),
        ("Y3", "A", 10, 7),
        ("Y4", "A", 10, 7),  # A 2-2: 2-1 against Y1-Y3
        ("B", "Y1", 10, 7),
        ("Y2", "B", 10, 7),
        ("Y3", "B", 10, 7),
        ("B", "Y5", 10, 7),  # B 2-2: 1-2 against Y1-Y3
        ("Y5", "Y6", 10, 7),
        ("Y5", "Y7", 10, 7),  # Y5, whom B beat, is strong
    ]
    ledger = _ledger(games, clubs)
    chosen = pick(ledger, {"A", "B"}, WILDCARD_2002)
    assert (chosen.club, chosen.decided_by) == ("B", "strength_of_victory")
    # Within a division there is no minimum: the same records put A first on common games.
    within = pick(ledger, {"A", "B"}, DIVISION_2002)
    assert (within.club, within.decided_by) == ("A", "common_games")


def test_a_tie_scores_cannot_break_is_reported() -> None:
    """Two clubs alike in every step: ordered by code and reported as unresolved."""
    ledger = _ledger([("B", "A", 10, 10)], {"A": "X East", "B": "X East"})
    chosen = pick(ledger, {"A", "B"}, DIVISION_2002)
    assert chosen.club == "A"
    assert chosen.unresolved == {"A", "B"}
    table = compute(2015, [Result(1, "NE", "PIT", 21, 21, True)])
    ne, pit = table.line("NE"), table.line("PIT")
    assert ne is not None
    assert pit is not None
    assert ne.tiebreak_unresolved
    assert pit.tiebreak_unresolved
    assert (ne.seed, pit.seed) == (1, 2)


def test_games_not_over_do_not_count() -> None:
    """A game in progress (not final) leaves both clubs' records alone."""
    table = compute(2015, [Result(1, "NE", "PIT", 21, 3, False)])
    line = table.line("NE")
    assert line is not None
    assert (line.wins, line.losses, line.ties, line.streak) == (0, 0, 0, None)
