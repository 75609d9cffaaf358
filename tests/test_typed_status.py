"""status() per field, the paths completed per delta, and items as they complete."""

from __future__ import annotations

from typing import Dict, List

from pydantic import BaseModel, Field

from partialjson import FieldStatus, TypedParser

P, S, C, X = FieldStatus.PENDING, FieldStatus.STREAMING, FieldStatus.COMPLETE, FieldStatus.INVALID


class Step(BaseModel):
    title: str
    minutes: int


class Recipe(BaseModel):
    recipe_name: str = Field(alias="name")
    steps: List[Step]
    notes: Dict[str, str] = {}


def statuses(parser: TypedParser[Recipe], *paths: object) -> list[FieldStatus]:
    return [parser.status(path) for path in paths]  # type: ignore[arg-type]


def test_status_follows_each_field_forward() -> None:
    parser = TypedParser(Recipe)
    assert statuses(parser, (), "name") == [P, P]
    parser.feed('{"name": "Pa')
    assert statuses(parser, (), "name", "recipe_name", "steps") == [S, S, S, P]
    parser.feed('sta", "steps": [{"title": "Boil", "minutes": 1')
    assert statuses(parser, "name", "steps", "steps.0", "steps.0.title", "steps.0.minutes") == [
        C,
        S,
        S,
        C,
        P,  # 1 may still become 10
    ]
    parser.feed('0}, {"title": "Serve", "minutes": "soon"}], "notes": {"tip": "salt')
    assert statuses(parser, "steps", "steps.0", "steps.1.minutes", "notes", "notes.tip") == [
        C,
        C,
        X,
        S,
        S,
    ]
    parser.feed('"}}')
    assert statuses(parser, (), "notes.tip", "steps.1.title", "nothing", "steps.7") == [
        C,
        C,
        C,
        P,
        P,
    ]


def test_completed_lists_the_paths_that_closed_in_the_last_delta() -> None:
    parser = TypedParser(Recipe)
    parser.feed('{"name": "X", "steps": [{"title": "a"')
    assert parser.completed == [("name",), ("steps", 0, "title")]
    parser.feed(', "minutes": 2}]')
    assert parser.completed == [("steps", 0, "minutes"), ("steps", 0), ("steps",)]


def test_items_arrive_once_each_as_they_complete() -> None:
    parser = TypedParser(Recipe, items="steps")
    text = '{"name": "X", "steps": [{"title": "a", "minutes": 1}, {"title": "b", "minutes": 2}]}'
    arrivals = []
    for i in range(len(text)):
        parser.feed(text[i])
        arrivals.extend(parser.new_items)
    assert arrivals == parser.items == [Step(title="a", minutes=1), Step(title="b", minutes=2)]
