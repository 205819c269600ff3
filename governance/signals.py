"""What governance tells the other apps; they subscribe in their AppConfig.ready()."""

from django.dispatch import Signal

# Sent on commit when a council's decision is certified.
# Arguments: motion_id (int), kind (str), outcome (str), project_id (int | None),
# gpu_hours (int | None), council_code (str).
decision_certified = Signal()
