"""One live event, decoded once, with each of its wire forms encoded once for every client.

The whole week's frames (chunked or not) are kept for as long as the event is. A team
filter's frame is kept only while the event is the newest: that is when every client with the
filter is sent it at once. Once a newer event arrives the hub retires this one, and a filtered
client replaying it (a reconnect) has its frame encoded for it alone, so memory grows with
the filters in use, not with filters times the events kept for replay.
"""

from __future__ import annotations

from nflscores.domain.encoding import decode_week, encode_week
from nflscores.domain.models import Week
from nflscores.domain.weeks import WeekRef
from nflscores.live.filters import only_teams
from nflscores.live.frames import event_frame, http_chunk
from nflscores.store import parse_event_id

EventKey = tuple[int, int]


class BadEvent(ValueError):
    """A message on the live channel is not `<stream id>\\n<week JSON>`."""


class LiveEvent:
    """A week snapshot under its stream id, and the bytes each kind of client is sent."""

    __slots__ = ("_filtered", "_wire", "body", "id", "key", "week")

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
        self._wire: dict[bool, bytes] = {}
        #: Filtered frames by (filter, chunked); None once the event is no longer the newest.
        self._filtered: dict[tuple[frozenset[str], bool], bytes] | None = {}

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

    def wire(self, teams: frozenset[str], chunked: bool) -> bytes:
        """Return the bytes for clients with this team filter, built on first use only."""
        if not teams:
            cached = self._wire.get(chunked)
            if cached is None:
                cached = self._wire[chunked] = self._encode(self.body, chunked)
            return cached
        filtered = self._filtered
        form = (teams, chunked)
        cached = None if filtered is None else filtered.get(form)
        if cached is None:
            cached = self._encode(encode_week(only_teams(self.week, teams)), chunked)
            if filtered is not None:
                filtered[form] = cached
        return cached

    def _encode(self, body: bytes, chunked: bool) -> bytes:
        frame = event_frame(self.id, body)
        return http_chunk(frame) if chunked else frame
