"""The `nflscores` command line: one module per subcommand."""
