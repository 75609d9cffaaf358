"""Write the seed corpus: JSONTestSuite-style documents, and the recorded provider streams as
JSON-lines of events (for the stream and relay targets). Re-run after changing the cases:
``python -m fuzz.make_seeds``. The recorded .sse bodies are used in place, from
tests/fixtures/streams/."""

from __future__ import annotations

import json
from pathlib import Path

from partialjson import SSEDecoder

HERE = Path(__file__).parent
FIXTURES = HERE.parent / "tests" / "fixtures" / "streams"

# y_: json.loads accepts; n_: it rejects; i_: implementation-defined (bytes, limits).
DOCUMENTS: dict[str, bytes] = {
    "y_object_basic": b'{"name": "Ada", "age": 36, "tags": ["x", "y"], "ok": true, "none": null}',
    "y_empty_containers": b'{"a": {}, "b": [], "c": [{}], "d": [[]]}',
    "y_numbers": b"[0, -0, 1, -1, 0.5, -0.0, 1e10, 1E-5, 1.5e+3, 123456789012345678901234567890]",
    "y_number_edges": b"[1e400, -1e400, 1e-400, 0.1e1, 9007199254740993]",
    "y_strings_escapes": b'["\\"\\\\\\/\\b\\f\\n\\r\\t", "\\u0041\\u00e9\\u4e2d", '
    b'"\\ud83d\\ude00"]',
    "y_string_unicode_raw": '["héllo wörld", "中文", "😀", "\u2028\u2029"]'.encode(),
    "y_lone_surrogate_escapes": b'["\\ud800", "\\udc00", "\\ud800\\u0041", "\\udbff\\udfff"]',
    "y_string_nul_escape": b'"\\u0000"',
    "y_whitespace": b" \t\n\r[ 1 ,\n 2 ]\r\n ",
    "y_nested": b'{"a": {"b": {"c": [1, [2, [3, {"d": "e"}]]]}}}',
    "y_duplicate_keys": b'{"a": 1, "a": 2, "b": {"c": 1, "c": [3]}}',
    "y_scalars_root": b"true",
    "y_null_root": b"null",
    "y_string_root": b'"abc"',
    "y_number_root": b"-12.5e-3",
    "y_deep_array_100": b"[" * 100 + b"]" * 100,
    "y_key_unicode": '{"ключ": 1, "": 2, "\\u00e9": 3}'.encode(),
    "y_long_string": b'"' + b"x" * 5000 + b'"',
    "y_long_int_4000": b"[" + b"7" * 4000 + b"]",
    "n_trailing_comma_array": b"[1, 2,]",
    "n_trailing_comma_object": b'{"a": 1,}',
    "n_single_quotes": b"['a']",
    "n_unquoted_key": b"{a: 1}",
    "n_leading_zero": b"[012]",
    "n_plus_number": b"[+1]",
    "n_dot_number": b"[.5]",
    "n_number_dot_end": b"[1.]",
    "n_exp_no_digits": b"[1e]",
    "n_minus_only": b"[-]",
    "n_nan": b"[NaN]",
    "n_infinity": b"[Infinity, -Infinity]",
    "n_hex": b"[0x10]",
    "n_true_typo": b"[tru]",
    "n_true_caps": b"[True]",
    "n_null_typo": b"[nul1]",
    "n_control_in_string": b'["a\x01b"]',
    "n_newline_in_string": b'["a\nb"]',
    "n_tab_in_string": b'["a\tb"]',
    "n_bad_escape": b'["\\x41"]',
    "n_short_unicode_escape": b'["\\u12"]',
    "n_bad_unicode_escape": b'["\\u12G4"]',
    "n_unclosed_array": b"[1, 2",
    "n_unclosed_object": b'{"a": 1',
    "n_unclosed_string": b'"abc',
    "n_missing_colon": b'{"a" 1}',
    "n_missing_comma": b"[1 2]",
    "n_extra_close": b"[1]]",
    "n_two_roots": b'{"a": 1} {"b": 2}',
    "n_empty": b"",
    "n_whitespace_only": b" \n ",
    "n_comment": b"[1 /* c */]",
    "n_colon_in_array": b"[1: 2]",
    "n_comma_only": b"[,]",
    "n_object_in_key": b"{{}: 1}",
    "n_nbsp_whitespace": "[\u00a01]".encode(),
    "n_invalid_utf8": b'["\xff"]',
    "n_overlong_utf8": b'["\xc0\xaf"]',
    "n_overlong_3byte": b'["\xe0\x80\xaf"]',
    "n_truncated_utf8": b'["\xe2\x82"]',
    "n_utf8_surrogate_encoded": b'["\xed\xa0\x80"]',
    "n_utf8_above_max": b'["\xf4\x90\x80\x80"]',
    "n_lone_continuation": b'["\x80"]',
    "n_deep_array_2000": b"[" * 2000 + b"]" * 2000,
    "i_bom": b"\xef\xbb\xbf{}",
    "i_bom_twice": b"\xef\xbb\xbf\xef\xbb\xbf{}",
    "i_long_int_5000": b"[" + b"9" * 5000 + b"]",
    "i_long_int_12000": b"[" + b"1" * 12000 + b"]",
    "i_long_float_5000": b"[0." + b"3" * 5000 + b"]",
    "i_long_exp": b"[1e" + b"9" * 50 + b"]",
    "i_utf16": '{"a": 1}'.encode("utf-16"),
    "lenient_prose": b'Sure! Here it is:\n```json\n{"a": [1, 2]}\n```\nAnything else?',
    "lenient_think": b'<think>let me see { [ </think>{"answer": 42}',
    "multi_jsonl": b'{"a": 1}\n{"a": 2}\n[3]\n"four"\n5\n',
    "typed_record": b'{"name": "Rex", "count": 3, "when": "2024-05-01", "tags": ["a", "b"], '
    b'"scores": {"x": 1.5}, "pet": {"kind": "dog", "name": "Rex", "good": true}, '
    b'"extra": {"any": [1, "two", null]}}',
    "typed_record_invalid": b'{"name": 5, "count": -1, "when": "yesterday", "tags": [1], '
    b'"pet": {"kind": "bird", "name": "Tweety"}}',
    "typed_pets": b'[{"kind": "cat", "name": "Tom", "lives": 9}, {"name": "Rex", "kind": "dog",'
    b' "good": false}]',
    "typed_ints": b"[1, 2, 3, -4, 5.0, 6e2, true]",
}


