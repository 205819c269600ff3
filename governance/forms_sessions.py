"""The forms of the session pages (design-system classes from governance.forms.UswdsForm)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy

from core.bounds import DateTimeFormField
from core.validators import MOTION_TEXT_MAX, NOTE_MAX, validate_name
from governance.forms import UswdsForm
from governance.models import Council, ItemKind, Motion, SessionFormat, SessionKind

LINE_MAX = 100_000


class SessionForm(UswdsForm):
    council = forms.ModelChoiceField(
        queryset=Council.objects.none(),
        label=gettext_lazy("Council"),
        to_field_name="code",
        empty_label=None,
    )
    kind = forms.ChoiceField(choices=SessionKind.choices, label=gettext_lazy("Kind"))
    title = forms.CharField(max_length=300, label=gettext_lazy("Title"), validators=[validate_name])
    starts_at = DateTimeFormField(label=gettext_lazy("Starts"))
    ends_at = DateTimeFormField(label=gettext_lazy("Ends"))
    format = forms.ChoiceField(choices=SessionFormat.choices, label=gettext_lazy("Format"))
    place = forms.CharField(max_length=300, required=False, label=gettext_lazy("Place"))
    online_url = forms.URLField(
        max_length=500,
        required=False,
        assume_scheme="https",
        label=gettext_lazy("Online meeting link"),
    )

    def __init__(self, *args: Any, councils: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if councils is not None:
            self.fields["council"].queryset = councils  # type: ignore[attr-defined]


class AgendaItemForm(UswdsForm):
    kind = forms.ChoiceField(
        choices=[
            (ItemKind.INFORMATION, ItemKind.INFORMATION.label),
            (ItemKind.MOTION, ItemKind.MOTION.label),
        ],
        label=gettext_lazy("Kind"),
    )
    title = forms.CharField(
        max_length=300,
        required=False,
        label=gettext_lazy("Title"),
        validators=[validate_name],
        help_text=gettext_lazy("For an item for decision, empty takes the motion's title."),
    )
    motion = forms.ModelChoiceField(
        queryset=Motion.objects.none(),
        required=False,
        label=gettext_lazy("Motion (for an item for decision)"),
        to_field_name="reference",
    )
    description = forms.CharField(
        max_length=NOTE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label=gettext_lazy("Description"),
    )

    def __init__(self, *args: Any, motions: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if motions is not None:
            self.fields["motion"].queryset = motions  # type: ignore[attr-defined]


class CheckInForm(UswdsForm):
    people = forms.MultipleChoiceField(
        choices=(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=gettext_lazy("Who of the delegation is present"),
    )

    def __init__(self, *args: Any, people: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["people"].choices = [(str(pk), label) for pk, label in people]  # type: ignore[attr-defined]
        self.fields["people"].widget.attrs["class"] = "usa-checkbox__input"


class MarkForm(UswdsForm):
    member_state = forms.CharField(max_length=2, label=gettext_lazy("State"))
    present = forms.ChoiceField(
        choices=[("1", gettext_lazy("present")), ("0", gettext_lazy("absent"))],
        label=gettext_lazy("Presence"),
    )


class AmendmentForm(UswdsForm):
    line_from = forms.IntegerField(min_value=1, max_value=LINE_MAX, label=gettext_lazy("From line"))
    line_to = forms.IntegerField(min_value=1, max_value=LINE_MAX, label=gettext_lazy("To line"))
    new_text = forms.CharField(
        max_length=MOTION_TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        label=gettext_lazy("The lines to read"),
        help_text=gettext_lazy("Leave empty to delete the lines."),
    )
    reason = forms.CharField(
        max_length=NOTE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label=gettext_lazy("Reason"),
    )


class ArrangeForm(UswdsForm):
    group = forms.CharField(max_length=100, required=False, label=gettext_lazy("Group"))
    position = forms.IntegerField(min_value=0, max_value=32_767, label=gettext_lazy("Order"))


class SummaryForm(UswdsForm):
    position = forms.IntegerField(min_value=1, max_value=32_767, widget=forms.HiddenInput)
    text = forms.CharField(
        max_length=MOTION_TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        label=gettext_lazy("Summary of the discussion"),
    )


class CommentForm(UswdsForm):
    text = forms.CharField(
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        label=gettext_lazy("Your delegation's comment"),
    )
