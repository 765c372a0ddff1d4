"""Form field settings the project's admin pages share."""

from __future__ import annotations

from django.contrib.admin import widgets
from django.db import models

#: `formfield_overrides` of an admin with web addresses: one typed without its scheme
#: (“klasteriai.lt”) is taken as https://, as the imports take it (Django 5.2 still assumes
#: http://; Django 6 assumes https:// by default).
HTTPS_URLS = {models.URLField: {"widget": widgets.AdminURLFieldWidget, "assume_scheme": "https"}}
