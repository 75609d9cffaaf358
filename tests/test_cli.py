"""The command line as scripts and people use it: each command a subprocess on every recorded
stream, the exit-status contract, bad input, and the demo in a pseudo-terminal."""

from __future__ import annotations

import json
import os
import pathlib
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Optional

import pytest

from partialjson.cli import main
from partialjson.samples import _recording
from partialjson.web.patches import apply_patch

from .streams import EXPECTED, FIXTURES

EXIT = {"completed": 0, "incomplete": 3, "refused": 4, "failed": 5}
CLI = [sys.executable, "-m", "partialjson"]
NAMES = sorted(EXPECTED)


def run(*args: str, stdin: Optional[bytes] = None, timeout: float = 60) -> Any:
    return subprocess.run(
        [*CLI, *args], input=stdin, capture_output=True, timeout=timeout, check=False
    )


def expected_state(name: str) -> tuple[str, Any]:
    terminal = EXPECTED[name]["terminal"]
    if terminal["state"].startswith("failed (interrupted)"):
        return "failed", "interrupted"
    return terminal["state"], terminal["reason"]


@pytest.fixture(scope="module")
def runs() -> dict[tuple[str, str], Any]:
    """Every command on every recorded stream, run concurrently (the suite stays quick)."""
    jobs: dict[tuple[str, str], Any] = {}
    with ThreadPoolExecutor(max_workers=4) as pool:
        for name in NAMES:
            path = str(FIXTURES / name)
            jobs["replay", name] = pool.submit(run, "replay", "--json", path)
            jobs["demo", name] = pool.submit(run, "demo", "--stream", path, "--speed", "0")
            jobs["watch", name] = pool.submit(run, "watch", stdin=(FIXTURES / name).read_bytes())
        return {key: job.result() for key, job in jobs.items()}


def assert_clean(done: Any) -> None:
    assert b"Traceback" not in done.stderr
    assert len(done.stderr.decode().splitlines()) <= 1, done.stderr


@pytest.mark.parametrize("name", NAMES)
def test_replay_json_ends_with_the_terminal_state_and_value(
    name: str, runs: dict[tuple[str, str], Any]
) -> None:
    done = runs["replay", name]
    state, reason = expected_state(name)
    assert done.returncode == EXIT[state], done.stderr
    assert_clean(done)
    lines = [json.loads(line) for line in done.stdout.decode().splitlines()]
    assert lines[0]["kind"] == "started"
    last = lines[-1]
    assert (last["kind"], last["state"], last["reason"]) == (state, state, reason)
    entry = EXPECTED[name]
    texts = [c for c in entry["channels"] if c["kind"] == "structured_text"]
    if state == "completed" and texts:
        assert last["value"] == json.loads(texts[0]["final_text"])
    else:
        assert last["value"] is None
    released = {c["call_id"]: c for c in last["tool_calls"]}
    for channel in entry["channels"]:
        if channel["kind"] == "tool_args" and channel["closed"] and state == "completed":
            call = released.pop(channel["call_id"])
            assert call["arguments_json"] == channel["final_text"]
            assert call["arguments"] == json.loads(channel["final_text"])
    assert released == {}
    times = [line["t"] for line in lines]
    assert times == sorted(times)


@pytest.mark.parametrize("name", NAMES)
def test_replay_json_patches_rebuild_the_partial_value(
    name: str, runs: dict[tuple[str, str], Any]
) -> None:
    lines = [json.loads(line) for line in runs["replay", name].stdout.decode().splitlines()]
    document: Any = None
    for line in lines:
        if line["kind"] == "partial_update":
            for op in line["patch"]:
                document = apply(document, op)
    last = lines[-1]
    if last["state"] == "completed" and last["value"] is not None:
        assert document == last["value"]
    elif "partial" in last:
        assert document == last["partial"]


def apply(document: Any, op: dict[str, Any]) -> Any:
    """RFC 6902 ``add`` and ``replace``, and ``append`` (a growing string's new tail): all the
    replay emits."""
    assert op["op"] in ("add", "replace", "append")
    return apply_patch(document, [op])


