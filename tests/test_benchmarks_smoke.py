"""The benchmark suite keeps working: its correctness checks, tiny runs of each section, and the
report. No timing is asserted (speed is proven by ``python -m benchmarks``, not by tests)."""

from __future__ import annotations

import json
from typing import Any

import pytest

import partialjson
from benchmarks import compare, layers, measure, report, streams_at_scale
from benchmarks import workloads as w
from benchmarks.__main__ import parse_args
from benchmarks.measure import verify
from benchmarks.oracle import Reference, disagreement
from benchmarks.peers import PEERS, Peer, by_name


@pytest.mark.parametrize("workload", list(w.WORKLOADS))
def test_the_reference_agrees_with_the_parser_after_every_delta(workload: str) -> None:
    # Two independent readers of the same prefixes: each checks the other.
    text = w.document(workload, 3000)
    final = json.loads(text)
    reference, parser = Reference(), partialjson.Parser()
    for delta in w.token_deltas(text):
        reference.feed(delta)
        parser.feed(delta)
        assert disagreement(parser.value, reference.value, final) == ""
    assert reference.close() == final == parser.close()


def test_the_recorded_channels_are_read_with_the_providers_cuts() -> None:
    channels = w.recorded_channels()
    assert len(channels) >= 8
    assert any(not channel.complete for channel in channels)  # a truncated stream
    for channel in channels:
        reference = Reference()
        for delta in channel.deltas:
            reference.feed(delta)
        if channel.complete:
            assert reference.close() == json.loads(channel.text)


def test_disagreement_names_stale_hidden_and_wrong_values() -> None:
    final = {"title": "Quarterly report", "n": 123, "tags": ["a", "b"]}
    reference = Reference()
    reference.feed('{"title": "Quarterly r')
    true = reference.value
    assert true == {"title": "Quarterly r"}
    assert "stale" in disagreement({"title": "Quarterly"}, true, final)  # lost the tail
    assert "stale" in disagreement({"title": "Quarterly "}, true, final)
    assert "hidden" in disagreement({}, true, final)
    assert disagreement({"title": "Quarterly r"}, true, final) == ""
    reference.feed('eport", "n": 12')
    true = reference.value
    assert true == {"title": "Quarterly report"}
    # The undecided number may be shown as what it reads so far, or not at all.
    assert disagreement({"title": "Quarterly report", "n": 12}, true, final) == ""
    assert disagreement({"title": "Quarterly report"}, true, final) == ""
    assert disagreement({"title": "Quarterly report", "x": 12}, true, final) != ""
    reference.feed('3, "tags": ["a", "')
    true = reference.value
    assert true == {"title": "Quarterly report", "n": 123, "tags": ["a", ""]}
    assert disagreement({"title": "Quarterly report", "n": 123, "tags": ["a"]}, true, final) == ""
    assert disagreement({"title": "Quarterly report", "n": 123, "tags": []}, true, final) != ""


def test_a_surrogate_pair_shows_once_whole() -> None:
    reference = Reference()
    reference.feed('["x\\ud83c')
    assert reference.value == ["x"]
    reference.feed('\\udf89"]')
    assert reference.close() == ["x\U0001f389"]


def _stale_peer() -> Peer:
    """A peer that shows each string at its first 5 characters only (as a stale parser does)."""

    def stale(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: stale(v) for k, v in value.items()}
        if isinstance(value, list):
            return [stale(v) for v in value]
        return value[:5] if isinstance(value, str) else value

    def load() -> Any:
        run, values = by_name("partialjson").load()
        assert values is not None

        def stale_values(deltas: list[str]) -> Any:
            for value in values(deltas):
                yield stale(value)

        return run, stale_values

    return Peer("stale", "", "incremental", "stale", load)


def test_ours_is_timed_and_a_stale_peer_is_marked_incorrect_and_not_timed() -> None:
    text = w.document("form", 2000)
    case = compare.Case("form", 2000, "tokens", text, w.token_deltas(text))
    ours = compare.run_case(case, by_name("partialjson"), 1, 10.0, set(), print)
    assert ours["status"] == "ok" and ours["us_per_delta"] > 0
    stale = compare.run_case(case, _stale_peer(), 1, 10.0, set(), print)
    assert stale["status"] == "incorrect"
    assert "stale" in stale["reason"] and "us_per_delta" not in stale


def test_a_missing_peer_is_reported_not_installed() -> None:
    def load() -> Any:
        raise ImportError("no module", name="nowhere")

    case = compare.Case("records", 1024, "tokens", "[1]", ["[1", "]"])
    row = compare.run_case(case, Peer("absent", "", "reparse", "", load), 1, 1.0, set(), print)
    assert row["status"] == "not installed"


def test_every_installed_peer_is_checked_on_the_recorded_streams() -> None:
    for peer in PEERS:
        row = compare.run_recorded(peer, 1, print)
        assert row["status"] in ("ok", "incorrect", "not installed"), row
        if peer.name == "partialjson":
            assert row["status"] == "ok"


