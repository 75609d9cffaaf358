"""The stream reader's fast path for delta events (streaming/reader.py, ``_Template``): an event
whose text is the last one's but for its delta is read without parsing it whole. Whatever the
events, the reader must give exactly what parsing each event's data gives (pydantic-core's
``from_json``, and ``json.loads`` where that refuses), and fail where parsing fails."""

from __future__ import annotations

import json
from typing import Any, Optional

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic_core import from_json

from partialjson.streaming.reader import EventReader

# -- the reference: what the reader gave before it had a fast path -------------------------


def parsed(data: str) -> Optional[Any]:
    """An event's data as the reader must read it: ``None`` where it is no JSON object."""
    try:
        value = from_json(data)
    except Exception:
        try:
            value = json.loads(data)
        except ValueError:
            return None
    return value if isinstance(value, dict) else None


def framed(data: str) -> bytes:
    """An SSE event of this data (a line of its own for each of its lines)."""
    lines = data.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "".join(f"data: {line}\n" for line in lines).encode("utf-8", "surrogatepass") + b"\n"


def read_all(datas: list[str], whole: bool = False) -> tuple[list[str], bool]:
    """The reader's events (as ``repr`` s: key order and float signs count) for SSE events
    of these data, fed one event per chunk (or all in one chunk), and whether it failed."""
    reader = EventReader()
    body = [framed(data) for data in datas]
    events = []
    for chunk in [b"".join(body)] if whole else body:
        events += reader.read(chunk)
        if reader.error is not None:
            break
    return [repr(event) for event in events], reader.error is not None


def expected(datas: list[str]) -> tuple[list[str], bool]:
    out = []
    for data in datas:
        value = parsed(data.replace("\r\n", "\n").replace("\r", "\n"))  # as SSE delivers it
        if value is None:
            return out, True
        out.append(repr(value))
    return out, False


# -- the delta's JSON string: any text, spelled in any of JSON's ways ----------------------

_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r", "/": "\\/"}
_piece = st.one_of(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=6).map(
        lambda text: json.dumps(text, ensure_ascii=False)[1:-1]
    ),
    st.text(max_size=4).map(lambda text: json.dumps(text)[1:-1]),  # \uXXXX escapes
    st.sampled_from(sorted(_ESCAPES.values())),
    st.sampled_from(["\\ud83d\\ude00", "\\ud800", "\\udc00x", "\\u00e9", "\\u2028", "\u2028"]),
    # what no JSON string may hold: a raw control character, a bad escape, a raw quote
    st.sampled_from(["\x01", "\n", "\\x", "\\u12", '"', "\\"]),
)
json_string = st.lists(_piece, max_size=5).map(lambda pieces: '"' + "".join(pieces) + '"')

_space = st.sampled_from(["", "", " ", "\n", " \t\r\n"])


@st.composite
def chunk_shape(draw: st.DrawFn) -> tuple[str, str]:
    """A Chat Completions chunk's text around its delta: (text before it, text after it)."""
    sp = [draw(_space) for _ in range(12)]
    extra = draw(
        st.dictionaries(
            st.sampled_from(["id", "object", "created", "model", "usage", "system_fingerprint"]),
            st.recursive(
                st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
                lambda inner: (
                    st.lists(inner, max_size=2)
                    | st.dictionaries(st.text(max_size=3), inner, max_size=2)
                ),
                max_leaves=4,
            ),
            max_size=4,
        )
    )
    members = [f"{json.dumps(k)}{sp[0]}:{sp[1]}{json.dumps(v)}" for k, v in extra.items()]
    delta_before = draw(st.sampled_from(["", '"role":"assistant",', '"content":"x",']))
    delta_after = draw(st.sampled_from(["", ',"refusal":null', ',"content":"y"', ',"content":1']))
    head = (
        "{"
        + "".join(m + "," for m in members)
        + f'"choices"{sp[2]}:{sp[3]}[{sp[4]}{{"index":0,"delta"{sp[5]}:{sp[6]}{{'
        + delta_before
        + f'"content"{sp[7]}:{sp[8]}'
    )
    finish = draw(st.sampled_from(["null", '"stop"']))
    tail = f'{sp[9]}{delta_after}}},"finish_reason":{finish}}}]{sp[10]}}}' + draw(_space)
    return head, tail


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(
    shapes=st.lists(chunk_shape(), min_size=1, max_size=3),
    runs=st.lists(st.tuples(st.integers(0, 2), st.lists(json_string, max_size=6)), max_size=4),
)
def test_the_reader_reads_every_delta_event_as_parsing_it_does(
    shapes: list[tuple[str, str]], runs: list[tuple[int, list[str]]]
) -> None:
    datas = [
        shapes[which % len(shapes)][0] + text + shapes[which % len(shapes)][1]
        for which, texts in runs
        for text in texts
    ]
    assert read_all(datas) == expected(datas)
    assert read_all(datas, whole=True) == expected(datas)


@given(st.lists(json_string, min_size=1, max_size=8))
def test_an_escaped_or_unusual_delta_reads_as_parsing_reads_it(texts: list[str]) -> None:
    head = '{"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":'
    datas = [head + text + '},"finish_reason":null}]}' for text in ['"a"', '"b"', *texts]]
    assert read_all(datas) == expected(datas)


def test_a_delta_key_given_twice_is_read_as_parsing_reads_it() -> None:
    # The first "content" is not the one the value comes from: the template made at it is
    # disproved by the first event that fits it, and never used.
    datas = [
        f'{{"choices":[{{"delta":{{"content":"{a}","content":"{b}"}}}}]}}'
        for a, b in [("a", "x"), ("b", "x"), ("c", "y"), ("d", "z"), ("e", "z")]
    ]
    assert read_all(datas) == expected(datas)
    reader = EventReader()
    events = [event for data in datas for event in reader.read(framed(data))]
    assert [e["choices"][0]["delta"]["content"] for e in events] == ["x", "x", "y", "z", "z"]


def test_a_delta_event_is_read_by_its_template_and_shares_nothing_it_may_change() -> None:
    head = '{"id":"chatcmpl-1","created":1,"model":"m","choices":[{"index":0,"delta":{"content":'
    texts = ['"{\\"a"', '"\\": 1"', '", \\"b\\u00e9\\": [tr"', '"ue]}"']
    body = [f'data: {head}{text}}},"finish_reason":null}}]}}\n\n'.encode() for text in texts]
    reader = EventReader()
    events = [event for chunk in body for event in reader.read(chunk)]
    assert [e["choices"][0]["delta"]["content"] for e in events] == [
        '{"a',
        '": 1',
        ', "bé": [tr',
        "ue]}",
    ]
    assert reader._template is not None and reader._template.confirmed  # the fast path
    # Each event is a dict of its own, down to the delta: changing one changes no other.
    events[2]["choices"][0]["delta"]["content"] = "changed"
    events[2]["choices"].append({})
    choice = {"index": 0, "delta": {"content": "ue]}"}, "finish_reason": None}
    assert events[3]["choices"] == [choice]
    assert events[1]["choices"][0]["delta"]["content"] == '": 1'


def test_events_that_follow_no_pattern_stop_being_templated() -> None:
    # Gemini-like: each event's counts change, so no template is ever confirmed.
    datas = [
        f'{{"choices":[{{"delta":{{"content":"t{i}"}}}}],"usage":{{"n":{i}}}}}' for i in range(20)
    ]
    reader = EventReader()
    for data in datas:
        reader.read(f"data: {data}\n\n".encode())
    assert reader._templates_left == 0 and reader._template is None
    assert read_all(datas) == expected(datas)
