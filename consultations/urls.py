from django.urls import path

from config import converters  # noqa: F401 - registers <id:…>
from consultations import views

app_name = "consultations"

urlpatterns = [
    path("nuoroda/<str:token>/", views.AccessView.as_view(), name="access"),
    path("<id:invitation_id>/", views.ResponseView.as_view(), name="response"),
    path(
        "<id:invitation_id>/dokumentai/<id:document_id>/",
        views.DocumentView.as_view(),
        name="document",
    ),
]