def _events(body: bytes) -> list[dict]:
    decoder = SSEDecoder()
    out = []
    for event in decoder.feed(body) + decoder.close():
        if event.data.strip() == "[DONE]":
            out.append({"done": True})
            continue
        try:
            value = json.loads(event.data)
        except ValueError:
            continue
        if isinstance(value, dict):
            out.append(value)
    return out


def main() -> None:
    invoice = (HERE.parent / "partialjson" / "samples" / "invoice.json").read_bytes()
    DOCUMENTS["y_invoice"] = invoice
    for name, data in DOCUMENTS.items():
        (HERE / "seeds" / "json" / f"{name}.json").write_bytes(data)
    for path in sorted(FIXTURES.glob("*.sse")):
        lines = [json.dumps(e, ensure_ascii=False) for e in _events(path.read_bytes())]
        (HERE / "seeds" / "events" / f"{path.stem}.jsonl").write_text("\n".join(lines) + "\n")
    # Small hand-made event streams for the shapes the recordings do not have.
    gemini = [
        {
            "responseId": "r1",
            "modelVersion": "g",
            "candidates": [{"content": {"parts": [{"text": '{"a": '}]}}],
        },
        {
            "candidates": [
                {
                    "content": {
                        "parts": [
                            {"text": "[1, 2]}"},
                            {"functionCall": {"name": "f", "args": {"x": 1}}},
                        ]
                    },
                    "finishReason": "STOP",
                }
            ]
        },
    ]
    (HERE / "seeds" / "events" / "gemini__hand__text-and-call.jsonl").write_text(
        "\n".join(json.dumps(e) for e in gemini) + "\n"
    )
    sse_cases = {
        "comments_only": b": hi\n: there\n\n:\n\n",
        "crlf_split_fields": b"event: a\r\ndata: 1\r\ndata: 2\r\nid: 7\r\nretry: 100\r\n\r\n",
        "bom_and_cr": b"\xef\xbb\xbfdata: x\r\rdata:y\r\r",
        "no_space_colon_field": b"data\n\ndata:\n\n:x\nid: a\x00b\n\nretry: 1a\ndata: z\n\n",
        "unterminated_tail": b"data: 1\n\ndata: 2",
        "invalid_utf8": b"data: \xff\xfe\n\n",
        "done": b'data: {"choices": []}\n\ndata: [DONE]\n\n',
    }
    for name, data in sse_cases.items():
        (HERE / "seeds" / "sse" / f"{name}.sse").write_bytes(data)


if __name__ == "__main__":
    main()
