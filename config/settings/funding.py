"""Settings of the funding app (imported at the end of base.py)."""

from celery.schedules import crontab
from environ import Env

env = Env()

# The organisation's base currency: budgets, assessments and balances are kept in it. A fiscal
# year records the currency it was opened with, so changing this later changes no past figure.
FUNDING_BASE_CURRENCY = env("FUNDING_BASE_CURRENCY", default="EUR")
# Calls for contributions fall due this many days after they are issued; the honour roll lists
# the states that paid in full within it.
FUNDING_CALL_DUE_DAYS = env.int("FUNDING_CALL_DUE_DAYS", default=30)
# "cern": arrears exceeding the contributions due for the current and the previous year;
# "un_article_19": arrears equal to or above the contributions due for the two preceding years.
FUNDING_ARREARS_RULE = env("FUNDING_ARREARS_RULE", default="cern")
# The council whose budget motions adopt contribution scales and approve budgets.
FUNDING_FINANCE_COUNCIL = env("FUNDING_FINANCE_COUNCIL", default="finance-committee")
# A payment on a day without an ECB rate (weekend, holiday) uses the last rate before it, but
# never one older than this many days.
FUNDING_RATE_MAX_AGE_DAYS = env.int("FUNDING_RATE_MAX_AGE_DAYS", default=7)
# The language of each state's letters (English where not listed); a call may override it.
FUNDING_STATE_LANGUAGES = {
    "AT": "de",
    "CH": "de",
    "DE": "de",
    "LI": "de",
    "BE": "fr",
    "FR": "fr",
    "LU": "fr",
    "MC": "fr",
}
FUNDING_LETTER_SENDER = env(
    "FUNDING_LETTER_SENDER", default="Concordia Research Facility — Finance Division"
)

# Merged into CELERY_BEAT_SCHEDULE by the lead (config/settings/base.py).
FUNDING_BEAT_SCHEDULE = {
    "funding-arrears-check": {
        "task": "funding.tasks.arrears_check_all",
        "schedule": crontab(hour=5, minute=30),
    },
}
