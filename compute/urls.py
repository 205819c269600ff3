from django.urls import path

from compute import views

app_name = "compute"
urlpatterns = [
    path("compute/operations/", views.operations, name="operations"),
    path("compute/clusters/<int:cluster_id>/sync/", views.sync, name="sync"),
    path("compute/logins/", views.login_set, name="login_set"),
    path("compute/me/", views.my_login, name="my_login"),
    path("compute/periods/<int:period_id>/", views.period_quotas, name="period"),
    path("compute/projects/<slug:code>/", views.project, name="project"),
    path("compute/projects/<slug:code>/unfreeze/", views.unfreeze, name="unfreeze"),
]
