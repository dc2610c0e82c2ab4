"""The replay upstream: real NFL weeks since 1999 served as scorestrip XML and ESPN JSON.

`data` holds the packaged games, `feed` renders scorestrip XML, `plan` and `live` replay a week
as a live game day on a virtual `clock`, `situation` lays downs and yard lines over the same
drives, `espn` (with `espn_teams`, `espn_calendar`, `espn_records`) renders ESPN's scoreboard,
`faults` injects failures on demand, and `app` serves it all (`views`, `espn_views`); the
`nflscores upstream` command is nflscores.cli.upstream.
"""
