"""On SQLite, the indexes on LOWER(...) are rebuilt with the LOWER() that folds every letter
(config/sqlite3/base.py); those made before folded only the ASCII ones. PostgreSQL's already did."""

from django.db import IntegrityError, migrations

INDEXES = {
    "crm_tag_name_ci_unique": "tags whose names differ only in letter case",
    "crm_person_email_ci_unique": "persons whose e-mail addresses differ only in letter case",
    "crm_org_name_lower_idx": "",
    "crm_person_name_lower_idx": "",
}


def rebuild(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for index, duplicates in INDEXES.items():
        try:
            schema_editor.execute(f'REINDEX "{index}"')
        except IntegrityError as error:
            raise IntegrityError(
                f"There are {duplicates}: rename or merge them, then run the migrations again."
            ) from error


class Migration(migrations.Migration):
    dependencies = [("crm", "0005_list_order_indexes")]

    operations = [migrations.RunPython(rebuild, migrations.RunPython.noop)]
