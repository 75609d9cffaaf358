"""How ``invoice_stream.sse`` was made: the bundled invoice as an OpenAI Responses stream.

The demo needs a stream that shows everything at once — a structured-output answer filling a
typed form, then a tool call whose arguments take shape and are released when whole — with no
key and no network. This module writes one in the exact shape of the Responses API's events
(``response.created`` … ``response.completed``, sequence numbers, item ids), cutting the text
into token-sized deltas as a model's tokenizer would. Regenerate with
``python -m partialjson.samples._recording > partialjson/samples/invoice_stream.sse``; a test
checks that the bundled file is exactly what this writes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from . import invoice_text

RESPONSE_ID = "resp_68d1c0ffee5a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2"
MESSAGE_ID = "msg_68d1c0ffee6b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3"
CALL_ITEM_ID = "fc_68d1c0ffee7c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4"
CALL_ID = "call_Zq8mT4vR2nXk7pLw9sYb3hJd"
MODEL = "gpt-4.1-mini-2025-04-14"
TOOL = "send_invoice"
TOOL_ARGUMENTS = {
    "invoice_number": "INV-2024-0042",
    "to": "zoe@example.com",
    "subject": "Your invoice INV-2024-0042 (224.99 EUR)",
    "attach_pdf": True,
}

# Roughly how a BPE tokenizer cuts JSON: words with their leading quote or space, digit runs of
# up to three, punctuation runs, and anything else one character at a time.
_TOKEN = re.compile(r'"?[^\W\d_]+|\s?[^\W\d_]+|\d{1,3}|[^\w\s]{1,3}|\s+|.', re.UNICODE | re.DOTALL)


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def _response(status: str, output: list[Any]) -> dict[str, Any]:
    return {
        "id": RESPONSE_ID,
        "object": "response",
        "created_at": 1764777657,
        "status": status,
        "error": None,
        "incomplete_details": None,
        "model": MODEL,
        "output": output,
        "text": {"format": {"type": "json_schema", "name": "Invoice", "strict": True}},
        "tools": [{"type": "function", "name": TOOL, "strict": True}],
        "usage": None,
    }


def events() -> Iterator[dict[str, Any]]:
    answer = json.dumps(json.loads(invoice_text()), ensure_ascii=False, separators=(",", ":"))
    arguments = json.dumps(TOOL_ARGUMENTS, ensure_ascii=False, separators=(",", ":"))
    part = {"type": "output_text", "text": "", "annotations": []}
    message = {"id": MESSAGE_ID, "type": "message", "status": "in_progress", "role": "assistant"}
    call = {"id": CALL_ITEM_ID, "type": "function_call", "status": "in_progress", "arguments": ""}
    call.update(call_id=CALL_ID, name=TOOL)
    text_at = {"item_id": MESSAGE_ID, "output_index": 0, "content_index": 0}
    yield {"type": "response.created", "response": _response("in_progress", [])}
    yield {"type": "response.in_progress", "response": _response("in_progress", [])}
    yield {
        "type": "response.output_item.added",
        "output_index": 0,
        "item": {**message, "content": []},
    }
    yield {"type": "response.content_part.added", **text_at, "part": part}
    for token in tokens(answer):
        yield {"type": "response.output_text.delta", **text_at, "delta": token, "logprobs": []}
    yield {"type": "response.output_text.done", **text_at, "text": answer, "logprobs": []}
    done_part = {**part, "text": answer}
    yield {"type": "response.content_part.done", **text_at, "part": done_part}
    done_message = {**message, "status": "completed", "content": [done_part]}
    yield {"type": "response.output_item.added", "output_index": 1, "item": call}
    for token in tokens(arguments):
        yield {
            "type": "response.function_call_arguments.delta",
            "item_id": CALL_ITEM_ID,
            "output_index": 1,
            "delta": token,
        }
    yield {
        "type": "response.function_call_arguments.done",
        "item_id": CALL_ITEM_ID,
        "output_index": 1,
        "arguments": arguments,
    }
    done_call = {**call, "status": "completed", "arguments": arguments}
    yield {"type": "response.output_item.done", "output_index": 1, "item": done_call}
    yield {
        "type": "response.completed",
        "response": _response("completed", [done_message, done_call]),
    }


def sse() -> str:
    out = []
    for number, event in enumerate(events()):
        data = {"type": event["type"], "sequence_number": number}
        data.update((k, v) for k, v in event.items() if k != "type")
        out.append(f"event: {event['type']}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n")
    return "".join(out)


if __name__ == "__main__":
    import sys

    sys.stdout.buffer.write(sse().encode("utf-8"))
