"""Sample types for the bundled documents (``python -m partialjson`` and the docs' examples).

>>> from partialjson.samples import Invoice, invoice_text
>>> Invoice.model_validate_json(invoice_text()).total
224.99
"""

from __future__ import annotations

from datetime import date
from importlib import resources
from typing import List, Optional

from pydantic import BaseModel, Field

__all__ = ["Customer", "Invoice", "LineItem", "invoice_text"]


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


def invoice_text() -> str:
    """The bundled sample document, as a model would stream it."""
    return resources.files(__name__).joinpath("invoice.json").read_text("utf-8")
