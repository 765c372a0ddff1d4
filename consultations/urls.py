from django.urls import path

from consultations import views

app_name = "consultations"

urlpatterns = [
    path("nuoroda/<str:token>/", views.AccessView.as_view(), name="access"),
    path("<int:invitation_id>/", views.ResponseView.as_view(), name="response"),
    path(
        "<int:invitation_id>/dokumentai/<int:document_id>/",
        views.DocumentView.as_view(),
        name="document",
    ),
]
