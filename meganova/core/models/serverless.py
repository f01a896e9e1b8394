"""The serverless model catalogue (``{api}/serverless/models/filter``)."""

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from .common import Model


@dataclass
class ServerlessModel(Model):
    """A catalogue entry; ``model_name`` is the id to call. ``tier2_required`` comes from
    the wire key ``tier2+_require``. ``input_price``/``output_price`` are $ per 1M tokens
    (as one first-party client prints them); ``cost_per_1k_*`` are $ per 1K tokens."""

    model_name: str
    model_alias: Optional[str] = None
    model_type: Optional[str] = None
    modality: Optional[str] = None
    context_length: Optional[int] = None
    max_completion_tokens: Optional[int] = None
    description: Optional[str] = None
    input_price: Optional[float] = None
    output_price: Optional[float] = None
    cost_per_1k_input: Optional[float] = None
    cost_per_1k_output: Optional[float] = None
    hosting_in: Optional[str] = None
    parameter_size: Optional[str] = None
    huggingface_url: Optional[str] = None
    readme: Optional[str] = None
    tier2_required: Optional[bool] = None
    restrictions: Any = None
    tags: Optional[Dict[str, Any]] = None

    @property
    def id(self) -> str:
        """The model's id (its ``model_name``), as on ``ModelInfo``."""
        return self.model_name

    @property
    def tier2_plus_require(self) -> Optional[bool]:
        """0.4.0's name of ``tier2_required``."""
        from ..legacy import deprecated

        deprecated("ServerlessModel.tier2_plus_require", "tier2_required")
        return self.tier2_required


@dataclass
class ServerlessCatalogue(Model):
    """The reply of ``client.serverless.list_models``: the entries in ``models``."""

    models: List[ServerlessModel] = field(default_factory=list)
    count: Optional[int] = None
    tag_counts: Optional[Dict[str, Any]] = None
    message: Optional[str] = None
    status: Optional[str] = None
    request_id: Optional[str] = None
