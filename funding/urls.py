from django.urls import path  # noqa: F401 - pages arrive with the funding work

app_name = "funding"
urlpatterns: list = []
