from django.urls import path

from config import converters  # noqa: F401 - registers <id:…>
from crm import views

app_name = "crm"

urlpatterns = [
    path("", views.DirectoryView.as_view(), name="directory"),
    path("<id:pk>/", views.ProfileView.as_view(), name="profile"),
]
