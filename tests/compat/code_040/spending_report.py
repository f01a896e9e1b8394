"""A week of usage, then what each instance has cost so far."""

import os
from datetime import datetime, timedelta, timezone

from meganova import MegaNova

nova = MegaNova(api_key=os.environ["MEGANOVA_API_KEY"])

now = datetime.now(timezone.utc)
stamp = "%Y-%m-%d %H:%M:%S"
week = nova.usage.summary(from_=(now - timedelta(days=7)).strftime(stamp), to=now.strftime(stamp))
print("Last 7 days:", week)

bill = nova.billing.get_user_instance_billings()
print("Instances billed, total:", bill.total_cost)
for row in bill.data:
    print(f"  instance {row.vm_access_info_id} -> {row.fee_accumulated_taxed}")
