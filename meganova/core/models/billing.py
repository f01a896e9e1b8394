"""Billing: the guideline's balance and the live per-GPU-instance billing list."""

from dataclasses import dataclass, field
from typing import Any, List, Optional

from .common import Model


@dataclass
class BillingBalance(Model):
    """The account balance as the guideline names it. ``raw`` is the payload as sent."""

    balance: Optional[float] = None
    currency: Optional[str] = None
    status: Optional[str] = None
    message: Optional[str] = None
    raw: Any = None
    request_id: Optional[str] = None


@dataclass
class InstanceBilling(Model):
    """One GPU instance's accumulated fee (``/billing/user-instance-billings``)."""

    vm_access_info_id: Optional[int] = None
    running_hours: Optional[float] = None
    fee_accumulated: Optional[float] = None
    tax_rate: Optional[float] = None
    fee_accumulated_taxed: Optional[float] = None
    product_status: Optional[str] = None


@dataclass
class InstanceBillings(Model):
    """The reply of ``client.billing.get_user_instance_billings``."""

    data: List[InstanceBilling] = field(default_factory=list)
    total_cost: Optional[float] = None
    message: Optional[str] = None
    status: Optional[str] = None
    request_id: Optional[str] = None


@dataclass
class _InstanceBillingsWire(Model):
    data: Any = None
    total_cost: Optional[float] = None
    message: Optional[str] = None
    status: Optional[str] = None
    request_id: Optional[str] = None
