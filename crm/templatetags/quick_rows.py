"""`{% quick_result_list cl %}`: Django's `{% result_list cl %}`, with the rows of the product's
lists rendered by `crm.admin.rows.quick_results` (see templates/admin/change_list.html)."""

from __future__ import annotations

from typing import Any

from django.contrib.admin.templatetags import admin_list
from django.contrib.admin.templatetags.base import InclusionAdminNode
from django.template import Library

from crm.admin.rows import quick_results, quick_rows_apply

register = Library()


def quick_result_list(cl: Any) -> dict[str, Any]:
    if not quick_rows_apply(cl):
        return admin_list.result_list(cl)
    headers = list(admin_list.result_headers(cl))
    return {
        "cl": cl,
        "result_hidden_fields": list(admin_list.result_hidden_fields(cl)),
        "result_headers": headers,
        "num_sorted_fields": sum(1 for header in headers if header["sortable"] and header["sorted"]),
        "results": list(quick_results(cl)),
    }


@register.tag(name="quick_result_list")
def quick_result_list_tag(parser: Any, token: Any) -> InclusionAdminNode:
    return InclusionAdminNode(
        parser, token, func=quick_result_list, template_name="change_list_results.html", takes_context=False
    )
