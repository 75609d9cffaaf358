"""Write ``ticket.sse``: the bundled stream the live form replays by default.

It is *synthesized*, not captured: an OpenAI Responses API stream, event for event in the
API's wire format (``response.created`` ... ``response.completed``), of a model that calls the
``lookup_order`` tool and writes a :class:`~examples.live_form.model.Ticket` as structured
output, split into token-sized deltas. Run ``python -m examples.live_form.make_recording`` to
write it again.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from .model import Ticket

HERE = Path(__file__).parent
RESPONSE_ID = "resp_live_form_demo"
MODEL = "gpt-4o-2024-08-06"

TICKET = Ticket.model_validate(
    {
        "title": "Duplicate charge on order A-1042 and a broken tracking link",
        "category": "billing",
        "priority": "high",
        "customer": {"name": "Zoë Ångström", "email": "zoe@example.com", "plan": "Pro (annual)"},
        "summary": (
            "The customer was charged twice for order A-1042 on the annual Pro plan. The order "
            "lookup confirms two captured payments of €249.00 a minute apart, one of them a "
            "retry after a gateway timeout. The tracking link in the confirmation email returns "
            "a 404 because the carrier changed its URL format; the parcel itself left the "
            "warehouse yesterday and is in transit."
        ),
        "steps": [
            {
                "title": "Refund the duplicate payment",
                "detail": "Refund the second capture (€249.00) to the original card and confirm "
                "the refund id to the customer.",
                "owner": "agent",
            },
            {
                "title": "Send a working tracking link",
                "detail": "Reply with the carrier's new tracking URL for shipment SH-88412.",
                "owner": "agent",
            },
            {
                "title": "Fix the tracking URL template",
                "detail": "Update the confirmation email template to the carrier's new URL "
                "format so other customers are not affected.",
                "owner": "engineering",
            },
        ],
        "tags": ["duplicate-charge", "refund", "tracking", "email-template"],
        "refund_eligible": True,
        "estimated_hours": 1.5,
        "follow_up": "Check in 3 days that the refund has reached the customer's statement.",
    }
)
ARGUMENTS = {"order_id": "A-1042", "include_shipments": True}

_TOKEN = re.compile(r"\s*[\w€]{1,6}|\s*[^\w\s]{1,3}|\s+")


def tokens(text: str) -> list[str]:
    """``text`` in token-sized pieces (what a model streams)."""
    return _TOKEN.findall(text)


def events() -> list[dict[str, Any]]:
    answer = json.dumps(TICKET.model_dump(mode="json"), ensure_ascii=False, indent=2)
    arguments = json.dumps(ARGUMENTS)
    response = {
        "id": RESPONSE_ID,
        "object": "response",
        "created_at": 1764777657,
        "status": "in_progress",
        "model": MODEL,
        "output": [],
    }
    call = {
        "id": "fc_live_form_demo",
        "type": "function_call",
        "status": "in_progress",
        "arguments": "",
        "call_id": "call_lookup_1",
        "name": "lookup_order",
    }
    message = {
        "id": "msg_live_form_demo",
        "type": "message",
        "status": "in_progress",
        "content": [],
        "role": "assistant",
    }
    out: list[dict[str, Any]] = [
        {"type": "response.created", "response": response},
        {"type": "response.in_progress", "response": response},
        {"type": "response.output_item.added", "output_index": 0, "item": call},
    ]
    out += [
        {
            "type": "response.function_call_arguments.delta",
            "item_id": call["id"],
            "output_index": 0,
            "delta": piece,
        }
        for piece in tokens(arguments)
    ]
    done_call = {**call, "status": "completed", "arguments": arguments}
    out += [
        {
            "type": "response.function_call_arguments.done",
            "item_id": call["id"],
            "output_index": 0,
            "arguments": arguments,
        },
        {"type": "response.output_item.done", "output_index": 0, "item": done_call},
        {"type": "response.output_item.added", "output_index": 1, "item": message},
        {
            "type": "response.content_part.added",
            "item_id": message["id"],
            "output_index": 1,
            "content_index": 0,
            "part": {"type": "output_text", "annotations": [], "text": ""},
        },
    ]
    out += [
        {
            "type": "response.output_text.delta",
            "item_id": message["id"],
            "output_index": 1,
            "content_index": 0,
            "delta": piece,
            "logprobs": [],
        }
        for piece in tokens(answer)
    ]
    part = {"type": "output_text", "annotations": [], "text": answer}
    done_message = {**message, "status": "completed", "content": [part]}
    out += [
        {
            "type": "response.output_text.done",
            "item_id": message["id"],
            "output_index": 1,
            "content_index": 0,
            "text": answer,
            "logprobs": [],
        },
        {
            "type": "response.content_part.done",
            "item_id": message["id"],
            "output_index": 1,
            "content_index": 0,
            "part": part,
        },
        {"type": "response.output_item.done", "output_index": 1, "item": done_message},
        {
            "type": "response.completed",
            "response": {**response, "status": "completed", "output": [done_call, done_message]},
        },
    ]
    for number, event in enumerate(out):
        event["sequence_number"] = number
    return out


def main() -> None:
    path = HERE / "ticket.sse"
    with path.open("w", encoding="utf-8", newline="\n") as file:
        for event in events():
            data = json.dumps(event, ensure_ascii=False, separators=(",", ":"))
            file.write(f"event: {event['type']}\ndata: {data}\n\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
