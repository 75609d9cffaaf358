"""The documentation site builds without a warning; its API reference names every public name."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import partialjson

ROOT = Path(__file__).resolve().parent.parent


def test_api_reference_covers_every_public_name() -> None:
    reference = (ROOT / "docs/api.md").read_text()
    documented = set(re.findall(r"^::: partialjson\.(\w+)", reference, re.M))
    public = {name for name in partialjson.__all__ if not name.startswith("_")}
    assert sorted(public - documented) == []


def test_site_builds_strict(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "-d", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "api" / "index.html").exists()
