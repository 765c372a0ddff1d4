"""Public pages: the members directory and cluster profiles. No personal data here."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.views.generic import DetailView
from django_filters.views import FilterView

from crm import selectors
from crm.filters import DirectoryFilter
from crm.models import Organisation


class DirectoryView(FilterView):
    filterset_class = DirectoryFilter
    template_name = "crm/organisation_directory.html"
    context_object_name = "organisations"
    paginate_by = 30

    def get_queryset(self) -> QuerySet[Organisation]:
        return selectors.directory_organisations()


class ProfileView(DetailView):
    template_name = "crm/organisation_profile.html"
    context_object_name = "organisation"

    def get_queryset(self) -> QuerySet[Organisation]:
        return selectors.directory_organisations()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["sectors"] = list(self.object.sectors.all())
        # An expired label (or one awarded from a later day) is not shown as the cluster's.
        context["label_held"] = selectors.label_held(organisation=self.object, day=timezone.localdate())
        return context
