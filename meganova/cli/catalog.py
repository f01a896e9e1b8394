"""``meganova models`` (list, filter, get) and ``meganova serverless`` (the catalogue)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any, TextIO

from .errors import UsageProblem
from .output import plain, print_fields, print_json, print_table

if TYPE_CHECKING:
    from ..client import MegaNova


def _matches(search: str, *values: Any) -> bool:
    needle = search.casefold()
    return any(isinstance(v, str) and needle in v.casefold() for v in values)


def cmd_models(
    client: MegaNova, args: argparse.Namespace, out: TextIO, err: TextIO, stdin: TextIO
) -> int:
    if args.action == "get":
        if not args.model_id:
            raise UsageProblem("models get needs a model id, e.g. meganova models get ID")
        model = client.models.get(args.model_id)
        if args.json:
            print_json(model, out)
        else:
            print_fields(plain(model).items(), out)
        return 0
    if args.model_id:
        raise UsageProblem(f"unexpected {args.model_id!r} (did you mean: models get ID?)")
    models = client.models.list(capability=args.capability, tag=args.tag)
    if args.search is not None:
        if not args.search.strip():
            raise UsageProblem("--search needs some text")
        models[:] = [m for m in models if _matches(args.search, m.id, m.name, m.description)]
    if args.json:
        print_json(models, out)
        return 0
    rows = [(m.id, m.name, m.context_length, m.tags) for m in models]
    print_table(("id", "name", "context", "tags"), rows, out)
    return 0


def cmd_serverless(
    client: MegaNova, args: argparse.Namespace, out: TextIO, err: TextIO, stdin: TextIO
) -> int:
    catalogue = client.serverless.list_models(
        modality=args.modality, search=args.search, use_case=args.use_case
    )
    if args.json:
        print_json(catalogue, out)
        return 0
    rows = [
        (m.model_name, m.modality, m.context_length, m.input_price, m.output_price)
        for m in catalogue.models
    ]
    print_table(("model", "modality", "context", "$/1M in", "$/1M out"), rows, out)
    return 0