@pytest.mark.parametrize("command", ["demo", "watch"])
@pytest.mark.parametrize("name", NAMES)
def test_demo_and_watch_show_every_recorded_stream(
    name: str, command: str, runs: dict[tuple[str, str], Any]
) -> None:
    done = runs[command, name]
    state, reason = expected_state(name)
    assert done.returncode == EXIT[state], done.stderr
    assert_clean(done)
    out = done.stdout.decode()
    assert out.startswith("● started")
    assert f"● {state}" + (f" ({reason})" if reason else "") in out
    calls = [c for c in EXPECTED[name]["channels"] if c["kind"] == "tool_args"]
    released = sum(c["closed"] and state == "completed" for c in calls)
    assert out.count("released") == released


def test_replay_human_output_and_stats(capsys: pytest.CaptureFixture[str]) -> None:
    path = str(FIXTURES / "openai__chat__json-object-unicode-nested.sse")
    assert main(["replay", path]) == 0
    out = capsys.readouterr().out
    assert "✓ weather.condition" in out and "final value:" in out
    assert main(["replay", "--stats", "--json", path]) == 0
    [line] = capsys.readouterr().out.splitlines()
    record = json.loads(line)
    assert record["state"] == "completed" and record["value"]["location"] == "San Francisco, CA"
    numbers = record["stats"]
    assert numbers["deltas"] > 100 and numbers["bytes"] == os.path.getsize(path)
    assert 0 < numbers["time_to_first_delta"] <= numbers["time_to_first_complete_field"]
    assert ["location"] in [field["path"] for field in numbers["fields"]]
    assert numbers["parse_seconds_per_delta"] > 0
    assert main(["replay", "--stats", path]) == 0
    human = capsys.readouterr().out
    assert "parse time per delta" in human and "field completion times:" in human


# -- other formats and bad input ---------------------------------------------------------------


def test_a_json_document_and_json_lines_of_events(
    tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = tmp_path / "answer.json"
    document.write_text('{"a": [1, 2], "b": "ok"}\n')
    assert main(["replay", "--json", str(document)]) == 0
    last = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert last["value"] == {"a": [1, 2], "b": "ok"} and last["provider"] == "document"
    events = [
        {"choices": [{"index": 0, "delta": {"content": '{"x": '}, "finish_reason": None}]},
        {"choices": [{"index": 0, "delta": {"content": "1}"}, "finish_reason": "stop"}]},
    ]
    jsonl = tmp_path / "events.jsonl"
    jsonl.write_text("".join(json.dumps(e) + "\n" for e in events))
    assert main(["replay", "--json", str(jsonl)]) == 0
    last = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert last["value"] == {"x": 1} and last["provider"] == "openai-chat"
    piped = run("replay", "--json", "-", stdin=document.read_bytes())
    assert piped.returncode == 0 and json.loads(piped.stdout.splitlines()[-1])["value"]["b"]


@pytest.mark.parametrize(
    ("content", "status", "message"),
    [
        (None, 2, "missing.sse: no such file"),
        (b"", 2, "empty: there is no stream to read"),
        (b"\n  \n", 2, "empty"),
        (bytes(range(256)) * 4, 2, "binary data, not a stream"),
        (b"\x89PNG\r\n\x1a\n" + b"\xff" * 64, 2, "binary data"),
        (b"hello world\n", 2, "bad.sse:1:1: not a stream"),
        (b'{"a": [1 2]}', 2, "bad.sse:1:10: not JSON"),
        (b'{"a": [1, 2', 5, "without a terminal event: failed (interrupted)"),
        (b'{"type": "response.created"}\n{"type": ', 2, "bad.sse:2:"),
        (b"data: {}\n\ndata: hello\n\n", 2, "no event of a known provider"),
    ],
)
def test_bad_input_is_one_line_with_a_status(
    tmp_path: pathlib.Path,
    capsys: pytest.CaptureFixture[str],
    content: Optional[bytes],
    status: int,
    message: str,
) -> None:
    path = tmp_path / ("missing.sse" if content is None else "bad.sse")
    if content is not None:
        path.write_bytes(content)
    assert main(["replay", "--json", str(path)]) == status
    out, err = capsys.readouterr()
    assert len(err.splitlines()) == 1 and message in err
    if out:  # the last line is still a terminal state
        assert json.loads(out.splitlines()[-1])["state"] == "failed"


def test_a_truncated_recording_fails_naming_the_file_and_where() -> None:
    body = (FIXTURES / "openai__chat__two-parallel-tools.sse").read_bytes()
    cut = body[: len(body) // 2]
    done = run("replay", "-", stdin=cut)
    assert done.returncode == 5
    assert_clean(done)
    line = cut.count(b"\n") + 1
    assert f"<stdin>:{line}: the stream ended after {len(cut)} bytes" in done.stderr.decode()
    assert "released" not in done.stdout.decode()  # no call released from a cut stream


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "a command is needed"),
        (["demo", "--speed", "fast"], "argument --speed: not a number"),
        (["demo", "--speed", "-1"], "must be a number >= 0"),
        (["demo", "--model", "nope"], "expected module:Class"),
        (["demo", "--model", "no_such_module_x:Model"], "cannot import no_such_module_x"),
        (["demo", "--model", "partialjson.samples:Nope"], "has no Nope"),
        (["replay"], "the following arguments are required: FILE"),
    ],
)
def test_usage_errors_exit_2_with_one_line(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(args) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and message in err


def test_a_model_types_the_answer(
    tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]
) -> None:
    models = tmp_path / "models.py"
    models.write_text(
        "from pydantic import BaseModel\n"
        "class Weather(BaseModel):\n    temperature: str\n    condition: str\n"
        "class Report(BaseModel):\n    location: str\n    weather: Weather\n"
        "class Strict(BaseModel):\n    location: int\n"
    )
    path = str(FIXTURES / "openai__chat__json-object-unicode-nested.sse")
    assert main(["demo", "--stream", path, "--speed", "0", "--model", f"{models}:Report"]) == 0
    assert "validated Report:" in capsys.readouterr().out
    assert main(["demo", "--stream", path, "--speed", "0", "--model", f"{models}:Strict"]) == 5
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "failed (invalid_output)" in err


