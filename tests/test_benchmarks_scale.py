"""The many-streams harness: each count in a fresh process, the simulation's own cost measured
apart, the steady state (streams back to back, measured over a window) and the burst, and the
report's table and scale-out figure from those rows."""

from __future__ import annotations

from benchmarks import report, streams_at_scale


def test_the_harness_measures_the_simulation_alone_and_the_path_apart() -> None:
    (row,) = streams_at_scale.run_all([5], 0.2, 30.0, print, modes=("steady",))
    assert row["section"] == "scale" and row["mode"] == "steady"
    assert row["deltas"] == row["deltas_expected"] and not row["overloaded"]
    assert row["floor_us_per_delta"] > 0
    assert row["path_us_per_delta"] == row["cpu_us_per_delta"] - row["floor_us_per_delta"]
    lines: list[str] = []
    report._scale_table([row], lines.append)
    page = "\n".join(lines)
    assert "simulation alone" in page and "partialjson's own share" in page


def test_a_steady_run_starts_streams_inside_its_window() -> None:
    row = streams_at_scale.run(5, seconds=0.2, cap=30.0, bare=True)
    # 5 clients, streams of ~1.5 s back to back, a window of twice that: new ones start in it.
    assert row["streams_started"] >= 5
    assert row["wall_s"] >= 2 * row["stream_seconds"] * 0.9
    assert row["deltas"] == row["deltas_expected"] > 5 * row["deltas_per_stream"]


def test_a_bare_burst_run_reads_every_delta_without_partialjson() -> None:
    row = streams_at_scale.run(5, seconds=0.2, cap=30.0, bare=True, mode="burst")
    assert row["section"] == "scale-burst" and row["streams_started"] == 5
    assert row["deltas"] == row["deltas_expected"] and not row["overloaded"]


def test_a_client_plans_its_streams_back_to_back_until_the_window_ends() -> None:
    variants = [[b"x"] * 50, [b"y"] * 100] * (streams_at_scale.VARIANTS // 2)
    plan = streams_at_scale._plan(variants, 1, 10.0, 14.0)
    # 100 deltas (2 s), then 50 (1 s), then 100: the fourth would start at 15 s.
    assert plan == [1, 2, 3]
    window = streams_at_scale._Window(11.0, 12.0)
    assert streams_at_scale._due_in(window, 10.5, 100) == 50


def test_the_streams_section_runs_alone_and_leaves_the_page_alone() -> None:
    from benchmarks.__main__ import ROOT, parse_args

    args = parse_args(["--sections", "streams", "--streams", "1000", "--stream-seconds", "2"])
    assert args.sections == ["scale"] and args.streams == [1000] and args.stream_seconds == 2
    assert args.docs == ROOT / "benchmarks" / "results" / "scale" / "benchmarks.md"
    assert args.json.parent == args.docs.parent
    assert parse_args([]).docs == ROOT / "docs" / "benchmarks.md"  # the whole suite: the page


def test_rows_with_the_collector_tuned_are_tagged_and_shown_apart() -> None:
    default, tuned = streams_at_scale.run_all(
        [5], 0.2, 30.0, print, modes=("steady",), also_gc=("tuned",)
    )
    assert default["gc"] == "default" and tuned["gc"] == "tuned"
    assert tuned["section"] == "scale" and not tuned["overloaded"]
    lines: list[str] = []
    report._scale_table([default, tuned], lines.append)
    page = "\n".join(lines)
    assert page.count("| 5 |") == 2 and "**Garbage collector tuned**" in page
    assert "gc.set_threshold(50_000, 20, 10)" in page
    # The verdict (its 1,000-stream row) reads the collector as CPython sets it.
    default, tuned = ({**row, "streams": 1000} for row in (default, tuned))
    tuned["p99_ms"], default["p99_ms"] = 1.0, 99.0
    assert streams_at_scale.verdict([tuned, default]) == "not met: p99 99.0 ms"
    assert streams_at_scale.verdict([tuned]) is None
