from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from crm.models import Organisation, Person
from crm.resources import EXPORT_CHUNK_SIZE, OrganisationResource, PersonResource
from tests.factories import AffiliationFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


def _export_queries(resource, queryset) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        dataset = resource.export(queryset=queryset)
    return len(queries), len(dataset)


def test_person_export_queries_do_not_grow_with_rows():
    for _ in range(3):
        AffiliationFactory()
    small, rows = _export_queries(PersonResource(), Person.objects.all())
    assert rows == 3
    for _ in range(30):
        AffiliationFactory()
    large, rows = _export_queries(PersonResource(), Person.objects.all())
    assert rows == 33
    assert large == small


def test_organisation_export_queries_grow_only_per_chunk(settings):
    OrganisationFactory.create_batch(3, sectors=["ict"])
    small, _rows = _export_queries(OrganisationResource(), Organisation.objects.all())
    OrganisationFactory.create_batch(40, sectors=["ict", "health"])
    large, rows = _export_queries(OrganisationResource(), Organisation.objects.all())
    assert rows == 43
    assert large == small
    assert EXPORT_CHUNK_SIZE >= 1000
