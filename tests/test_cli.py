"""`python -m partialjson`: the README's first command."""

from __future__ import annotations

import io
import json
import pathlib
import subprocess
import sys
from importlib import resources

import pytest

from partialjson.cli import main, replay


def test_replay_prints_growing_values_then_the_final_one() -> None:
    text = resources.files("partialjson").joinpath("samples/invoice.json").read_text("utf-8")
    out = io.StringIO()
    final = replay(text, out)
    lines = out.getvalue().splitlines()
    assert final == json.loads(text)
    assert lines[0].split()[-1] == "{}"  # the object appears at once
    assert any('"invoice_number": "INV-' in line for line in lines)
    assert "final:" in out.getvalue()


def test_module_runs_on_the_bundled_sample() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "partialjson"], capture_output=True, text=True, check=True
    )
    assert '"total": 224.99' in done.stdout


def test_bad_input_exits_non_zero_with_a_clear_message(
    tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{"a": [1 2]}')
    assert main([str(path)]) == 1
    assert "found '2': line 1 column 10 (char 9)" in capsys.readouterr().err


def test_a_recorded_stream_replays_through_the_lifecycle(
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = (
        pathlib.Path(__file__).parent
        / "fixtures"
        / "streams"
        / "openai__chat__two-parallel-tools.sse"
    )
    assert main([str(path)]) == 0
    out = capsys.readouterr().out
    assert "Started           response_id='chatcmpl-" in out
    assert out.count("ToolCallReady") == 2 and out.endswith("openai-chat: completed (tool_calls)\n")