def test_every_layer_runs_and_the_report_is_written(tmp_path: Any) -> None:
    rows = layers.run_all([1024], ["form"], 1, 10.0, print, typed_peers=False)
    by_layer = {(r["workload"], r["layer"]): r for r in rows}
    for layer in ("core", "typed view", "status", "stream", "relay"):
        assert by_layer["form", layer]["status"] == "ok", by_layer["form", layer]
    assert by_layer["form", "SSE decoding"]["mb_per_s"] > 0
    assert by_layer["form", "final validation"]["ratio"] > 0
    scale = streams_at_scale.run(5, seconds=0.2, cap=30.0)
    assert not scale["overloaded"]
    assert scale["deltas"] == scale["deltas_expected"]
    text = w.document("records", 1024)
    case = compare.Case("records", 1024, "tokens", text, w.token_deltas(text))
    peer_rows = [compare.run_case(case, peer, 1, 5.0, set(), print) for peer in PEERS[:2]]
    results = {
        "machine": {"cpu": "test", "versions": {"partialjson": partialjson.__version__}},
        "config": {"rounds": 1, "budget": 5.0, "quick": True, "command": "test"},
        "rows": peer_rows + rows + [scale],
    }
    page = report.markdown(results, report.plots(results, tmp_path, prefix=""))
    for heading in ("## Machine", "## The issue's targets", "## Every layer", "## Many streams"):
        assert heading in page
    assert [t for t, _, _ in report.targets(results)]


def test_quick_mode_writes_outside_the_docs() -> None:
    args = parse_args(["--quick"])
    assert "results" in str(args.docs) and args.sizes == [1, 10]
    assert parse_args([]).docs.name == "benchmarks.md"


def test_verify_accepts_the_parser_on_64_kib_chunks() -> None:
    text = w.document("records", 200 * 1024)
    _, values = by_name("partialjson").load()
    assert values is not None
    assert verify(values, w.chunks(text), json.loads(text)) == ""


def test_the_issues_ratios_are_measured_interleaved_and_read_by_the_verdict() -> None:
    floor = by_name("json.loads (floor)")
    ours = by_name("partialjson")
    text = w.document("form", 200 * 1024)
    case = compare.Case("form", 1024 * 1024, "64KiB", text, w.chunks(text))
    timed = {
        peer.name: compare.run_case(case, peer, 1, 10.0, set(), print) for peer in (ours, floor)
    }
    compare._pair(case, timed, {p.name: p for p in (ours, floor)}, print)
    row = timed["partialjson"]
    ratios = row["paired_vs_floor_ratios"]
    assert len(ratios) == measure.PAIRS and all(r > 0 for r in ratios)
    assert row["paired_vs_floor"] == measure.median(ratios)
    # The verdict reads the interleaved ratio, and says so beside the ratio of the medians.
    row["paired_vs_floor"] = 1.5
    floor_row = {**timed["json.loads (floor)"], "seconds": row["seconds"] / 3}
    results = {"machine": {}, "config": {}, "rows": [row, floor_row]}
    (target,) = [t for t in report.targets(results) if t[0].startswith("64 KiB chunks, form")]
    assert target[1] == "**met**" and target[2].startswith("1.50\u00d7 (interleaved")
    assert "3.00\u00d7" in target[2]
    # A token case at 1 KB pairs jiter with partialjson instead (when jiter is installed).
    assert compare.PAIRED[1][:3] == ("tokens", 1024, "jiter")


def test_flatness_is_measured_interleaved_per_delta_and_read_by_the_verdict() -> None:
    ours = by_name("partialjson")
    by_case = {}
    for nominal in compare.FLAT_SIZES:
        text = w.document("records", nominal // 64)  # small stand-ins: the sizes are labels
        case = compare.Case("records", nominal, "tokens", text, w.token_deltas(text))
        row = compare.run_case(case, ours, 1, 10.0, set(), print)
        by_case["records", nominal] = (case, {"partialjson": row})
    compare._flatness(by_case, {"partialjson": ours}, print)
    small, large = (by_case["records", n][1]["partialjson"] for n in compare.FLAT_SIZES)
    ratios = large["paired_flat_ratios"]
    assert len(ratios) == measure.PAIRS and large["paired_flat"] == measure.median(ratios)
    assert 0.2 < large["paired_flat"] < 5  # per delta: the sizes' delta counts divided out
    assert "paired_flat" not in small
    large["paired_flat"] = 1.25
    large["us_per_delta"] = small["us_per_delta"] * 2  # the medians apart say 2.00
    results = {"machine": {}, "config": {}, "rows": [small, large]}
    (target,) = [t for t in report.targets(results) if t[0].startswith("records: flat")]
    assert target[1] == "**met**" and target[2].startswith("1.25\u00d7 (interleaved")
