"""Helpers for tests that post an admin change form as a browser would."""

from __future__ import annotations

from typing import Any


def change_form_data(response: Any) -> dict[str, object]:
    """The admin page's form, with its inlines, as the browser would post it unchanged."""
    data: dict[str, object] = {}

    def add(form: Any) -> None:
        for bound in form:
            value = bound.value()
            if value is None or value is False:
                continue
            data[bound.html_name] = "on" if value is True else value

    add(response.context["adminform"].form)
    for inline in response.context.get("inline_admin_formsets", []):  # none on a past version's page
        formset = inline.formset
        for field in formset.management_form:
            data[field.html_name] = field.value()
        for form in formset.forms:
            add(form)
    return data


def confirm(client: Any, url: str, **kwargs: Any) -> Any:
    """Open a confirmation page and confirm it as a browser would: with what the page showed
    (`shown`, which the page's form sends back)."""
    page = client.get(url)
    return client.post(url, {"shown": page.context["shown"]}, **kwargs)
