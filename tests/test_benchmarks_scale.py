"""The many-streams harness: each count in a fresh process, the simulation's own cost measured
apart, and the report's table and scale-out figure from those rows."""

from __future__ import annotations

from benchmarks import report, streams_at_scale


def test_the_harness_measures_the_simulation_alone_and_the_path_apart() -> None:
    (row,) = streams_at_scale.run_all([5], 0.2, 30.0, print)
    assert row["deltas"] == row["deltas_expected"] and not row["overloaded"]
    assert row["floor_us_per_delta"] > 0
    assert row["path_us_per_delta"] == row["cpu_us_per_delta"] - row["floor_us_per_delta"]
    lines: list[str] = []
    report._scale_table([row], lines.append)
    page = "\n".join(lines)
    assert "simulation alone" in page and "partialjson's own share" in page


def test_a_bare_run_reads_every_delta_without_partialjson() -> None:
    row = streams_at_scale.run(5, seconds=0.2, cap=30.0, bare=True)
    assert row["deltas"] == row["deltas_expected"] and not row["overloaded"]


def test_the_streams_section_runs_alone_and_leaves_the_page_alone() -> None:
    from benchmarks.__main__ import ROOT, parse_args

    args = parse_args(["--sections", "streams", "--streams", "1000", "--stream-seconds", "2"])
    assert args.sections == ["scale"] and args.streams == [1000] and args.stream_seconds == 2
    assert args.docs == ROOT / "benchmarks" / "results" / "scale" / "benchmarks.md"
    assert args.json.parent == args.docs.parent
    assert parse_args([]).docs == ROOT / "docs" / "benchmarks.md"  # the whole suite: the page
