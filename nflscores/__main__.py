"""Run the `nflscores` command with `python -m nflscores`."""

import sys

from nflscores.cli import main

sys.exit(main())
