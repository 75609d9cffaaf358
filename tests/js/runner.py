"""Running the official JavaScript clients (pinned in tests/js/package.json and its lock) on
relayed bytes: installed once per lock file into a cache folder outside the repository
(``$PARTIALJSON_JS_CACHE``, default ``~/.cache/partialjson/js``), never into the checkout."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).parent
_FILES = ("package.json", "package-lock.json")


def _cache_root() -> Path:
    default = Path.home() / ".cache" / "partialjson" / "js"
    return Path(os.environ.get("PARTIALJSON_JS_CACHE", default))


def install() -> Path:
    """The folder where the pinned clients are installed (``npm ci`` the first time); skips
    the test with the reason when node or npm is missing."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip(
            "node and npm are needed to run the official JS clients (apt install nodejs npm)"
        )
    digest = hashlib.sha256(b"".join((HERE / f).read_bytes() for f in _FILES)).hexdigest()[:16]
    target = _cache_root() / digest
    if (target / "node_modules" / ".package-lock.json").exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix="install-", dir=target.parent))
    for name in _FILES:
        shutil.copy(HERE / name, staging / name)
    result = subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=staging,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if result.returncode != 0:
        shutil.rmtree(staging, ignore_errors=True)
        raise RuntimeError(f"npm ci failed for the JS clients:\n{result.stderr[-2000:]}")
    try:
        staging.rename(target)
    except OSError:  # another run installed it meanwhile
        shutil.rmtree(staging, ignore_errors=True)
    return target


def run(folder: Path, script: str, cases: list[dict[str, Any]], tmp: Path) -> list[Any]:
    """Run ``tests/js/<script>`` (copied next to the installed packages) on ``cases``."""
    shutil.copy(HERE / script, folder / script)
    spec = tmp / f"{script}.cases.json"
    spec.write_text(json.dumps(cases))
    result = subprocess.run(
        ["node", str(folder / script), str(spec)],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if result.returncode != 0:
        raise AssertionError(f"{script} failed:\n{result.stderr[-4000:]}")
    results: list[Any] = json.loads(result.stdout)
    return results
