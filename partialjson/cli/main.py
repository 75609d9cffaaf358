"""Command line: replay a JSON document delta by delta and watch the partial value grow.

``python -m partialjson`` replays the bundled sample (a structured-output invoice) in
token-sized deltas, as a model would stream it, printing the partial value after each delta and
the final value at the end. Give a file (or ``-`` for standard input) to replay your own.

A recorded provider stream (a ``.sse`` file: OpenAI, Anthropic or Gemini server-sent events) is
replayed through :func:`partialjson.stream` instead, printing each update and the terminal state.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Iterator, Sequence
from typing import Any, Optional, TextIO

from ..core.errors import ParseError
from ..core.parser import Parser
from ..lifecycle.updates import PartialUpdate, ToolCallProgress, ToolCallReady, Update
from ..samples import invoice_text
from ..streaming.response import stream


def _token_sized(text: str, seed: int) -> Iterator[str]:
    """Cut ``text`` into deltas of 1 to 8 characters, like an LLM's token stream."""
    rng = random.Random(seed)
    i = 0
    while i < len(text):
        size = rng.randint(1, 8)
        yield text[i : i + size]
        i += size


def _show(value: Any, width: int) -> str:
    line = json.dumps(value, ensure_ascii=False)
    return line if len(line) <= width else "…" + line[-(width - 1) :]


def replay(text: str, out: TextIO, *, delay: float = 0.0, seed: int = 0, width: int = 100) -> Any:
    """Feed ``text`` to a :class:`Parser` in token-sized deltas, printing each partial value."""
    parser = Parser(lenient=False)
    for n, delta in enumerate(_token_sized(text, seed), 1):
        events = parser.feed(delta)
        kinds = ",".join(dict.fromkeys(e.kind for e in events)) or "-"
        shown = json.dumps(delta, ensure_ascii=False)
        print(f"{n:4} {shown:<12} {kinds:<28} {_show(parser.value, width)}", file=out)
        if delay:
            out.flush()
            time.sleep(delay)
    final = parser.close()
    print("final:", json.dumps(final, ensure_ascii=False, indent=2), file=out)
    return final


def _describe_update(update: Update, width: int) -> str:
    name = type(update).__name__
    if isinstance(update, PartialUpdate):
        return f"{name:17} {_show(update.value, width)}"
    if isinstance(update, ToolCallProgress):
        return f"{name:17} {update.name} {_show(update.arguments, width)}"
    if isinstance(update, ToolCallReady):
        call = update.call
        return f"{name:17} {call.name} {call.call_id} {_show(call.arguments, width)}"
    fields = ", ".join(f"{k}={v!r}" for k, v in vars(update).items() if v is not None)
    return f"{name:17} {fields}"


def replay_sse(data: bytes, out: TextIO, *, width: int = 100, chunk: int = 64) -> None:
    """Replay a recorded provider stream through :func:`partialjson.stream`, printing updates."""
    response = stream(data[i : i + chunk] for i in range(0, len(data), chunk))
    for n, update in enumerate(response, 1):
        print(f"{n:4} {_describe_update(update, width)}", file=out)
    reason = f" ({response.reason})" if response.reason else ""
    print(f"{response.provider}: {response.state.value}{reason}", file=out)


def main(argv: Optional[Sequence[str]] = None) -> int:
    cli = argparse.ArgumentParser(
        prog="python -m partialjson",
        description="Replay a JSON document in token-sized deltas, printing the partial value.",
    )
    cli.add_argument(
        "file",
        nargs="?",
        help="a JSON file, a recorded .sse stream, or - for stdin (default: the bundled sample)",
    )
    cli.add_argument(
        "--delay", type=float, default=0.0, help="seconds to wait between deltas (e.g. 0.03)"
    )
    cli.add_argument("--seed", type=int, default=0, help="seed of the delta sizes")
    cli.add_argument(
        "--width", type=int, default=100, help="cut each printed value to this many characters"
    )
    args = cli.parse_args(argv)
    if args.file and args.file.endswith(".sse"):
        with open(args.file, "rb") as f:
            replay_sse(f.read(), sys.stdout, width=args.width)
        return 0
    if args.file is None:
        text = invoice_text()
    elif args.file == "-":
        text = sys.stdin.read()
    else:
        with open(args.file, encoding="utf-8") as f:
            text = f.read()
    try:
        replay(text, sys.stdout, delay=args.delay, seed=args.seed, width=args.width)
    except ParseError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # e.g. piped into `head`
        sys.stderr.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
