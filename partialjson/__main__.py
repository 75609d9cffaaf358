"""``python -m partialjson``: the command line (see :mod:`partialjson.cli`)."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
