from django.urls import path

from crm import views

app_name = "crm"

urlpatterns = [
    path("", views.DirectoryView.as_view(), name="directory"),
    path("<int:pk>/", views.ProfileView.as_view(), name="profile"),
]
