"""Import and export of organisations and persons (django-import-export)."""

from __future__ import annotations

from import_export import fields, resources, widgets

from crm.models import Municipality, Organisation, Person, Sector


class OrganisationResource(resources.ModelResource):
    sectors = fields.Field(
        attribute="sectors", column_name="sectors", widget=widgets.ManyToManyWidget(Sector, field="code")
    )
    municipality = fields.Field(
        attribute="municipality",
        column_name="municipality",
        widget=widgets.ForeignKeyWidget(Municipality, field="name"),
    )

    class Meta:
        model = Organisation
        import_id_fields = ["legal_code"]
        exclude = ["id", "created_at", "updated_at", "tags"]
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True


class PersonResource(resources.ModelResource):
    class Meta:
        model = Person
        import_id_fields = ["email"]
        exclude = ["id", "created_at", "updated_at", "anonymised_at"]
        clean_model_instances = True
        skip_unchanged = True
