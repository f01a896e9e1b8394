"""Models: list them, filter by capability or tag, look one up, and browse the
serverless catalogue with prices.

    MEGANOVA_API_KEY=... python examples/models.py
"""

from __future__ import annotations

from meganova import MegaNova
from meganova.errors import NotFoundError


def main() -> None:
    with MegaNova() as client:
        models = client.models.list()
        print(f"{len(models)} models")
        for model in models[:5]:
            print(
                f"  {model.id:45} context {model.context_length}  {', '.join(model.modalities or [])}"
            )

        vision = client.models.list(capability="vision")
        print("vision models:", [m.id for m in vision][:5])

        try:
            flash = client.models.get("meganova-ai/manta-flash-1.0")
            print(flash.id, "tags:", flash.tags)
        except NotFoundError as error:
            print("not found:", error.message)

        catalogue = client.serverless.list_models(modality="text_generation")
        for entry in catalogue.models[:5]:
            print(f"  {entry.model_name:45} in {entry.input_price} / out {entry.output_price}")


if __name__ == "__main__":
    main()
