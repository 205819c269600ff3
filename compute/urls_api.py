from django.urls import path  # noqa: F401 - endpoints arrive with the compute work

urlpatterns: list = []
