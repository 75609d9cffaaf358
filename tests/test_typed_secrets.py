"""Secrets stay masked in the view, its repr and its dumps while streaming."""

from __future__ import annotations

from pydantic import BaseModel, SecretBytes, SecretStr

from partialjson import FieldStatus, TypedParser

from .typed_models import check_law


class Login(BaseModel):
    user: str
    password: SecretStr
    token: SecretBytes


def test_a_secret_never_shows_while_it_streams_nor_after() -> None:
    parser = TypedParser(Login)
    parser.feed('{"user": "ada", "password": "hunter')
    assert "hunter" not in repr(parser.partial)
    assert "hunter" not in parser.partial.model_dump_json()
    assert "hunter" not in str(parser.partial.model_dump())
    assert parser.status("password") is FieldStatus.STREAMING
    parser.feed('2", "token": "t0ps3cret"}')
    for shown in (
        repr(parser.partial),
        parser.partial.model_dump_json(),
        str(parser.partial.model_dump()),
    ):
        assert "hunter2" not in shown and "t0ps3cret" not in shown
    assert parser.partial.password.get_secret_value() == "hunter2"
    check_law(
        Login,
        '{"user": "a", "password": "p", "token": "t"}',
        ['{"user": "a", "pass', 'word": "p", "token": "t"}'],
    )
