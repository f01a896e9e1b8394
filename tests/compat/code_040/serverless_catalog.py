"""What can run serverless: text models with their prices, then image models."""

import os

from meganova import MegaNova

nova = MegaNova(api_key=os.environ["MEGANOVA_API_KEY"])

for kind in ("text_generation", "text_to_image"):
    listing = nova.serverless.list_models(modality=kind)
    print(f"== {kind}: {listing.count} model(s)")
    for m in listing.models:
        alias = f" a.k.a. {m.model_alias}" if m.model_alias else ""
        print(f"- {m.model_name}{alias}")
        if m.cost_per_1k_input is not None:
            print(f"    ${m.cost_per_1k_input} in / ${m.cost_per_1k_output} out per 1K tokens")
        if m.tier2_plus_require:
            print("    needs tier 2 or above")
