"""Sample types and recordings bundled with the package (``partialjson demo``, the docs' examples).

>>> from partialjson.samples import Invoice, invoice_text
>>> Invoice.model_validate_json(invoice_text()).total
224.99

``invoice_stream()`` is the same invoice as an OpenAI Responses stream (server-sent events, as
the API sends them), followed by a ``send_invoice`` tool call:

>>> import partialjson
>>> from partialjson.samples import SendInvoice, invoice_stream
>>> response = partialjson.stream(invoice_stream(), Invoice, tools={"send_invoice": SendInvoice})
>>> response.until_done().state.value, response.final.total
('completed', 224.99)
>>> response.tool_calls[0].arguments.to
'zoe@example.com'
"""

from __future__ import annotations

from datetime import date
from importlib import resources
from typing import List, Optional

from pydantic import BaseModel, Field

__all__ = ["Customer", "Invoice", "LineItem", "SendInvoice", "invoice_stream", "invoice_text"]


class Customer(BaseModel):
    name: str
    email: str
    vip: bool = False


class LineItem(BaseModel):
    sku: str
    description: str
    quantity: int = Field(gt=0)
    unit_price: float


class Invoice(BaseModel):
    """A structured-output answer: what the bundled ``invoice.json`` holds."""

    invoice_number: str
    issued: date
    customer: Customer
    items: List[LineItem]
    discount: Optional[float] = None
    notes: str = ""
    total: float


class SendInvoice(BaseModel):
    """The arguments of the bundled stream's tool call: e-mail the invoice to the customer."""

    invoice_number: str
    to: str
    subject: str
    attach_pdf: bool = True


def invoice_text() -> str:
    """The bundled sample document, as a model would stream it."""
    return resources.files(__name__).joinpath("invoice.json").read_text("utf-8")


def invoice_stream() -> bytes:
    """The invoice as a recorded-style OpenAI Responses stream (SSE bytes), then a tool call."""
    return resources.files(__name__).joinpath("invoice_stream.sse").read_bytes()
