"""The replay upstream: real NFL weeks since 1999 served over the scorestrip protocol.

`data` holds the packaged games, `feed` renders scorestrip XML, `plan` and `live` replay a week
as a live game day on a virtual `clock`, `faults` injects failures on demand, `app` serves it
all and `cli` is the `nflscores upstream` command.
"""
