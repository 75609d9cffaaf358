"""What the typed parser keeps from one delta or one stream to the next, for speed, must never
show: a ``changed`` list a caller altered, a fields set shared by closed models, a string
looked at for lone surrogates as it streamed (issue 13: the typed view per delta)."""

from __future__ import annotations

from typing import Optional

from pydantic import BaseModel

from partialjson import TypedParser


class Point(BaseModel):
    x: int
    y: int
    label: Optional[str] = None


class Points(BaseModel):
    title: str
    points: list[Point]


def test_changed_while_a_string_grows_survives_a_caller_changing_it() -> None:
    parser = TypedParser(Points)
    parser.feed('{"title": "A')
    parser.feed("b")
    first = parser.changed
    assert first == [("title",)]
    first.append(("points",))  # the caller's list now: the parser's next answer is its own
    parser.feed("c")
    assert parser.changed == [("title",)]
    parser.changed.clear()
    parser.feed("d")
    assert parser.changed == [("title",)]
    parser.feed('", "points": [')
    assert parser.changed == [("points",)]  # (the closing quote: "Abcd" was shown already)
    parser.feed('{"x": 1, "label": "n')
    parser.feed("e")
    assert parser.changed == [("points", 0, "label")]
    assert parser.partial.title == "Abcd"
    assert parser.partial.points[0].label == "ne"


def test_closed_models_that_received_every_field_report_exactly_their_fields() -> None:
    text = '{"title": "t", "points": [{"x": 1, "y": 2, "label": "a"}, {"x": 3, "y": 4}]}'
    for _ in range(2):  # a second stream of the type: the shape's shared set is reused
        parser = TypedParser(Points)
        parser.feed(text)
        full, partial = parser.partial.points
        assert full.model_fields_set == {"x", "y", "label"}
        assert partial.model_fields_set == {"x", "y"}
        assert partial.label is None
        assert parser.finish() == Points.model_validate_json(text)


def test_a_lone_surrogate_in_a_printable_looking_string_is_still_found() -> None:
    for cut in range(1, 30):
        text = '{"title": "caf\u00e9 \\ud800 \u6771\u4eac", "points": []}'
        parser = TypedParser(Points)
        parser.feed(text[:cut])
        parser.feed(text[cut:])
        assert [issue.path for issue in parser.issues] == [("title",)]
        assert parser.partial.title is None
