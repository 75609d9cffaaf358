"""The live form in a real headless Chromium (Debian's ``chromium``, driven by Playwright):
the form fills and ends with the exact values, a reload mid-stream resumes without duplicated
text, Stop cancels the upstream call, the client reconnects with Last-Event-ID, and its patches
agree with RFC 6902 (the jsonpatch package).

Set ``PARTIALJSON_SCREENSHOTS=docs/images`` to write the README's screenshots."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .test_web import serve, wait_for

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium_path() -> str:
    for candidate in (
        "/usr/bin/chromium",
        shutil.which("chromium"),
        shutil.which("chromium-browser"),
    ):
        if candidate and os.path.exists(candidate):
            return candidate
    pytest.skip("no browser: Debian's chromium is not installed (apt-get install chromium)")


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    executable = chromium_path()
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=executable,
            headless=True,
            args=CHROMIUM_FLAGS,
            viewport={"width": 1280, "height": 900},
        )
        yield context
        context.close()


@pytest.fixture(scope="module")
def live_form() -> Iterator[tuple[str, Any]]:
    from examples.live_form.app import create_app

    # taking screenshots: a human pace, so the mid-stream one is mid-stream
    pace = 0.03 if os.environ.get("PARTIALJSON_SCREENSHOTS") else 0.004
    app = create_app(pace=pace, linger=3.0)
    with serve(app) as url:
        yield url, app


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    page.close()
    assert not errors


def field(page: Any, pointer: str) -> Any:
    return page.evaluate(
        """(pointer) => {
            const el = document.querySelector(`[data-pointer="${pointer}"]`);
            if (!el) return null;
            const control = el.querySelector("input, textarea");
            if (control) return control.value;
            const active = el.querySelector(".segment.active");
            if (active) return active.dataset.value;
            const toggle = el.querySelector(".toggle");
            if (toggle) return toggle.classList.contains("on");
            return el.textContent;
        }""",
        pointer,
    )


def wait_streaming(page: Any, characters: int) -> None:
    page.wait_for_function(
        """(n) => window.liveForm && window.liveForm.client
            && window.liveForm.client.state.status === "streaming"
            && JSON.stringify(window.liveForm.client.state.value || {}).length > n""",
        arg=characters,
        timeout=20_000,
    )


def wait_done(page: Any) -> str:
    page.wait_for_function("window.liveForm && window.liveForm.client.done", timeout=30_000)
    page.wait_for_timeout(100)  # the last animation frame
    return str(page.evaluate("window.liveForm.client.state.status"))


def screenshot(page: Any, name: str) -> None:
    directory = os.environ.get("PARTIALJSON_SCREENSHOTS")
    if directory:
        Path(directory).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(directory) / name), full_page=True)


def assert_form_shows(page: Any, ticket: dict[str, Any]) -> None:
    assert field(page, "/title") == ticket["title"]
    assert field(page, "/category") == ticket["category"]
    assert field(page, "/priority") == ticket["priority"]
    assert field(page, "/customer/name") == ticket["customer"]["name"]
    assert field(page, "/summary") == ticket["summary"]
    for i, step in enumerate(ticket["steps"]):
        assert field(page, f"/steps/{i}/title") == step["title"]
        assert field(page, f"/steps/{i}/detail") == step["detail"]
        assert field(page, f"/steps/{i}/owner") == step["owner"]
    assert [field(page, f"/tags/{i}") for i in range(len(ticket["tags"]))] == ticket["tags"]
    assert field(page, "/refund_eligible") is ticket["refund_eligible"]
    assert float(field(page, "/estimated_hours")) == ticket["estimated_hours"]
    value = page.evaluate("window.liveForm.client.state.value")
    assert value == ticket


def test_the_form_fills_as_the_answer_streams(page: Any, live_form: tuple[str, Any]) -> None:
    from examples.live_form.app import expected_ticket

    url, _ = live_form
    page.goto(url + "/")
    wait_streaming(page, 900)
    statuses = page.evaluate(
        "[...document.querySelectorAll('[data-pointer]')].map(e => e.dataset.status)"
    )
    assert "complete" in statuses and ("streaming" in statuses or "pending" in statuses)
    screenshot(page, "live-form-streaming.png")
    assert wait_done(page) == "completed"
    ticket = expected_ticket()
    assert_form_shows(page, ticket)
    statuses = page.evaluate(
        "[...document.querySelectorAll('[data-pointer]')].map(e => e.dataset.status)"
    )
    assert set(statuses) == {"complete"}
    assert page.inner_text("#tools").count("lookup_order") == 1
    assert "READY" in page.inner_text("#tools").upper()
    screenshot(page, "live-form-complete.png")


def test_a_reload_mid_stream_resumes_without_duplicated_text(
    page: Any, live_form: tuple[str, Any]
) -> None:
    from examples.live_form.app import expected_ticket

    url, app = live_form
    page.goto(url + "/")
    wait_streaming(page, 700)
    key = page.evaluate("window.liveForm.key")
    page.reload()  # the URL keeps the run (#run=KEY): the page follows the same run again
    page.wait_for_function("window.liveForm && window.liveForm.key", timeout=10_000)
    assert page.evaluate("window.liveForm.key") == key
    assert wait_done(page) == "completed"
    assert_form_shows(page, expected_ticket())
    source, _ = app.state.runs[key]
    assert source.sent == len(source.events)  # the upstream call ran once, not again


def test_stop_cancels_the_upstream_call(page: Any, live_form: tuple[str, Any]) -> None:
    from partialjson import ResponseState

    url, app = live_form
    page.goto(url + "/")
    wait_streaming(page, 300)
    key = page.evaluate("window.liveForm.key")
    page.click("#stop")
    assert wait_done(page) == "cancelled"
    source, stream = app.state.runs[key]
    wait_for(lambda: stream.state is ResponseState.CANCELLED)
    assert source.closed and source.sent < len(source.events)
    assert page.inner_text("#status").lower() == "cancelled"


def test_the_client_resumes_a_dropped_connection_with_last_event_id(
    page: Any, live_form: tuple[str, Any]
) -> None:
    from examples.live_form.app import expected_ticket

    url, _ = live_form
    page.goto(url + "/static/index.html#noop")  # a page of the origin; its script is not needed
    result = page.evaluate(
        """async () => {
            const { RelayClient } = await import("/partialjson.js");
            const { key } = await (await fetch("/runs", { method: "POST" })).json();
            const sent = [];
            // a fetch whose body is cut after a few chunks: a connection that drops
            const flaky = async (url, init) => {
                sent.push(init.headers["Last-Event-ID"] ?? null);
                const response = await fetch(url, init);
                if (sent.length > 3) return response;
                const reader = response.body.getReader();
                let chunks = 0;
                const body = new ReadableStream({
                    async pull(controller) {
                        const { value, done } = await reader.read();
                        if (done || ++chunks > 15) { reader.cancel(); controller.close(); return; }
                        controller.enqueue(value);
                    },
                });
                return new Response(body, { status: response.status, headers: response.headers });
            };
            const client = new RelayClient(`/runs/${key}`, { fetch: flaky, retry: 20 });
            const state = await client.start();
            const { status, value } = state;
            return { status, value, sent, connections: client.connections };
        }"""
    )
    assert result["status"] == "completed"
    assert result["value"] == expected_ticket()
    assert result["sent"][0] is None and all(result["sent"][1:])  # resumed from an id
    assert result["connections"] >= 2


def test_js_patches_agree_with_rfc_6902(page: Any, live_form: tuple[str, Any]) -> None:
    jsonpatch = pytest.importorskip("jsonpatch")
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from partialjson import Parser, PartialUpdate
    from partialjson.web.relay import RelayWriter

    # numbers beyond 2**53 come back from the page as other numbers (JavaScript doubles,
    # Playwright's transport): a difference that is not the patches'

    scalars = (
        st.none()
        | st.booleans()
        | st.integers(-(2**53), 2**53)
        | st.floats(-(2.0**53), 2.0**53)
        | st.text()
    )
    json_values = st.recursive(
        scalars,
        lambda children: (
            st.lists(children, max_size=6)
            | st.dictionaries(st.text(max_size=8), children, max_size=6)
        ),
        max_leaves=25,
    )

    url, _ = live_form
    page.goto(url + "/static/index.html#noop")
    page.evaluate("async () => { window.pj = await import('/partialjson.js'); }")
    cases = []

    @settings(max_examples=40, deadline=None, database=None)
    @given(json_values)
    def collect(member: Any) -> None:
        value = {"v": member}  # a number alone shows only once the stream closes
        text = json.dumps(value)
        parser, writer, patches = Parser(), RelayWriter(), []
        for i in range(0, len(text), 3):
            events = parser.feed(text[i : i + 3])
            changed = tuple(dict.fromkeys(e.path for e in events if e.kind != "map_key"))
            if changed:
                patches += [e.json() for e in writer.feed(PartialUpdate(parser.value, changed))]
        cases.append((value, patches))

    collect()
    results = page.evaluate(
        """(cases) => cases.map(([_, patches]) => {
            let doc = null;
            const rfc = [];  // the same patches with append spelled as RFC 6902 replace
            for (const ops of patches) {
                for (const op of ops) {
                    if (op.op === "append") {
                        const grown = window.pj.resolvePointer(doc, op.path) + op.value;
                        rfc.push({ op: "replace", path: op.path, value: grown });
                    } else rfc.push(JSON.parse(JSON.stringify(op)));  // before doc shares it
                    doc = window.pj.applyPatch(doc, [op]);
                }
            }
            return [doc, rfc];
        })""",
        [[None, patches] for _, patches in cases],
    )
    for (value, _), (doc, rfc) in zip(cases, results):
        assert doc == value, value
        assert (jsonpatch.apply_patch(None, rfc) if rfc else None) == value, (value, rfc)
