from django.urls import path

from funding import api

urlpatterns = [
    path("funding/fiscal-years/", api.FiscalYearListApi.as_view(), name="funding-years"),
    path(
        "funding/fiscal-years/<int:year>/status/",
        api.StatusApi.as_view(),
        name="funding-status",
    ),
    path(
        "funding/fiscal-years/<int:year>/calls/",
        api.CallsIssueApi.as_view(),
        name="funding-calls-issue",
    ),
    path("funding/payments/", api.PaymentApi.as_view(), name="funding-payments"),
    path(
        "funding/payments/<int:payment_id>/reverse/",
        api.PaymentReverseApi.as_view(),
        name="funding-payment-reverse",
    ),
    path("funding/voluntary/", api.VoluntaryApi.as_view(), name="funding-voluntary"),
    path(
        "funding/states/<str:code>/statement/",
        api.StatementApi.as_view(),
        name="funding-statement",
    ),
    path("funding/imports/", api.DataImportApi.as_view(), name="funding-imports"),
    path(
        "funding/imports/<int:import_id>/apply/",
        api.DataImportApplyApi.as_view(),
        name="funding-import-apply",
    ),
    path("funding/reports/", api.ReportApi.as_view(), name="funding-reports"),
    path("funding/reports/<int:report_id>/", api.ReportDetailApi.as_view(), name="funding-report"),
    path("funding/scales/", api.ScaleListApi.as_view(), name="funding-scales"),
    path("funding/scales/<int:scale_id>/", api.ScaleDetailApi.as_view(), name="funding-scale"),
]
