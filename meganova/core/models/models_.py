"""``GET /models`` items: every field the live API or the guideline names; only ``id`` required."""

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Dict, List, Mapping, Optional, Tuple

from .common import Dumps, Model

_PER_1K_KEYS = ("prompt_tokens_per_1k", "completion_tokens_per_1k")
# Live keys are not documented; OpenRouter-style per-token prices are the likely form.
_PER_TOKEN_KEYS = {
    "prompt_tokens_per_1k": ("prompt", "input"),
    "completion_tokens_per_1k": ("completion", "output"),
}


def _number(value: Any) -> Optional[float]:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


_new_dict = dict.__new__
_update = dict.update


class ModelPricing(Dict[str, Any]):
    """A model's prices: the live mapping as sent (values may be strings or numbers),
    plus the guideline's ``prompt_tokens_per_1k`` / ``completion_tokens_per_1k`` view.

    The view reads those keys when the server sends them; otherwise it converts the
    OpenRouter-style per-token ``prompt`` / ``completion`` (or ``input`` / ``output``)
    prices to per-1k by multiplying by 1000. Which keys the live API uses is not known;
    the view is ``None`` when no recognised key holds a number.
    """

    def __init__(
        self,
        prices: Optional[Mapping[str, Any]] = None,
        *,
        prompt_tokens_per_1k: Optional[float] = None,
        completion_tokens_per_1k: Optional[float] = None,
    ) -> None:
        super().__init__(prices or {})
        if prompt_tokens_per_1k is not None:
            self["prompt_tokens_per_1k"] = prompt_tokens_per_1k
        if completion_tokens_per_1k is not None:
            self["completion_tokens_per_1k"] = completion_tokens_per_1k

    def _per_1k(self, name: str) -> Optional[float]:
        direct = _number(self.get(name))
        if direct is not None:
            return direct
        for key in _PER_TOKEN_KEYS[name]:
            per_token = _number(self.get(key))
            if per_token is not None:
                return per_token * 1000.0
        return None

    @property
    def prompt_tokens_per_1k(self) -> Optional[float]:
        """The price of 1,000 prompt tokens, from whichever price field the reply has."""
        return self._per_1k("prompt_tokens_per_1k")

    @property
    def completion_tokens_per_1k(self) -> Optional[float]:
        """The price of 1,000 completion tokens, from whichever price field the reply has."""
        return self._per_1k("completion_tokens_per_1k")

    def __repr__(self) -> str:
        return f"ModelPricing({dict.__repr__(self)})"


_MODALITY_CACHE: Dict[Any, Tuple[str, ...]] = {}  # modality string -> names


def _split_modality(text: str) -> Tuple[str, ...]:
    cached = _MODALITY_CACHE.get(text)
    if cached is None:
        names = text.replace("->", "+").split("+")
        cached = tuple(dict.fromkeys(n.strip() for n in names if n.strip()))
        if len(_MODALITY_CACHE) < 256:  # a catalogue has a handful of distinct values
            _MODALITY_CACHE[text] = cached
    return cached


def modalities_of(architecture: Mapping[str, Any]) -> Optional[List[str]]:
    """The modalities a model takes or produces, from the live ``architecture``:
    ``input_modalities`` + ``output_modalities`` when sent, else ``modality``
    (``"text+image->text"`` gives ``["text", "image"]``). ``None`` when neither is usable."""
    lists = [architecture.get("input_modalities"), architecture.get("output_modalities")]
    names = [n for group in lists if isinstance(group, list) for n in group if isinstance(n, str)]
    if names:
        return list(dict.fromkeys(names))
    modality = architecture.get("modality")
    if isinstance(modality, str):
        return list(_split_modality(modality)) or None
    return None


@dataclass
class ModelInfo(Model):
    """One model. ``pricing`` is a ``ModelPricing`` (a dict with a per-1k view).
    ``modalities`` is the guideline's field; when the server does not send it, it is
    derived from ``architecture`` (see ``modalities_of``)."""

    id: str
    name: Optional[str] = None
    context_length: Optional[int] = None
    modalities: Optional[List[str]] = None
    tags: Optional[List[str]] = None
    nsfw_support: Optional[str] = None
    status: Optional[str] = None
    if TYPE_CHECKING:
        pricing: Optional[ModelPricing] = None
    else:  # the codec decodes a plain mapping; __post_init__ wraps it
        pricing: Optional[Dict[str, Any]] = None
    object: Optional[str] = None
    owned_by: Optional[str] = None
    description: Optional[str] = None
    created: Optional[int] = None
    default: Optional[bool] = None
    architecture: Optional[Dict[str, Any]] = None
    capabilities: Optional[Dict[str, Any]] = None
    request_id: Optional[str] = None

    def __post_init__(self) -> None:
        prices: Any = self.pricing
        if type(prices) is dict:
            # C-level copy: ModelPricing.__init__ per model cost a fifth of a big list.
            wrapped = _new_dict(ModelPricing)
            _update(wrapped, prices)
            self.pricing = wrapped
        elif prices is not None and not isinstance(prices, ModelPricing):
            self.pricing = ModelPricing(prices)
        if self.modalities is None:
            arch = self.architecture
            if arch:
                # Fast path (a big catalogue decodes thousands): a "modality" string seen
                # before, no modality lists beside it.
                try:
                    cached = _MODALITY_CACHE.get(arch.get("modality"))
                except TypeError:  # an unhashable "modality": the slow path says None
                    cached = None
                if (
                    cached is not None
                    and "input_modalities" not in arch
                    and "output_modalities" not in arch
                ):
                    self.modalities = [*cached] if cached else None
                else:
                    self.modalities = modalities_of(arch)

    def has_capability(self, capability: str) -> bool:
        """Whether ``capabilities[capability]`` is true.

        Args:
            capability: E.g. ``"vision"`` or ``"tools"``.
        """
        return bool(self.capabilities) and self.capabilities.get(capability) is True  # type: ignore[union-attr]

    def has_tag(self, tag: str) -> bool:
        """Whether ``tags`` contains ``tag``.

        Args:
            tag: E.g. ``"chat"``.
        """
        return bool(self.tags) and tag in self.tags  # type: ignore[operator]


class ModelList(List[ModelInfo], Dumps):
    """A plain ``list`` of ``ModelInfo`` that also carries the reply's ``request_id``.
    ``to_dict()`` / ``to_json()`` give the reply's form, ``{"object": ..., "data": [...]}``."""

    request_id: Optional[str] = None
    object: Optional[str] = None

    def to_dict(self, *, exclude_none: bool = True) -> Dict[str, Any]:
        """The list as plain Python data, the way the API sends it.

        The reply's form: ``{"object": ..., "data": [...]}``.

        Args:
            exclude_none: Keep fields that are ``None`` (left out by default).
        """
        out: Dict[str, Any] = (
            {} if self.object is None and exclude_none else {"object": self.object}
        )
        out["data"] = [model.to_dict(exclude_none=exclude_none) for model in self]
        return out
