"""The `nflscores` command: one subcommand per process the service runs."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import Protocol

from nflscores import __version__
from nflscores.logs import configure_logging
from nflscores.settings import Settings, SettingsError


class Command(Protocol):
    """What a subcommand module offers the CLI."""

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        """Declare the subcommand's options."""

    def run(self, args: argparse.Namespace, settings: Settings) -> int:
        """Run the subcommand and return the process exit code."""


#: Subcommand name, module, one-line help. Each module implements Command.
COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("serve", "nflscores.cli.serve", "serve the JSON API and the live stream"),
    ("fetch-season", "nflscores.cli.fetch_season", "fetch every week of a season into the cache"),
    ("poll", "nflscores.cli.poll", "follow the live feed and publish each change"),
    (
        "demo",
        "nflscores.cli.demo",
        "run the replay upstream, the API and the poller in one process",
    ),
    ("upstream", "nflscores.cli.upstream", "serve the scorestrip replay upstream"),
)


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser with every subcommand."""
    parser = argparse.ArgumentParser(prog="nflscores", description=__doc__)
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, module_name, help_text in COMMANDS:
        command: Command = importlib.import_module(module_name)
        sub = subparsers.add_parser(name, help=help_text, description=help_text)
        command.add_arguments(sub)
        sub.set_defaults(command_module=command)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line, read the settings once, configure logging and run."""
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        print(f"nflscores: bad setting: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings)
    command: Command = args.command_module
    try:
        return command.run(args, settings)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
