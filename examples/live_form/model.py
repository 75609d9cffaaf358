"""The answer the live form shows: a support ticket triaged by a model, and the tool it may call."""

from __future__ import annotations

import enum
from typing import List, Optional

from pydantic import BaseModel, Field


class Category(str, enum.Enum):
    BILLING = "billing"
    TECHNICAL = "technical"
    ACCOUNT = "account"
    SHIPPING = "shipping"


class Priority(str, enum.Enum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class Owner(str, enum.Enum):
    AGENT = "agent"
    CUSTOMER = "customer"
    ENGINEERING = "engineering"


class Contact(BaseModel):
    name: str
    email: str
    plan: str = Field(description="The customer's subscription plan")


class Step(BaseModel):
    title: str
    detail: str = Field(json_schema_extra={"x-widget": "textarea"})
    owner: Owner


class Ticket(BaseModel):
    """A support ticket, triaged."""

    title: str
    category: Category
    priority: Priority
    customer: Contact
    summary: str = Field(json_schema_extra={"x-widget": "textarea"})
    steps: List[Step]
    tags: List[str]
    refund_eligible: bool
    estimated_hours: float
    follow_up: Optional[str] = None


class LookupOrder(BaseModel):
    """The arguments of the ``lookup_order`` tool."""

    order_id: str
    include_shipments: bool = False


PROMPT = (
    "Triage this support email into a ticket. Look the order up first.\n\n"
    "From: Zoë Ångström <zoe@example.com>\n"
    "Subject: Charged twice for order A-1042, and the tracking link is dead\n\n"
    "Hi, my card was charged twice for order A-1042 (Pro plan, annual). The tracking "
    "link in the confirmation email gives a 404. Can you refund the duplicate charge and "
    "tell me where my parcel is? Thanks, Zoë"
)
