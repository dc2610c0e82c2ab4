"""ESPN's `status` of a game at one moment: clock, period and the status type with its texts.

The end of the 1st and 3rd quarters (and of the 4th before overtime) shows as
STATUS_END_PERIOD while the clock stands at 0:00; on the replay's running clock that is the
quarter's last game second.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from nflscores.domain.calendar import EASTERN
from nflscores.replay.espn_game import PERIODS, EspnGame

ORDINALS: Final = {1: "1st", 2: "2nd", 3: "3rd", 4: "4th"}
#: Quarters whose end shows as STATUS_END_PERIOD while the clock stands at 0:00.
_BREAKS: Final = frozenset({1, 3})


def _clock_seconds(clock: str | None) -> int:
    if not clock:
        return 0
    minutes, seconds = clock.split(":")
    return int(minutes) * 60 + int(seconds)


def _display_clock(seconds: int) -> str:
    return f"{seconds // 60}:{seconds % 60:02d}"


def _day_ordinal(day: int) -> str:
    if 11 <= day % 100 <= 13:
        return f"{day}th"
    return f"{day}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(day % 10, 'th') }"


def _pregame_details(kickoff: datetime) -> tuple[str, str]:
    local = kickoff.astimezone(EASTERN)
    hour = f"{(local.hour - 1) % 12 + 1}:{local.minute:02d} {'AM' if local.hour < 12 else 'PM'}"
    zone = local.strftime("%Z")
    detail = f"{local:%a, %B} {_day_ordinal(local.day)} at {hour} {zone}"
    return detail, f"{local.month}/{local.day} - {hour} {zone}"


def _status_type(
    type_id: str, name: str, state: str, description: str, *, detail: str, short: str
) -> dict[str, Any]:
    return {
        "id": type_id,
        "name": name,
        "state": state,
        "completed": state == "post",
        "description": description,
        "detail": detail,
        "shortDetail": short,
    }


def status_json(game: EspnGame) -> dict[str, Any]:
    """Return a game's `status` as ESPN's scoreboard writes it."""
    q = game.line.q
    seconds = _clock_seconds(game.line.clock)
    clock = {"clock": float(seconds), "displayClock": _display_clock(seconds)}
    if q == "P":
        detail, short = _pregame_details(game.record.kickoff)
        kind = _status_type("1", "STATUS_SCHEDULED", "pre", "Scheduled", detail=detail, short=short)
        return {**clock, "period": 0, "type": kind}
    if q == "H":
        kind = _status_type(
            "23", "STATUS_HALFTIME", "in", "Halftime", detail="Halftime", short="Halftime"
        )
        return {**clock, "period": 2, "type": kind}
    if q in {"F", "FO"}:
        overtime = game.linescore and len(game.linescore) == 5
        text = "Final/OT" if overtime else "Final"
        kind = _status_type("3", "STATUS_FINAL", "post", "Final", detail=text, short=text)
        if overtime:
            kind["altDetail"] = "OT"
        return {**clock, "period": 5 if overtime else 4, "type": kind}
    period = PERIODS[q]
    name = "OT" if period == 5 else ORDINALS[period]
    ended = seconds == 0 and (period in _BREAKS or (period == 4 and game.overtime_follows))
    if ended:
        long = f"End of {name}" if period == 5 else f"End of {name} Quarter"
        kind = _status_type(
            "22", "STATUS_END_PERIOD", "in", "End of Period", detail=long, short=f"End of {name}"
        )
    else:
        display = clock["displayClock"]
        long = f"{display} - {name}" if period == 5 else f"{display} - {name} Quarter"
        kind = _status_type(
            "2", "STATUS_IN_PROGRESS", "in", "In Progress", detail=long, short=f"{display} - {name}"
        )
    return {**clock, "period": period, "type": kind}
