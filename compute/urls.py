from django.urls import path  # noqa: F401 - pages arrive with the compute work

app_name = "compute"
urlpatterns: list = []
