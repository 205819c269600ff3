"""Every write in funding; one module per topic, all re-exported here."""

from funding.services.arrears import arrears_check, arrears_check_all, arrears_exemption_record
from funding.services.fiscal import (
    assessments_compute,
    budget_line_set,
    calls_issue,
    fiscal_year_approve,
    fiscal_year_create,
    fiscal_year_submit_budget,
)
from funding.services.imports import data_import_apply, data_import_preview
from funding.services.payments import (
    PaymentPreview,
    payment_preview,
    payment_record,
    payment_reverse,
    voluntary_record,
    voluntary_reverse,
)
from funding.services.reports import report_generate, report_request
from funding.services.scales import scale_compute, scale_decide, scale_propose, scale_verify

__all__ = [
    "PaymentPreview",
    "arrears_check",
    "arrears_check_all",
    "arrears_exemption_record",
    "assessments_compute",
    "budget_line_set",
    "calls_issue",
    "data_import_apply",
    "data_import_preview",
    "fiscal_year_approve",
    "fiscal_year_create",
    "fiscal_year_submit_budget",
    "payment_preview",
    "payment_record",
    "payment_reverse",
    "report_generate",
    "report_request",
    "scale_compute",
    "scale_decide",
    "scale_propose",
    "scale_verify",
    "voluntary_record",
    "voluntary_reverse",
]
