from django.urls import path  # noqa: F401 - endpoints arrive with the funding work

urlpatterns: list = []
