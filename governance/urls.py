from django.urls import path

from governance import views

app_name = "governance"
urlpatterns = [
    path("my/councils/", views.my_councils, name="my_councils"),
]
