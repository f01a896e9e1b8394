"""Walk the model catalogue, then look one model up by id."""

import os

from meganova import MegaNova

nova = MegaNova(api_key=os.environ["MEGANOVA_API_KEY"])
catalogue = nova.models.list()
print(f"{len(catalogue)} models in the catalogue")

for entry in catalogue[:5]:
    line = entry.id
    if entry.owned_by:
        line += f" (by {entry.owned_by})"
    print(line)
    if entry.capabilities:
        can = sorted(name for name, on in entry.capabilities.items() if on)
        print("  can:", ", ".join(can))
    if entry.pricing:
        print("  price:", entry.pricing)

detail = nova.models.get(catalogue[0].id)
print(f"Details for {detail.id}: name={detail.name!r}, context window={detail.context_length}")
