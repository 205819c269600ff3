"""Finance pages: thin views over the funding services and selectors."""

from funding.views.dashboard import dashboard
from funding.views.imports import import_apply, import_detail, imports
from funding.views.payments import payment_new, payment_reverse, state_account, voluntary_new
from funding.views.reports import report_detail, report_download, reports, status_csv
from funding.views.scales import scale_detail, scale_step, scales
from funding.views.years import year, year_step, years

__all__ = [
    "dashboard",
    "import_apply",
    "import_detail",
    "imports",
    "payment_new",
    "payment_reverse",
    "report_detail",
    "report_download",
    "reports",
    "scale_detail",
    "scale_step",
    "scales",
    "state_account",
    "status_csv",
    "voluntary_new",
    "year",
    "year_step",
    "years",
]
