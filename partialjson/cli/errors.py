"""The command line's contract with scripts: exit statuses, and bad input as one clear line."""

from __future__ import annotations

from typing import Optional

from ..lifecycle.updates import ResponseState

#: Exit statuses (documented in docs/cli.md; scripts and benchmark suites rely on them).
EXIT_COMPLETED = 0
EXIT_INTERNAL = 1  #: a bug in partialjson: please report it
EXIT_USAGE = 2  #: bad input or usage: missing file, unreadable stream, not a stream at all
EXIT_INCOMPLETE = 3
EXIT_REFUSED = 4
EXIT_FAILED = 5
EXIT_INTERRUPTED = 130  #: Ctrl-C (128 + SIGINT), the response cancelled
EXIT_BROKEN_PIPE = 141  #: the reader of our output went away (128 + SIGPIPE), e.g. `| head`

_BY_STATE = {
    ResponseState.COMPLETED: EXIT_COMPLETED,
    ResponseState.INCOMPLETE: EXIT_INCOMPLETE,
    ResponseState.REFUSED: EXIT_REFUSED,
    ResponseState.FAILED: EXIT_FAILED,
    ResponseState.CANCELLED: EXIT_INTERRUPTED,
}


def exit_status(state: ResponseState) -> int:
    """The exit status for a response's terminal state (a state added later counts as failed)."""
    return _BY_STATE.get(state, EXIT_FAILED)


class InputError(Exception):
    """Bad input: the message names the file and, where there is one, the position in it.

    >>> str(InputError("stream.sse", "not JSON", line=3, column=7))
    'stream.sse:3:7: not JSON'
    >>> str(InputError("nope.sse", "no such file"))
    'nope.sse: no such file'
    """

    def __init__(
        self,
        name: str,
        message: str,
        *,
        line: Optional[int] = None,
        column: Optional[int] = None,
        byte: Optional[int] = None,
    ) -> None:
        self.name, self.message = name, message
        self.line, self.column, self.byte = line, column, byte
        where = name
        if line is not None:
            where += f":{line}" + (f":{column}" if column is not None else "")
        elif byte is not None:
            where += f": byte {byte}"
        super().__init__(f"{where}: {message}")
