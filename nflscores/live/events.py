"""One live event, decoded once, with each of its wire forms encoded once for every client.

An event is a whole week snapshot (`event: update`). Linked to the event before it, it also
knows its delta (`event: game`): only the games that changed, for clients that asked for
deltas. A delta that cannot tell the change (another week, a game gone) or is no shorter than
the snapshot is sent as the snapshot instead.

The unfiltered frames are kept for as long as the event is. A team filter's frames are kept
only while the event is the newest: that is when every client with the filter is sent it at
once. Once a newer event arrives the hub retires this one, and a filtered client replaying it
(a reconnect) has its frame encoded for it alone, so memory grows with the filters in use, not
with filters times the events kept for replay.
"""

from __future__ import annotations

from nflscores.domain.encoding import decode_week, encode_games, encode_week
from nflscores.domain.models import Game, Week
from nflscores.domain.weeks import WeekRef
from nflscores.live.diff import changed_games
from nflscores.live.filters import only_teams
from nflscores.live.frames import GAME_EVENT_TYPE, event_frame, http_chunk
from nflscores.store import parse_event_id

EventKey = tuple[int, int]
#: (team filter, chunked, delta): one wire form.
Form = tuple[frozenset[str], bool, bool]


class BadEvent(ValueError):
    """A message on the live channel is not `<stream id>\\n<week JSON>`."""


class LiveEvent:
    """A week snapshot under its stream id, and the bytes each kind of client is sent."""

    __slots__ = ("_filtered", "_wire", "body", "changed", "id", "key", "week")

    def __init__(self, event_id: str, body: bytes) -> None:
        key = parse_event_id(event_id)
        if key is None:
            raise BadEvent(f"{event_id!r} is not a stream id")
        try:
            week = decode_week(body)
        except (ValueError, KeyError, TypeError) as exc:
            raise BadEvent(f"event {event_id} does not hold a week: {exc!r}") from None
        self.id = event_id
        self.key: EventKey = key
        self.body = body
        self.week: Week = week
        #: The games changed since the event before; None: only the snapshot tells.
        self.changed: tuple[Game, ...] | None = None
        self._wire: dict[Form, bytes] = {}
        #: Filtered frames by form; None once the event is no longer the newest.
        self._filtered: dict[Form, bytes] | None = {}

    @classmethod
    def from_message(cls, message: bytes) -> LiveEvent:
        """Return the event a pub/sub message `<id>\\n<data>` carries."""
        raw_id, sep, body = message.partition(b"\n")
        if not sep:
            raise BadEvent("a live message has no id line")
        return cls(raw_id.decode("ascii", "replace"), body)

    @property
    def ref(self) -> WeekRef:
        """Return the week this snapshot is of."""
        return self.week.ref

    @property
    def cached_forms(self) -> int:
        """Return how many encoded frames this event holds."""
        return len(self._wire) + len(self._filtered or ())

    def retire(self) -> None:
        """Drop the filtered frames: a newer event is the one every client is sent now."""
        self._filtered = None

    def follow(self, previous: LiveEvent | None) -> None:
        """Link the event to the one published before it, which makes its delta known."""
        self.changed = None if previous is None else changed_games(previous.week, self.week)

    def wire(self, teams: frozenset[str], chunked: bool, *, delta: bool = False) -> bytes:
        """Return the bytes for clients of this form, built on first use only.

        For a delta client the bytes may be empty: none of its teams' games changed.
        """
        form = (teams, chunked, delta and self.changed is not None)
        kept = self._filtered if teams else self._wire
        cached = None if kept is None else kept.get(form)
        if cached is None:
            cached = self._delta(teams) if form[2] else None
            if cached is None:
                body = self.body if not teams else encode_week(only_teams(self.week, teams))
                cached = event_frame(self.id, body)
            if chunked and cached:
                cached = http_chunk(cached)
            if kept is not None:
                kept[form] = cached
        return cached

    def _delta(self, teams: frozenset[str]) -> bytes | None:
        """Return the `game` frame, empty when nothing shown changed; None: send the snapshot."""
        games = self.changed or ()
        if teams:
            games = tuple(game for game in games if not teams.isdisjoint(game.teams))
        if not games:
            return b""
        frame = event_frame(self.id, encode_games(self.week, games), event=GAME_EVENT_TYPE)
        whole = self.wire(teams, chunked=False)
        return None if len(frame) >= len(whole) else frame
