"""What every area's forms share: DKFDS widget classes and the date widget."""

from decimal import Decimal

from django import forms

from ..numbers import format_input

DATE_WIDGET = forms.DateInput(attrs={"type": "date", "class": "form-input"}, format="%Y-%m-%d")
MONTH_WIDGET = forms.DateInput(attrs={"type": "month", "class": "form-input"}, format="%Y-%m")


def dkfds_style(form: forms.Form) -> None:
    """DKFDS classes on every widget, so templates can render fields uniformly."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxSelectMultiple | forms.CheckboxInput):
            widget.attrs.setdefault("class", "form-checkbox")
        elif isinstance(widget, forms.Select):
            widget.attrs.setdefault("class", "form-select")
        else:
            widget.attrs.setdefault("class", "form-input")
        if isinstance(widget, forms.Textarea):
            widget.attrs.setdefault("rows", 3)
    # Stored decimals have four places; show "52" and "12,5", not "52,0000".
    for name, field in form.fields.items():
        if isinstance(field, forms.DecimalField) and isinstance(form.initial.get(name), Decimal):
            form.initial[name] = format_input(form.initial[name])
