"""``partialjson`` (and ``python -m partialjson``): parse the command line, run, exit.

Exit statuses are a contract for scripts: 0 completed, 3 incomplete, 4 refused, 5 failed,
2 bad input or usage, 130 interrupted. Every error is one line on stderr, never a traceback
(``PARTIALJSON_TRACEBACK=1`` shows one for a bug report).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import NoReturn, Optional

from .. import __version__
from . import commands
from .errors import EXIT_BROKEN_PIPE, EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_USAGE, InputError

DESCRIPTION = """\
Streamed LLM JSON as live, typed data.

commands:
  demo      replay a bundled recorded stream as a live typed form (no key, no network)
  replay    read a recorded stream as fast as possible: updates, --json lines, --stats
  watch     show a live stream read from standard input, like demo

exit status: 0 completed, 3 incomplete, 4 refused, 5 failed, 2 bad input or usage,
130 interrupted."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        """One line, not the usage block: ``partialjson replay: error: ... (--help)``."""
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _speed(text: str) -> float:
    try:
        speed = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not speed >= 0 or speed == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a number >= 0, not {text!r}")
    return speed


def build_parser() -> argparse.ArgumentParser:
    cli = _Parser(
        prog="partialjson",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    cli.add_argument("--version", action="version", version=f"partialjson {__version__}")
    sub = cli.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    def typed(command: argparse.ArgumentParser) -> None:
        command.add_argument(
            "--model",
            metavar="MODULE:CLASS",
            help="type the answer (a pydantic model or any type a TypeAdapter takes), "
            "e.g. myapp.models:Invoice or models.py:Invoice",
        )
        command.add_argument(
            "--tool",
            action="append",
            default=[],
            metavar="NAME=MODULE:CLASS",
            help="type a tool's arguments (repeatable)",
        )
        command.add_argument("--plain", action="store_true", help="plain lines, even on a terminal")
        command.add_argument(
            "-v", "--verbose", action="store_true", help="show the library's log on stderr"
        )

    demo = sub.add_parser(
        "demo",
        help="a bundled recorded stream as a live typed form",
        description="Replay a recorded stream at a model's pace as a live view: the typed "
        "form filling in, each field's status, tool calls released only when whole, the "
        "lifecycle state, and the validated model at the end. No key, no network.",
    )
    demo.add_argument(
        "--speed",
        type=_speed,
        default=1.0,
        help="pace as a multiple of a model's (default 1: about 60 tokens/s; 0: no waiting)",
    )
    demo.add_argument(
        "--stream",
        metavar="FILE",
        help="replay this recording (.sse, JSON Lines of events, or a JSON document; - for "
        "stdin) instead of the bundled invoice",
    )
    typed(demo)
    # For the README's picture: the screen as an SVG, at the end or after so many deltas.
    demo.add_argument("--save-svg", metavar="FILE", help=argparse.SUPPRESS)
    demo.add_argument("--save-svg-after", type=int, metavar="DELTAS", help=argparse.SUPPRESS)

    replay = sub.add_parser(
        "replay",
        help="a recorded stream as fast as possible, for people, scripts and benchmarks",
        description="Read a recorded stream (.sse of any supported provider, JSON Lines of "
        "provider events, or a plain JSON document) as fast as possible.",
    )
    replay.add_argument("file", metavar="FILE", help="the recording, or - for stdin")
    replay.add_argument(
        "--json",
        action="store_true",
        help="one JSON object per line for each update; the last line is the terminal "
        "state with the final value",
    )
    replay.add_argument(
        "--stats",
        action="store_true",
        help="time to first delta and first complete field, each field's completion time, "
        "deltas, bytes, parse time per delta (with --json: one line)",
    )
    replay.add_argument(
        "-v", "--verbose", action="store_true", help="show the library's log on stderr"
    )

    watch = sub.add_parser(
        "watch",
        help="a live stream on standard input, shown like demo",
        description="Show a live stream read from standard input (e.g. curl -N ... | "
        "partialjson watch) like demo.",
    )
    typed(watch)
    return cli


def run(argv: Optional[Sequence[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "demo":
        return commands.demo(
            speed=args.speed,
            stream=args.stream,
            model=args.model,
            tools=args.tool,
            plain=args.plain,
            save_svg=args.save_svg,
            svg_after=args.save_svg_after,
            verbose=args.verbose,
        )
    if args.command == "replay":
        return commands.replay(args.file, as_json=args.json, stats=args.stats, verbose=args.verbose)
    if args.command == "watch":
        return commands.watch(
            model=args.model, tools=args.tool, plain=args.plain, verbose=args.verbose
        )
    print(
        "partialjson: a command is needed: demo, replay or watch (see partialjson --help)",
        file=sys.stderr,
    )
    return EXIT_USAGE


def main(argv: Optional[Sequence[str]] = None) -> int:
    """The ``partialjson`` command; returns the exit status."""
    try:
        return run(argv)
    except SystemExit as exit:  # argparse: --help, --version, usage errors
        return exit.code if isinstance(exit.code, int) else EXIT_USAGE
    except (InputError, commands.UsageError) as error:
        print(f"partialjson: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("partialjson: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # the reader went away (e.g. `| head`): stop quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    except Exception as error:
        if os.environ.get("PARTIALJSON_TRACEBACK"):
            raise
        print(
            f"partialjson: internal error: {type(error).__name__}: {error} (a bug: please "
            "report it, with PARTIALJSON_TRACEBACK=1 for the traceback)",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