# -- the demo, as a new user sees it -----------------------------------------------------------


def pty_run(args: list[str], timeout: float = 30) -> tuple[int, str]:
    import pty
    import select

    primary, secondary = pty.openpty()
    env = {**os.environ, "COLUMNS": "100", "LINES": "50", "TERM": "xterm-256color"}
    process = subprocess.Popen(
        [*CLI, *args], stdin=secondary, stdout=secondary, stderr=secondary, env=env
    )
    os.close(secondary)
    out = b""
    while True:
        ready, _, _ = select.select([primary], [], [], timeout)
        if not ready:
            process.kill()
            raise AssertionError(f"no output for {timeout}s: {out[-500:]!r}")
        try:
            data = os.read(primary, 65536)
        except OSError:  # the child closed the terminal
            break
        if not data:
            break
        out += data
    os.close(primary)
    return process.wait(timeout), out.decode("utf-8", "replace")


def test_the_demo_renders_live_in_a_terminal_and_ends_with_the_validated_model() -> None:
    pytest.importorskip("rich")
    status, drawn = pty_run(["demo", "--speed", "20"])
    out = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", drawn)
    assert status == 0, out[-2000:]
    assert "Traceback" not in out
    assert "streaming" in out and "pending" in out  # the form, live, before it completes
    assert "✓ validated Invoice" in out and "total=224.99" in out
    assert "send_invoice" in out and "released" in out
    assert "\x1b[" in drawn  # drawn with terminal control codes, not plain lines


def test_watch_needs_a_pipe() -> None:
    status, out = pty_run(["watch"])
    assert status == 2 and "watch reads a stream on standard input" in out


def test_the_demo_without_a_terminal_prints_plain_lines(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["demo", "--speed", "0"]) == 0
    out = capsys.readouterr().out
    assert "\x1b[" not in out
    assert "  ✓ customer.email" in out and "validated Invoice:" in out


def test_the_bundled_recording_is_what_the_recorder_writes() -> None:
    bundled = pathlib.Path(_recording.__file__).with_name("invoice_stream.sse")
    assert bundled.read_text("utf-8") == _recording.sse()


