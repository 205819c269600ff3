from django.urls import path

from funding import views

app_name = "funding"
urlpatterns = [
    path("finance/", views.dashboard, name="dashboard"),
    path("finance/payments/new/", views.payment_new, name="payment_new"),
    path(
        "finance/payments/<int:payment_id>/reverse/",
        views.payment_reverse,
        name="payment_reverse",
    ),
    path("finance/voluntary/new/", views.voluntary_new, name="voluntary_new"),
    path("finance/states/<str:code>/", views.state_account, name="state_account"),
    path("finance/years/", views.years, name="years"),
    path("finance/years/<int:year>/", views.year, name="year"),
    path("finance/years/<int:year>/<str:action>/", views.year_step, name="year_step"),
    path("finance/scales/", views.scales, name="scales"),
    path("finance/scales/<int:scale_id>/", views.scale_detail, name="scale"),
    path("finance/scales/<int:scale_id>/<str:action>/", views.scale_step, name="scale_step"),
    path("finance/imports/", views.imports, name="imports"),
    path("finance/imports/<int:import_id>/", views.import_detail, name="import"),
    path("finance/imports/<int:import_id>/apply/", views.import_apply, name="import_apply"),
    path("finance/reports/", views.reports, name="reports"),
    path("finance/reports/status.csv", views.status_csv, name="status_csv"),
    path("finance/reports/<int:report_id>/", views.report_detail, name="report"),
    path("finance/reports/<int:report_id>/pdf/", views.report_download, name="report_download"),
]
