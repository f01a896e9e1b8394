"""``GET /usage/time_range``: the reply schema is unknown, so every row is kept as sent."""

import math
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from .common import Model


@dataclass
class UsageRow(Model):
    """One usage row: the fields seen or guessed are typed; ``raw`` holds the row as sent."""

    date: Optional[str] = None
    model: Optional[str] = None
    user_id: Optional[str] = None
    api_key: Optional[str] = None
    requests: Optional[int] = None
    prompt_tokens: Optional[int] = None
    completion_tokens: Optional[int] = None
    total_tokens: Optional[int] = None
    tokens: Optional[int] = None
    cost: Optional[float] = None
    raw: Dict[str, Any] = field(default_factory=dict)


@dataclass
class UsageSummary(Model):
    """Usage over a time range. ``rows`` are the server's rows (see ``UsageRow``);
    ``data`` is the reply's payload exactly as sent, whatever its shape."""

    rows: List[UsageRow] = field(default_factory=list)
    data: Any = None
    message: Optional[str] = None
    status: Optional[str] = None
    from_: Optional[str] = None
    to: Optional[str] = None
    group_by: Optional[str] = None
    request_id: Optional[str] = None

    @property
    def total_cost(self) -> Optional[float]:
        """The cost summed over the rows (``None`` when no row has one)."""
        costs = [r.cost for r in self.rows if r.cost is not None]
        # fsum: exact sum of the floats, so 0.1 + 0.2 style noise does not pile up per row
        return math.fsum(costs) if costs else None

    @property
    def total_tokens(self) -> Optional[int]:
        """The tokens summed over the rows (``None`` when no row has a count)."""
        counts = [
            r.total_tokens if r.total_tokens is not None else r.tokens
            for r in self.rows
            if r.total_tokens is not None or r.tokens is not None
        ]
        return sum(c for c in counts if c is not None) if counts else None
