"""0.4.0's ``meganova.models.billing``, kept so its imports work (see MIGRATING.md).

0.4.0's ``BillingBalance`` was the reply of ``get_user_instance_billings()``: today's
``InstanceBillings`` (today's ``BillingBalance`` is ``billing.get_balance()``'s reply).
"""

from __future__ import annotations

from .._compat.aliases import renamed
from ..core.models.billing import InstanceBilling

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ..core.models.billing import InstanceBillings as BillingBalance

__all__ = ["BillingBalance", "InstanceBilling"]

__getattr__ = renamed(
    __name__,
    {
        "BillingBalance": ("meganova.core.models.billing", "InstanceBillings"),
    },
)
