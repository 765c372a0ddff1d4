"""Forms of the position paper admin's own pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from positions import selectors
from positions.models import Dispatch, PositionPaper, Rendering


class DispatchForm(forms.Form):
    """Recording that an approved paper was sent (or e-mailing it now)."""

    rendering = forms.ModelChoiceField(
        label=_("PDF sent"), queryset=Rendering.objects.none(), empty_label=None
    )
    channel = forms.ChoiceField(label=_("channel"), choices=Dispatch.Channel.choices)
    recipient = forms.CharField(
        label=_("recipient"), max_length=255, help_text=_("For an e-mail sent now: the e-mail address.")
    )
    sent_on = forms.DateField(label=_("sent on"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("note"), max_length=255, required=False)
    send_email_now = forms.BooleanField(
        label=_("send the PDF by e-mail now"),
        required=False,
        help_text=_("With the e-mail channel: the system sends the PDF to the recipient's address."),
    )

    def __init__(self, *args: Any, paper: PositionPaper, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.paper = paper
        self.fields["rendering"].queryset = selectors.paper_sendable_renderings(paper=paper)
        self.fields["rendering"].label_from_instance = lambda r: (
            f"v{r.version} · {timezone.localtime(r.created_at):%Y-%m-%d %H:%M} · {r.sha256[:12]}…"
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("send_email_now"):
            if cleaned.get("channel") != Dispatch.Channel.EMAIL:
                self.add_error("channel", _("Only the e-mail channel can send the PDF now."))
            else:
                recipient = cleaned.get("recipient", "")
                try:
                    forms.EmailField().clean(recipient)
                except forms.ValidationError:
                    self.add_error("recipient", _("Give an e-mail address to send the PDF to."))
        return cleaned


class WithdrawApprovalForm(forms.Form):
    """Taking an approved, unsent paper back to draft: the reason is kept with the cancelled number."""

    reason = forms.CharField(
        label=_("reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Why the approval is withdrawn; kept in the journal with the cancelled number."),
    )
