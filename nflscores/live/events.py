"""One live event, decoded once, with each of its wire forms encoded once for every client."""

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

    __slots__ = ("_wire", "body", "id", "key", "week")

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
        self._wire: dict[tuple[frozenset[str], bool], bytes] = {}

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

    def wire(self, teams: frozenset[str], chunked: bool) -> bytes:
        """Return the bytes for clients with this team filter, built on first use only."""
        form = (teams, chunked)
        cached = self._wire.get(form)
        if cached is None:
            body = self.body if not teams else encode_week(only_teams(self.week, teams))
            cached = event_frame(self.id, body)
            if chunked:
                cached = http_chunk(cached)
            self._wire[form] = cached
        return cached
