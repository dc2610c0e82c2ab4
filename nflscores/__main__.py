"""Run the `nflscores` command with `python -m nflscores`."""

import sys

from nflscores.cli.main import main

sys.exit(main())
