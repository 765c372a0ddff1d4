"""Forms of the position paper admin's own pages."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from positions import selectors, services
from positions.models import Dispatch, PositionPaper, Rendering, normalise_newlines


class MultilineTextField(forms.CharField):
    """A textarea's text with its line breaks as the paper keeps them (LF): browsers send them as
    CRLF. Text posted back unchanged is then unchanged, and a section or proposal line written
    from the members' answers does not look edited by hand for its line breaks."""

    def to_python(self, value: Any) -> Any:
        value = super().to_python(value)
        return normalise_newlines(value) if isinstance(value, str) else value


class PositionPaperForm(forms.ModelForm):
    """The paper's change page. It carries when the paper was last changed as the page was loaded
    (`loaded`, hidden): saving a paper a colleague changed since is refused, with what was typed
    kept on the page, instead of silently overwriting their work."""

    loaded = forms.CharField(label=capfirst(_("page loaded at")), widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields["loaded"].initial = self.instance.updated_at.isoformat()

    @property
    def loaded_updated_at(self) -> datetime.datetime | None:
        """When the paper had last changed as the page was loaded; None if the page did not say."""
        try:
            return datetime.datetime.fromisoformat(self.cleaned_data.get("loaded") or "")
        except ValueError:
            return None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.instance.pk is not None:
            # Checked here, and not only when the paper is saved, for the refusal to be shown on
            # the form with everything typed (the sections and lines too) still on it. The row
            # stays locked until the page's transaction ends, so the save finds it as checked.
            try:
                services.paper_require_unchanged(
                    paper=self.instance, expected_updated_at=self.loaded_updated_at
                )
            except ValidationError as error:
                self.add_error(None, error)
        return cleaned


class DispatchForm(forms.Form):
    """Recording that an approved paper was sent (or e-mailing it now). Whom it went to is a name
    (the addressee as the letter names it); where an e-mail sent now goes, an address of its own
    (the institution's, as the CRM has it): the page fills in both (`initial_for`)."""

    rendering = forms.ModelChoiceField(
        label=_("PDF sent"), queryset=Rendering.objects.none(), empty_label=None
    )
    channel = forms.ChoiceField(label=capfirst(_("channel")), choices=Dispatch.Channel.choices)
    recipient = forms.CharField(
        label=capfirst(_("recipient")),
        max_length=255,
        required=False,
        help_text=_("Whom the paper was sent to; empty: the addressee as the letter names it."),
    )
    email = forms.EmailField(
        label=capfirst(_("addressee's e-mail")),
        max_length=255,  # the dispatch records it as its recipient
        required=False,
        help_text=_("Where an e-mail sent now goes; the dispatch records this address as the recipient."),
    )
    sent_on = forms.DateField(label=capfirst(_("sent on")), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=capfirst(_("note")), max_length=255, required=False)
    send_email_now = forms.BooleanField(
        label=capfirst(_("send the PDF by e-mail now")),
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

    @staticmethod
    def initial_for(paper: PositionPaper) -> dict[str, Any]:
        """The form as the page first shows it: the addressee's name and e-mail, today."""
        return {
            "recipient": services.paper_default_recipient(paper),
            "email": services.paper_email_address(paper),
            "sent_on": timezone.localdate(),
        }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("send_email_now"):
            if cleaned.get("channel") != Dispatch.Channel.EMAIL:
                self.add_error("channel", _("Only the e-mail channel can send the PDF now."))
            elif not cleaned.get("email") and "email" not in self.errors:
                self.add_error("email", _("Give an e-mail address to send the PDF to."))
        return cleaned


class WithdrawApprovalForm(forms.Form):
    """Taking an approved, unsent paper back to draft: the reason is kept with the cancelled number."""

    reason = forms.CharField(
        label=capfirst(_("reason")),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Why the approval is withdrawn; kept in the journal with the cancelled number."),
    )
