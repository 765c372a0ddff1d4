"""Import and export of organisations and persons (django-import-export).

Columns are known by their model field name ("legal_code") and by their verbose name in
Lithuanian and in English ("juridinio asmens kodas", "legal entity code"); exports made
in Lithuanian write the Lithuanian names, other exports the field names. Organisations
are matched by legal entity code, persons by e-mail (case-insensitive); without one, by
name whatever its letter case and spacing ("JONAS ŽUKAUSKAS" is Jonas Žukauskas, whose
spelling then stays): an organisation's among all organisations, with a code or without
(the code stays), a person's among the persons without an e-mail address. A name that
several records have is an error of the row, which must then give the code or address; so
is a row without a code naming an organisation that another row gives with its code. A
person's organisation cell gives a legal entity code or a name matched the same way; a name
that several organisations have means the one the person is already linked to, or is an error.
Municipalities are read as people write them ("Vilniaus m. sav.", "Kauno r.",
"Siauliu miestas": `crm.selectors.municipality_from_text`); "Kaunas" alone is an error
naming both Kauno miesto and Kauno rajono savivaldybė.

Imports are fast because nothing is queried per row: existing records, their sectors,
tags and affiliations, and all reference data are loaded with a few queries when the
import starts; rows are validated in memory (each cell through its model field, then
`Model.clean()`; uniqueness and the database constraints are checked against what was
loaded); the records are written up to a thousand a statement, with their simple-history
records (with the importing user), and the many-to-many and affiliation rows after them.
The preview shows the differences of the first rows only.

An import with an invalid row writes nothing, unless the staff member ticks "skip invalid
rows": then the valid rows are imported and the invalid ones reported. Rows are numbered as
in the spreadsheet, on the import page and in every message: the headers are row 1.

| module | what |
|---|---|
| `base.py` | `CrmResource`: header matching, loading what the file refers to, validating rows |
| `writes.py` | `HistoryWriter`: inserting the records, their history records and links in bulk |
| `organisations.py`, `persons.py` | the two resources |
| `admin.py` | `ImportExportAdminMixin`: the admin's formats, forms and messages |
"""

from crm.resources.admin import ConfirmImportForm, ImportExportAdminMixin, ImportForm
from crm.resources.base import EXPORT_CHUNK_SIZE, Column, CrmResource, KeyedInstanceLoader
from crm.resources.organisations import OrganisationResource
from crm.resources.persons import PersonResource
from crm.resources.writes import HistoryWriter, RowInserter

__all__ = [
    "EXPORT_CHUNK_SIZE",
    "Column",
    "ConfirmImportForm",
    "CrmResource",
    "HistoryWriter",
    "ImportExportAdminMixin",
    "ImportForm",
    "KeyedInstanceLoader",
    "OrganisationResource",
    "PersonResource",
    "RowInserter",
]
