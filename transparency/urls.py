from django.urls import path

from transparency import feeds, views

app_name = "transparency"
urlpatterns = [
    path("", views.portal_home, name="home"),
    path("decisions/", views.decision_list, name="decisions"),
    path("decisions/<int:motion_id>/", views.decision_detail, name="decision"),
    path("decisions/<int:motion_id>/chain.txt", views.decision_chain_file, name="decision_chain"),
    path("safety/", views.safety, name="safety"),
    path("compute/", views.compute, name="compute"),
    path("data/", views.data_index, name="data"),
    path("data/<slug:name>.<str:fmt>", views.data_table, name="data_table"),
    path("feed/decisions.atom", feeds.DecisionsFeed(), name="feed"),
]
