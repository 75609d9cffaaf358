"""docs/cli.md runs as shown: each ``console`` block's commands print what the page says (times
aside). Its ``python`` blocks run with every page's, in ``test_docs_examples``."""

from __future__ import annotations

import os
import pathlib
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

ROOT = pathlib.Path(__file__).parent.parent
PAGE = ROOT / "docs" / "cli.md"
BLOCK = re.compile(r"^```(\w+)\n(.*?)^```", re.MULTILINE | re.DOTALL)
TIMES = re.compile(r'(?<=[\s(])\d+\.\d+ ?(?:s|ms|µs)\b|(?<="t":)[0-9.e-]+')


def blocks(language: str) -> list[str]:
    return [body for lang, body in BLOCK.findall(PAGE.read_text("utf-8")) if lang == language]


def commands() -> list[tuple[str, str]]:
    """``(command, expected output)`` for each ``$`` line of the console blocks."""
    out = []
    for body in blocks("console"):
        for chunk in body.split("$ ")[1:]:
            command, _, expected = chunk.partition("\n")
            out.append((command, expected))
    return out


def normal(text: str) -> str:
    """Timings vary from run to run: compare everything else."""
    return re.sub(r" +", " ", TIMES.sub("<t>", text)).strip()


def shell(command: str) -> str:
    path = f"{pathlib.Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    done = subprocess.run(
        ["bash", "-c", command],
        cwd=ROOT,
        env={**os.environ, "PATH": path, "COLUMNS": "100"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,  # interleaved, as a terminal shows them
        text=True,
        timeout=60,
    )
    return done.stdout


@pytest.fixture(scope="module")
def shown() -> dict[str, str]:
    """Every command of the page, run concurrently (the suite stays quick)."""
    with ThreadPoolExecutor(max_workers=4) as pool:
        jobs = {command: pool.submit(shell, command) for command, _ in commands()}
        return {command: job.result() for command, job in jobs.items()}


@pytest.mark.parametrize(("command", "expected"), commands(), ids=[c for c, _ in commands()])
def test_console_example(command: str, expected: str, shown: dict[str, str]) -> None:
    assert normal(shown[command]) == normal(expected)


def test_the_page_shows_the_pictures() -> None:
    for image in re.findall(r"\]\((images/[^)]+)\)", PAGE.read_text("utf-8")):
        assert (PAGE.parent / image).read_text("utf-8").startswith("<svg")
