"""The SSE decoder against a literal reading of the WHATWG algorithm, on random streams of
every field, line end and chunking — including the size limits, where the spec is silent and
the decoder's promise is: the events before the crossing, then EventTooLarge."""

from __future__ import annotations

from typing import Optional, Union

from hypothesis import given, settings
from hypothesis import strategies as st

from partialjson import EventTooLarge, ServerSentEvent, SSEDecoder

from .jsonlaws import cut


class Reference:
    """The spec's "event stream interpretation", a character at a time, as little clever as
    possible: the decoder must agree with it on everything."""

    def __init__(self, max_line: int, max_event: int) -> None:
        self.max_line, self.max_event = max_line, max_event
        self.events: list[ServerSentEvent] = []
        self.data: list[str] = []
        self.data_size = 0
        self.event_type = ""
        self.last_id = ""
        self.retry: Optional[int] = None
        self.too_large: Optional[str] = None

    def run(self, text: str) -> None:
        if text.startswith("\ufeff"):
            text = text[1:]
        line, i = "", 0
        while i < len(text):
            char = text[i]
            if char in "\r\n":
                if char == "\r" and text[i + 1 : i + 2] == "\n":
                    i += 1
                if len(line) > self.max_line:
                    self.too_large = "line"
                    return
                self.line(line)
                if self.too_large:
                    return
                line = ""
            else:
                line += char
            i += 1
        if len(line) > self.max_line:
            self.too_large = "line"

    def line(self, line: str) -> None:
        if line == "":
            if self.data:
                data = "\n".join(self.data)
                kind = self.event_type or "message"
                self.events.append(ServerSentEvent(data, kind, self.last_id, self.retry))
            self.data, self.data_size, self.event_type = [], 0, ""
            return
        if line.startswith(":"):
            return
        if ":" in line:
            field, value = line.split(":", 1)
            if value.startswith(" "):
                value = value[1:]
        else:
            field, value = line, ""
        if field == "data":
            self.data_size += len(value) + 1
            if self.data_size - 1 > self.max_event:
                self.too_large = "event"
                return
            self.data.append(value)
        elif field == "event":
            self.event_type = value
        elif field == "id" and "\0" not in value:
            self.last_id = value
        elif field == "retry" and value and all(c in "0123456789" for c in value):
            self.retry = int(value)


pieces = st.sampled_from(
    [
        "data",
        "data:",
        "data: ",
        ": comment",
        "event:",
        "event: x",
        "id: ",
        "id: 7",
        "id: a\0b",
        "retry: 15",
        "retry: 1x",
        "retry:",
        "dat",
        "a",
        " ",
        ":",
        "é",
        "😀",
        "\u2028",
        "\ufeff",
        "\n",
        "\r",
        "\r\n",
        "\n\n",
        "\r\n\r\n",
    ]
)


@settings(max_examples=400, deadline=None)
@given(
    st.lists(pieces, max_size=60),
    st.lists(st.integers(0, 3), max_size=60),
    st.booleans(),
    st.booleans(),
    st.integers(1, 40),
    st.integers(1, 60),
)
def test_the_decoder_agrees_with_the_spec_read_literally(
    parts: list[str],
    cuts: list[int],
    bom: bool,
    as_bytes: bool,
    max_line: int,
    max_event: int,
) -> None:
    text = ("\ufeff" if bom else "") + "".join(parts)
    # chunks end between pieces (a CR and its LF, a field and its colon...) and inside them,
    # and a network read may be empty (3: an empty chunk between this piece and the next)
    points, end, empty_after = [], len(text) - len("".join(parts)), set()
    for part, where in zip(parts, cuts):
        if where:
            points.append(end + (len(part) if where != 2 else len(part) // 2))
            if where == 3:
                empty_after.add(points[-1])
        end += len(part)
    reference = Reference(max_line, max_event)
    reference.run(text)

    decoder = SSEDecoder(max_line_size=max_line, max_event_size=max_event)
    body: Union[bytes, str] = text
    if as_bytes:
        body = text.encode()
        empty_after = {len(text[:point].encode()) for point in empty_after}
        points = [len(text[:point].encode()) for point in points]
    chunks = []
    for chunk in cut(body, points):
        chunks.append(chunk)
        if sum(map(len, chunks)) in empty_after:
            chunks.append(body[:0])
    events: list[ServerSentEvent] = []
    too_large = None
    try:
        for chunk in chunks:
            events += decoder.feed(chunk)
    except EventTooLarge as error:
        too_large = error.what
        events += error.events
    if too_large is None:
        events += decoder.close()
    assert too_large == reference.too_large
    assert events == reference.events
    if too_large is None:
        assert decoder.last_event_id == reference.last_id
        assert decoder.retry == reference.retry


@settings(max_examples=200, deadline=None)
@given(st.lists(pieces, max_size=40), st.lists(st.integers(0, 200), max_size=40))
def test_one_character_or_byte_at_a_time_agrees_with_one_chunk(
    parts: list[str], points: list[int]
) -> None:
    body = "".join(parts).encode()
    whole = SSEDecoder()
    expected = whole.feed(body) + whole.close()
    decoder = SSEDecoder()
    events = [e for i in range(len(body)) for e in decoder.feed(body[i : i + 1])]
    assert events + decoder.close() == expected
    assert decoder.discarded_tail == whole.discarded_tail
