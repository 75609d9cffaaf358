"""``python -m benchmarks``: the whole suite in one run; see ``benchmarks/__init__.py``."""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import Any

import partialjson

from . import compare, layers, report, streams_at_scale
from . import workloads as w
from .peers import PEERS

ROOT = Path(__file__).resolve().parent.parent
SECTIONS = ("peers", "layers", "scale")


def machine() -> dict[str, Any]:
    cpu = platform.processor() or "unknown"
    memory = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 2**20:.1f} GiB"
                break
    except OSError:
        pass
    versions = {"partialjson": partialjson.__version__}
    for package in ["pydantic", "pydantic-core", "matplotlib"] + [p.package for p in PEERS]:
        if package and package not in versions and package != "partialjson-stream":
            try:
                versions[package] = metadata.version(package)
            except metadata.PackageNotFoundError:
                versions[package] = "not installed"
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    cores = os.cpu_count() or 1
    busy = (
        f"load average {load[0]:.1f} on {cores} cores before it started"
        if load and load[0] > 1 + 0.5 * cores
        else ""
    )
    return {
        "date (UTC)": time.strftime("%Y-%m-%d %H:%M", time.gmtime()),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory": memory,
        "os": platform.platform(),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "partialjson compiled": getattr(partialjson, "COMPILED", False),
        "PARTIALJSON_PURE": os.environ.get("PARTIALJSON_PURE", "unset"),
        "load average at start (1, 5, 15 min)": (
            ", ".join(f"{x:.2f}" for x in load) if load else "unknown"
        ),
        "busy": busy,
        "versions": versions,
    }


def parse_args(argv: list[str]) -> argparse.Namespace:
    cli = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="partialjson beside its peers, every layer, and many streams at once.",
    )
    cli.add_argument("--quick", action="store_true", help="a smoke run (< 2 minutes)")
    cli.add_argument("--sizes", type=int, nargs="*", help="document sizes in KiB for every peer")
    cli.add_argument("--big", type=int, nargs="*", help="larger sizes (KiB), partialjson only")
    cli.add_argument("--workloads", nargs="*", default=list(w.WORKLOADS), choices=list(w.WORKLOADS))
    cli.add_argument(
        "--sections",
        nargs="*",
        default=list(SECTIONS),
        choices=[*SECTIONS, "streams"],
        help="what to run (streams: the same as scale); a run of some sections writes its "
        "page and results under benchmarks/results/<sections>/, not docs/benchmarks.md",
    )
    cli.add_argument("--rounds", type=int, help="timed rounds per case (the median is reported)")
    cli.add_argument("--budget", type=float, help="skip a run estimated above this many seconds")
    cli.add_argument("--streams", type=int, nargs="*", help="concurrent stream counts")
    cli.add_argument("--stream-seconds", type=float, help="length of each simulated stream")
    cli.add_argument("--scale-cap", type=float, default=120.0, help="wall-clock cap per count (s)")
    cli.add_argument("--docs", type=Path, help="markdown output (default docs/benchmarks.md)")
    cli.add_argument("--plots", type=Path, help="PNG folder (default docs/images/benchmarks)")
    cli.add_argument(
        "--json", type=Path, help="raw results (default benchmarks/results/latest.json)"
    )
    cli.add_argument(
        "--report-only",
        action="store_true",
        help="measure nothing: rewrite the page and the plots from the --json results",
    )
    args = cli.parse_args(argv)
    args.sections = ["scale" if name == "streams" else name for name in args.sections]
    quick = args.quick
    args.sizes = args.sizes or ([1, 10] if quick else [1, 10, 100, 1024])
    args.big = args.big if args.big is not None else ([100] if quick else [10 * 1024])
    args.rounds = args.rounds or (3 if quick else 7)
    args.budget = args.budget or (1.5 if quick else 30.0)
    args.streams = args.streams or ([100, 1000] if quick else [100, 1000, 10000])
    args.stream_seconds = args.stream_seconds or (1.0 if quick else 4.0)
    if quick:
        args.scale_cap = min(args.scale_cap, 20.0)
    out = ROOT / "benchmarks" / "results" / "quick" if quick else None
    if not quick and set(SECTIONS) - set(args.sections):  # part of the suite: not the page
        out = ROOT / "benchmarks" / "results" / "-".join(args.sections)
    args.docs = args.docs or (out / "benchmarks.md" if out else ROOT / "docs" / "benchmarks.md")
    args.plots = args.plots or (out if out else ROOT / "docs" / "images" / "benchmarks")
    args.json = args.json or ((out or ROOT / "benchmarks" / "results") / "latest.json")
    return args


def write_report(results: dict[str, Any], args: argparse.Namespace) -> None:
    docs_dir = args.docs.resolve().parent
    written = report.plots(results, args.plots, prefix="")
    relative = [os.path.relpath(args.plots.resolve() / name, docs_dir) for name in written]
    args.docs.parent.mkdir(parents=True, exist_ok=True)
    args.docs.write_text(report.markdown(results, relative))
    print(f"wrote {args.docs}, {len(written)} plots in {args.plots}")
    for target, verdict, measured in report.targets(results):
        print(f"  {verdict.strip('*'):>10}  {target}: {measured}")


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    if args.report_only:
        write_report(json.loads(args.json.read_text()), args)
        return 0
    started = time.perf_counter()
    facts = machine()
    print("machine:", json.dumps(facts, default=str))

    def log(line: str) -> None:
        print(f"[{time.perf_counter() - started:7.1f}s] {line}", flush=True)

    rows: list[dict[str, Any]] = []
    kb = [size * w.KB for size in args.sizes]
    big = [size * w.KB for size in args.big if size not in args.sizes]
    if "peers" in args.sections:
        rows += compare.run_all(kb, big, args.workloads, args.rounds, args.budget, log)
    if "layers" in args.sections:
        rows += layers.run_all(kb, args.workloads, args.rounds, args.budget, log)
    if "scale" in args.sections:
        rows += streams_at_scale.run_all(
            args.streams,
            args.stream_seconds,
            args.scale_cap,
            log,
            # the main rows with the collector as CPython sets it, then tuned as a server may
            also_gc=("tuned",) if streams_at_scale.GC_MODE == "default" else (),
        )
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    if load:
        facts["load average at end (1, 5, 15 min)"] = ", ".join(f"{x:.2f}" for x in load)
        cores = os.cpu_count() or 1
        if load[0] > 1 + 0.5 * cores and not facts["busy"]:
            facts["busy"] = f"load average {load[0]:.1f} on {cores} cores when it ended"
    facts["suite wall time"] = f"{time.perf_counter() - started:.0f} s"
    command = "python -m benchmarks" + ("" if not argv else " " + shlex.join(argv))
    config = {
        "command": command,
        "quick": args.quick,
        "rounds": args.rounds,
        "budget": args.budget,
        "sizes_kib": args.sizes,
        "big_kib": args.big,
        "streams": args.streams,
        "stream_seconds": args.stream_seconds,
    }
    results = {"machine": facts, "config": config, "rows": rows}
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=1, default=str))
    log(f"raw results in {args.json}")
    write_report(results, args)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
