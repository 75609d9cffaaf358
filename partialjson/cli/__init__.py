"""The command line: ``partialjson demo | replay | watch`` (also ``python -m partialjson``).

See docs/cli.md. :func:`main` takes the arguments (``sys.argv[1:]`` by default) and returns the
exit status: 0 completed, 3 incomplete, 4 refused, 5 failed, 2 bad input or usage, 130
interrupted.
"""

from .main import main

__all__ = ["main"]
