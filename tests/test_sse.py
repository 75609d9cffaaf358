"""The SSE decoder against the WHATWG event-stream rules, one named test a rule."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from partialjson import EventTooLarge, ServerSentEvent, SSEDecoder

from .jsonlaws import cut

FIXTURES = Path(__file__).parent / "fixtures" / "streams"
EXPECTED = {entry["file"]: entry for entry in json.loads((FIXTURES / "expected.json").read_text())}


def decode(*chunks: bytes | str) -> list[ServerSentEvent]:
    decoder = SSEDecoder()
    events = [e for chunk in chunks for e in decoder.feed(chunk)]
    return events + decoder.close()


def test_one_leading_bom_is_stripped() -> None:
    assert decode(b"\xef\xbb\xbfdata: a\n\n") == [ServerSentEvent("a")]
    assert decode("\ufeffdata: a\n\n") == [ServerSentEvent("a")]


def test_bom_split_across_chunks_does_not_swallow_the_first_event() -> None:
    assert decode(b"\xef", b"\xbb", b"\xbfdata: a\n\n") == [ServerSentEvent("a")]


def test_only_the_first_bom_is_stripped() -> None:
    assert decode(b"\xef\xbb\xbf\xef\xbb\xbfdata: a\n\n") == []  # the second BOM is a field name
    assert decode("data: \ufeffa\n\n") == [ServerSentEvent("\ufeffa")]


@pytest.mark.parametrize("end", ["\r\n", "\r", "\n"])
def test_cr_lf_and_crlf_end_lines(end: str) -> None:
    assert decode(f"event: e{end}data: a{end}data: b{end}{end}") == [ServerSentEvent("a\nb", "e")]


@pytest.mark.parametrize("char", ["\u2028", "\u2029", "\u0085", "\x0b", "\x0c", "\x1c"])
def test_nothing_else_ends_a_line(char: str) -> None:
    assert decode(f"data: a{char}b\n\n") == [ServerSentEvent(f"a{char}b")]


def test_crlf_split_across_chunks_is_one_line_end() -> None:
    assert decode("data: a\r", "\ndata: b\r", "\n\r", "\n") == [ServerSentEvent("a\nb")]


def test_blank_line_dispatches_and_comments_are_ignored() -> None:
    assert decode(": hello\ndata: a\n: middle\n\n:\n\n") == [ServerSentEvent("a")]


def test_field_value_split_at_first_colon_with_one_space_removed() -> None:
    assert decode("data:a:b\n\ndata:  two\n\n") == [ServerSentEvent("a:b"), ServerSentEvent(" two")]


def test_line_without_colon_is_a_field_with_empty_value() -> None:
    assert decode("data\ndata\n\n") == [ServerSentEvent("\n")]
    assert decode("data\n\n") == [ServerSentEvent("")]


def test_event_type_defaults_to_message_and_resets_after_dispatch() -> None:
    assert decode("event: x\ndata: 1\n\ndata: 2\n\n") == [
        ServerSentEvent("1", "x"),
        ServerSentEvent("2"),
    ]


def test_data_less_event_is_not_dispatched() -> None:
    # The SDK bug: `event: ping` with no data dispatched as an empty event.
    assert decode("event: ping\n\ndata: a\n\n") == [ServerSentEvent("a")]


def test_id_persists_and_a_stale_id_does_not_make_blank_lines_dispatch() -> None:
    assert decode("id: 7\ndata: a\n\n\n\n\ndata: b\n\n") == [
        ServerSentEvent("a", id="7"),
        ServerSentEvent("b", id="7"),
    ]


def test_id_with_nul_is_ignored() -> None:
    decoder = SSEDecoder()
    decoder.feed("id: 1\n\nid: 2\x003\ndata: a\n\n")
    assert decoder.last_event_id == "1"


def test_retry_only_if_all_ascii_digits() -> None:
    decoder = SSEDecoder()
    events = decoder.feed("retry: 1500\ndata: a\n\nretry: 15x\nretry: \uff12\ndata: b\n\n")
    assert [e.retry for e in events] == [1500, 1500] and decoder.retry == 1500


def test_unknown_fields_are_ignored() -> None:
    assert decode("foo: bar\ndata: a\n\n") == [ServerSentEvent("a")]


def test_unterminated_last_event_is_discarded_at_end_of_stream() -> None:
    decoder = SSEDecoder()
    assert decoder.feed("data: a\n\ndata: b\n") == [ServerSentEvent("a")]
    assert decoder.close() == [] and decoder.discarded_tail


def test_invalid_utf8_decodes_as_replacement_character() -> None:
    assert decode(b"data: a\xffb\n\n") == [ServerSentEvent("a\ufffdb")]


def test_mixing_bytes_and_text_is_refused() -> None:
    decoder = SSEDecoder()
    decoder.feed(b"data: a")
    with pytest.raises(TypeError, match="both str and bytes"):
        decoder.feed("b")


def test_json_helper() -> None:
    assert decode('data: {"a": [1]}\n\n')[0].json() == {"a": [1]}


def test_long_lines_fed_a_byte_at_a_time() -> None:
    body = b"data: " + b"x" * 20000 + b"\n\n"
    decoder = SSEDecoder()
    events = [e for i in range(len(body)) for e in decoder.feed(body[i : i + 1])]
    assert events == [ServerSentEvent("x" * 20000)]


streams = st.lists(
    st.tuples(
        st.sampled_from(["", "ping", "update"]),
        st.lists(
            st.text(
                alphabet=st.characters(blacklist_characters="\r\n", blacklist_categories=["Cs"])
            ),
            min_size=1,
            max_size=3,
        ),
    ),
    max_size=5,
)


@given(
    streams,
    st.sampled_from(["\n", "\r", "\r\n"]),
    st.lists(st.integers(0, 400), max_size=20),
    st.booleans(),
)
def test_any_chunking_gives_the_same_events(
    events: list[tuple[str, list[str]]], end: str, points: list[int], as_bytes: bool
) -> None:
    text = "".join(
        (f"event: {name}{end}" if name else "")
        + "".join(f"data: {line}{end}" for line in lines)
        + end
        for name, lines in events
    )
    expected = [ServerSentEvent("\n".join(lines), name or "message") for name, lines in events]
    body: bytes | str = text.encode() if as_bytes else text
    assert decode(*cut(body, points)) == expected
    # feed_data, the stream layer's way in, gives the same events' data and leaves the same state
    decoder = SSEDecoder()
    data = [d for chunk in cut(body, points) for d in decoder.feed_data(chunk)]
    assert data + [event.data for event in decoder.close()] == [e.data for e in expected]


def test_feed_data_resets_the_event_type_as_a_dispatch_does() -> None:
    decoder = SSEDecoder()
    assert decoder.feed_data("event: delta\n\n") == []
    assert decoder.feed_data("event: delta\ndata: 1\n\n") == ["1"]
    assert decoder.feed_data("event: delta\n") == []
    assert decoder.feed_data("data: 2\n\n") == ["2"]  # the usual chunk: the fast path
    assert decoder.feed("data: 3\n\n") == [ServerSentEvent("3", "message")]


@pytest.mark.parametrize("name", sorted(EXPECTED))
@pytest.mark.parametrize("chunk", [1, 7, 1 << 20])
def test_recorded_streams(name: str, chunk: int) -> None:
    facts = EXPECTED[name]["sse"]
    body = (FIXTURES / name).read_bytes()
    decoder = SSEDecoder()
    events = [e for i in range(0, len(body), chunk) for e in decoder.feed(body[i : i + chunk])]
    events += decoder.close()
    assert len(events) == facts["events"]
    assert decoder.discarded_tail == bool(facts["unterminated_tail"])
    assert sum(e.event == "error" for e in events) == facts["error_events"]
    not_json = 0
    for event in events:
        try:
            event.json()
        except ValueError:
            not_json += 1
    assert not_json == facts["data_not_json"]


# -- size limits (not in the spec: a client must bound memory) -----------------------------------


def test_a_line_over_the_limit_raises_and_keeps_the_events_before_it() -> None:
    decoder = SSEDecoder(max_line_size=10)
    with pytest.raises(EventTooLarge) as raised:
        decoder.feed("data: a\n\ndata: " + "x" * 20)
    assert raised.value.what == "line" and raised.value.limit == 10
    assert raised.value.events == [ServerSentEvent("a")]
    with pytest.raises(EventTooLarge):  # the decoder stays failed
        decoder.feed("\n\n")
    assert decoder.close() == []


def test_a_line_growing_over_many_chunks_is_caught_without_a_line_end() -> None:
    decoder = SSEDecoder(max_line_size=100)
    with pytest.raises(EventTooLarge):
        for _ in range(1000):
            decoder.feed(b"y" * 7)  # never a line end
    assert decoder._partial is None  # what was kept is released at once (no list kept)


def test_an_event_whose_data_lines_add_up_over_the_limit_raises() -> None:
    decoder = SSEDecoder(max_line_size=50, max_event_size=100)
    with pytest.raises(EventTooLarge) as raised:
        decoder.feed("data: " + "z" * 40 + "\n" * 1 + ("data: " + "z" * 40 + "\n") * 3)
    assert raised.value.what == "event"


def test_lines_and_events_at_the_limit_pass() -> None:
    decoder = SSEDecoder(max_line_size=16, max_event_size=10)
    assert decoder.feed("data: 0123456789\n\n") == [ServerSentEvent("0123456789")]
    with pytest.raises(ValueError):
        SSEDecoder(max_line_size=0)


def test_a_10_mb_line_under_the_default_limit_decodes() -> None:
    payload = "x" * 10_000_000
    chunks = [f"data: {payload}\n\n"[i : i + 65536] for i in range(0, 10_000_008, 65536)]
    events = decode(*chunks)
    assert len(events) == 1 and len(events[0].data) == 10_000_000


@pytest.mark.parametrize("kind", [str, bytes])
def test_an_empty_chunk_between_a_cr_and_its_lf_keeps_the_crlf_whole(kind: type) -> None:
    chunks = ["data: a\r", "", "\ndata: b\n\n"]
    decoder = SSEDecoder()
    events = [e for c in chunks for e in decoder.feed(c if kind is str else c.encode())]
    assert [e.data for e in events + decoder.close()] == ["a\nb"]