@pytest.mark.parametrize("args", [["replay", "--json", "-"], ["watch"]])
def test_ctrl_c_cancels_the_response_and_exits_130(args: list[str]) -> None:
    import signal
    import time

    body = (FIXTURES / "openai__chat__two-parallel-tools.sse").read_bytes()
    process = subprocess.Popen(
        [*CLI, *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write(body[: len(body) // 2])  # a live stream that stalls half way
    process.stdin.flush()
    process.stdout.readline()  # it has started
    time.sleep(0.3)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 130
    assert b"Traceback" not in err
    last = out.decode().splitlines()[-1]
    if args[0] == "replay":
        assert json.loads(last)["state"] == "cancelled"
    else:
        assert "cancelled" in out.decode()


def test_several_choices_are_patched_apart_and_each_ends(
    tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def chunk(*deltas: tuple[str, Optional[str]]) -> str:
        choices = [
            {"index": i, "delta": {"content": text}, "finish_reason": finish}
            for i, (text, finish) in enumerate(deltas)
        ]
        return json.dumps({"choices": choices}) + "\n"

    path = tmp_path / "two.jsonl"
    path.write_text(chunk(("[1", None), ('{"a": ', None)) + chunk(("]", "stop"), ("2}", "stop")))
    assert main(["replay", "--json", str(path)]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    documents: dict[int, Any] = {}
    for line in lines:
        if line["kind"] == "partial_update":
            for op in line["patch"]:
                documents[line["choice"]] = apply(documents.get(line["choice"]), op)
    assert documents == {0: [1], 1: {"a": 2}}
    assert [c["value"] for c in lines[-1]["choices"]] == [[1], {"a": 2}]


def chat_sse(text: str, size: int = 4) -> str:
    """A Chat Completions recording of ``text`` in deltas of ``size`` characters."""
    events = [
        {"choices": [{"index": 0, "delta": {"content": text[i : i + size]}, "finish_reason": None}]}
        for i in range(0, len(text), size)
    ]
    events.append({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    return "".join(f"data: {json.dumps(event)}\n\n" for event in events) + "data: [DONE]\n\n"


def strict_lines(out: str) -> list[Any]:
    """Each line parsed as strict JSON: ``Infinity`` or ``NaN`` is an error."""

    def refuse(constant: str) -> Any:
        raise ValueError(f"not JSON: {constant}")

    return [json.loads(line, parse_constant=refuse) for line in out.splitlines()]


def test_replay_json_output_grows_linearly_with_a_long_string(
    tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]
) -> None:
    per_char = {}
    for size in (2_000, 20_000):
        answer = "lorem ipsum " * (size // 12)
        path = tmp_path / f"string{size}.sse"
        path.write_text(chat_sse(json.dumps({"a": answer})))
        assert main(["replay", "--json", str(path)]) == 0
        out = capsys.readouterr().out
        per_char[size] = len(out.encode()) / len(answer)
        document: Any = None
        for line in strict_lines(out):
            if line["kind"] == "partial_update":
                for op in line["patch"]:
                    document = apply(document, op)
                    assert len(op["value"]) <= 4 if op["op"] == "append" else True
        assert document == {"a": answer} == line["value"]
    # each delta's line costs the same at any length (a whole string re-sent would be 10x)
    assert per_char[20_000] < 1.2 * per_char[2_000] and per_char[20_000] < 100


@pytest.mark.parametrize("stats", [False, True])
def test_replay_json_lines_are_valid_json_for_huge_numbers_and_deep_nesting(
    tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str], stats: bool
) -> None:
    huge = tmp_path / "huge.json"
    huge.write_text('{"a": 1e400, "b": [-1e400]}')
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 300 + "]" * 300)
    nested: Any = []
    for _ in range(299):
        nested = [nested]
    flags = ["--stats"] if stats else []
    for path, value in ((huge, {"a": None, "b": [None]}), (deep, nested)):
        assert main(["replay", "--json", *flags, str(path)]) == 0
        lines = strict_lines(capsys.readouterr().out)
        assert lines[-1]["state"] == "completed" and lines[-1]["value"] == value
        if stats:
            assert len(lines) == 1 and lines[0]["stats"]["fields"]
        else:
            document: Any = None
            for line in lines:
                for op in line.get("patch", []):
                    document = apply(document, op)
            assert document == value


@pytest.mark.parametrize("stats", [False, True])
@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[1,2] 3", "not JSON: Extra data after the root value: '3'"),
        ('data: {"x": 1}\n\n', "not a stream: no event of a known provider"),
    ],
)
def test_replay_json_last_line_says_bad_input_as_the_exit_status_does(
    tmp_path: pathlib.Path,
    capsys: pytest.CaptureFixture[str],
    content: str,
    message: str,
    stats: bool,
) -> None:
    path = tmp_path / "bad.sse"
    path.write_text(content)
    flags = ["--stats"] if stats else []
    assert main(["replay", "--json", *flags, str(path)]) == 2
    captured = capsys.readouterr()
    last = json.loads(captured.out.splitlines()[-1])
    assert (last["kind"], last["state"], last["reason"]) == ("failed", "failed", "bad_input")
    assert last["value"] is None and last["message"].startswith(message)
    assert last["error"] == captured.err.strip().removeprefix("partialjson: ")
