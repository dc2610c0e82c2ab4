"""The replay upstream: real NFL weeks since 1999 served as scorestrip XML and ESPN JSON.

`data` holds the packaged games, `feed` renders scorestrip XML, `plan` and `live` replay a week
as a live game day on a virtual `clock`, `situation` lays downs and yard lines over the same
drives, `espn` renders ESPN's scoreboard (with `espn_game` and `espn_status` for one game's
moment, `espn_teams`, `espn_calendar` and `espn_records`), `faults` injects failures on demand,
and `app` serves it all (`views`, `espn_views`). The `nflscores upstream` command is
`nflscores.cli.upstream`.
"""
