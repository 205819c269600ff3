"""The forms of governance's pages, drawn with the design system's classes (USWDS).

Forms only read and check what a person typed; every write goes through a service.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy

from core.bounds import DateTimeFormField
from core.validators import MOTION_TEXT_MAX, validate_name
from governance.models import (
    TITLE_MAX,
    BallotChoice,
    Council,
    MotionKind,
    Procedure,
    Programme,
    ResearchProject,
    validate_title_translations,
)


class UswdsForm(forms.Form):
    """A form whose widgets carry the design system's classes and point at their hint and error.

    Each input names its hint (`<id>-hint`) and, once refused, its error (`<id>-error`) in
    `aria-describedby`, so a screen reader reads them with the field; the templates write
    those elements under the same ids (governance/_field.html).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "usa-checkbox__input"
            elif isinstance(widget, forms.RadioSelect):
                css = "usa-radio__input"
            elif isinstance(widget, forms.Select):
                css = "usa-select"
            elif isinstance(widget, forms.Textarea):
                css = "usa-textarea"
            elif isinstance(widget, forms.FileInput):
                css = ""
            else:
                css = "usa-input"
            if css:
                widget.attrs["class"] = css
            if field.help_text:
                widget.attrs["aria-describedby"] = f"{self[name].auto_id}-hint"

    def add_error(self, field: str | None, error: Any) -> None:
        super().add_error(field, error)
        if field and field in self.fields:
            widget = self.fields[field].widget
            ids = [i for i in (widget.attrs.get("aria-describedby") or "").split() if i]
            error_id = f"{self[field].auto_id}-error"
            if error_id not in ids:
                ids.append(error_id)
            widget.attrs["aria-describedby"] = " ".join(ids)
            widget.attrs["aria-invalid"] = "true"


# Titles are filed in English; readers of these languages may be given their own. A language
# added to settings.LANGUAGES gets its field here.
TRANSLATED_TITLE_LANGUAGES = ("de", "fr")
TRANSLATION_HINT = gettext_lazy(
    "Shown to readers of this language instead of the title above; left empty, they read the "
    "title as filed."
)


class MotionWordsForm(UswdsForm):
    """The words of a draft: its title as filed, the title in the other languages, its text."""

    title = forms.CharField(
        max_length=TITLE_MAX, label=gettext_lazy("Title"), validators=[validate_name]
    )
    title_de = forms.CharField(
        required=False,
        max_length=TITLE_MAX,
        label=gettext_lazy("Title in German"),
        help_text=TRANSLATION_HINT,
        validators=[validate_name],
    )
    title_fr = forms.CharField(
        required=False,
        max_length=TITLE_MAX,
        label=gettext_lazy("Title in French"),
        help_text=TRANSLATION_HINT,
        validators=[validate_name],
    )
    text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}),
        label=gettext_lazy("Text"),
        max_length=MOTION_TEXT_MAX,
    )

    def title_translations(self) -> dict[str, str]:
        """The translated titles given, as the motion stores them ({"de": ..., "fr": ...})."""
        return {
            lang: self.cleaned_data[f"title_{lang}"].strip()
            for lang in TRANSLATED_TITLE_LANGUAGES
            if (self.cleaned_data.get(f"title_{lang}") or "").strip()
        }

    def clean(self) -> dict[str, Any] | None:
        data = super().clean()
        try:
            validate_title_translations(self.title_translations())
        except ValidationError as exc:
            self.add_error(None, exc)
        return data


# The times are read and shown in the zone the person's pages use (their preference, else the
# facility's), so the hint names that zone when the form is drawn, not the facility's.
WINDOW_HINT = format_lazy(
    gettext_lazy("In your pages' time zone, {zone}."),
    zone=lazy(timezone.get_current_timezone_name, str)(),
)


class MotionEditForm(MotionWordsForm):
    """What may still change in a draft: its words, window and form (not its council or kind).

    A new draft (MotionForm) is this and its council, kind and project.
    """

    opens_at = DateTimeFormField(
        label=gettext_lazy("Voting opens"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=WINDOW_HINT,
    )
    closes_at = DateTimeFormField(
        label=gettext_lazy("Voting closes"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=WINDOW_HINT,
    )
    procedure = forms.ChoiceField(
        choices=Procedure.choices,
        label=gettext_lazy("Procedure"),
        help_text=gettext_lazy(
            "Silence procedure: the motion is adopted unless a delegation objects (votes no) "
            "by the closing time; nobody needs to vote yes."
        ),
    )
    programme = forms.ModelChoiceField(
        queryset=Programme.objects.all(),
        required=False,
        to_field_name="code",
        label=gettext_lazy("Programme"),
        empty_label=gettext_lazy("— the whole council —"),
        help_text=gettext_lazy(
            "A programme's matter: only the states taking part in it vote, weighted by its own "
            "contribution key."
        ),
    )
    secret = forms.BooleanField(
        required=False,
        label=gettext_lazy("Secret ballot"),
        help_text=gettext_lazy(
            "Nobody, not even the secretariat, can tell afterwards how a state voted. Not "
            "possible under a weighted rule."
        ),
    )


class MotionForm(MotionEditForm):
    """A new draft: the council, the kind (and its project), the words, the voting window."""

    council = forms.ModelChoiceField(
        queryset=Council.objects.all(),
        label=gettext_lazy("Council"),
        to_field_name="code",
        empty_label=None,
    )
    kind = forms.ChoiceField(
        choices=MotionKind.choices,
        label=gettext_lazy("Kind"),
        help_text=gettext_lazy(
            "The kind decides the voting rule: see the rules listed beside this form, or press "
            "“Show the voting rule” to see the one this draft will be counted under."
        ),
    )
    project = forms.ModelChoiceField(
        queryset=ResearchProject.objects.none(),
        required=False,
        to_field_name="code",
        label=gettext_lazy("Project (for a project approval)"),
        empty_label=gettext_lazy("— no project —"),
        help_text=gettext_lazy(
            "Proposed projects that no approval vote is under way for. The GPU-hours put to the "
            "vote are those the proposal asks for."
        ),
    )
    field_order = ("council", "kind", "project", "title", "title_de", "title_fr", "text")

    def __init__(self, *args: Any, councils: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from governance import selectors

        if councils is not None:
            self.fields["council"].queryset = councils  # type: ignore[attr-defined]
        project = self.fields["project"]
        project.queryset = selectors.projects_awaiting_decision()  # type: ignore[attr-defined]
        project.label_from_instance = lambda p: f"{p.code} — {p.title}"  # type: ignore[attr-defined]


class VoteForm(forms.Form):
    member_state = forms.CharField(max_length=2)
    choice = forms.ChoiceField(choices=BallotChoice.choices, label=gettext_lazy("Your vote"))


class DocumentForm(UswdsForm):
    title = forms.CharField(
        max_length=TITLE_MAX, label=gettext_lazy("Title"), validators=[validate_name]
    )
    file = forms.FileField(label=gettext_lazy("File"))


class WithdrawForm(UswdsForm):
    reason = forms.CharField(
        max_length=2_000,
        widget=forms.Textarea(attrs={"rows": 3}),
        label=gettext_lazy("Reason for the withdrawal"),
        help_text=gettext_lazy("Recorded with the motion and in the audit trail."),
    )
