"""Form field settings the project's admin pages share."""

from __future__ import annotations

from django.contrib.admin import widgets
from django.db import models

#: `formfield_overrides` of an admin with web addresses: one typed without its scheme
#: (“klasteriai.lt”) is taken as https://, as the imports take it (Django 5.2 still assumes
#: http://; Django 6 assumes https:// by default).
HTTPS_URLS = {models.URLField: {"widget": widgets.AdminURLFieldWidget, "assume_scheme": "https"}}

#: `formfield_overrides` of an admin with sums of money: shown and typed in the page language's
#: format ("600,50" in Lithuanian, as the lists show them; "600.50" is still understood).
LOCALIZED_DECIMALS = {models.DecimalField: {"localize": True}}
