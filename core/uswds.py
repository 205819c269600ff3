"""Django forms dressed in the U.S. Web Design System's classes, so templates stay plain loops."""

from __future__ import annotations

from typing import Any

from django import forms

_CLASSES = {
    "select": "usa-select",
    "selectmultiple": "usa-select",
    "nullbooleanselect": "usa-select",
    "textarea": "usa-textarea",
    "checkboxinput": "usa-checkbox__input",
    "checkboxselectmultiple": "usa-checkbox__input",
    "radioselect": "usa-radio__input",
    "fileinput": "usa-file-input",
    "clearablefileinput": "usa-file-input",
}


def widget_class(widget: forms.Widget) -> str:
    """The USWDS class for a widget: usa-input unless it is a select, a text area, a choice…"""
    return _CLASSES.get(widget.__class__.__name__.lower(), "usa-input")


class UswdsFormMixin:
    """Gives every widget its USWDS class (templates/core/_field.html lays the field out).

    Django itself points a field at its hint and its error message (aria-describedby
    "<id>_helptext <id>_error"); the partial gives those elements these ids.
    """

    fields: dict[str, forms.Field]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = widget_class(field.widget)
            existing = field.widget.attrs.get("class", "")
            field.widget.attrs["class"] = f"{existing} {css}".strip()
