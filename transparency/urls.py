from django.urls import path

from transparency import feeds, views, views_reports

app_name = "transparency"
urlpatterns = [
    path("", views.portal_home, name="home"),
    path("states/", views.member_states, name="states"),
    path("states/<str:code>/", views.member_state, name="state"),
    path("decisions/", views.decision_list, name="decisions"),
    path("decisions/<int:motion_id>/", views.decision_detail, name="decision"),
    path("decisions/<int:motion_id>/receipt/", views.decision_receipt, name="decision_receipt"),
    path("decisions/<int:motion_id>/chain.txt", views.decision_chain_file, name="decision_chain"),
    path("safety/", views.safety, name="safety"),
    path("programmes/", views.programmes, name="programmes"),
    path("compute/", views.compute, name="compute"),
    path("data/", views.data_index, name="data"),
    path("data/datapackage.json", views.data_package, name="datapackage"),
    path("data/<slug:name>.<str:fmt>", views.data_table, name="data_table"),
    path("feed/decisions.atom", feeds.DecisionsFeed(), name="feed"),
    path("log/", views.decision_log, name="log"),
    path("log/key.pem", views.decision_log_key, name="log_key"),
    path("log/feed.atom", feeds.DecisionLogFeed(), name="log_feed"),
    path("reports/", views_reports.reports_archive, name="reports"),
    path("reports/<int:report_id>.pdf", views_reports.report_pdf, name="report_pdf"),
    path("reports/<int:report_id>.json", views_reports.report_data, name="report_data"),
    path("reports/make/", views_reports.reports_make, name="reports_make"),
    path("reports/make/progress/", views_reports.reports_progress, name="reports_progress"),
]
