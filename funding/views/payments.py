"""Recording payments and reversals, and each state's account."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.actors import Actor
from core.bounds import DateFormField, decimal_form_field
from core.l10n import country_name, money
from core.uswds import UswdsFormMixin
from core.validators import NOTE_MAX
from funding import clock, fx, ledger, selectors, services
from funding.models import (
    FiscalYear,
    LedgerEntry,
    Payment,
    VoluntaryContribution,
    VoluntaryKind,
    YearBalance,
)
from funding.templatetags.funding_format import rate
from funding.views.common import attempt, context, finance_page, state_choices
from governance import selectors as governance_selectors

if TYPE_CHECKING:
    pass


class PaymentForm(UswdsFormMixin, forms.Form):
    member_state = forms.ModelChoiceField(
        queryset=governance_selectors.member_state_list(),
        to_field_name="code",
        label=gettext_lazy("Member state"),
    )
    value_date = DateFormField(
        label=gettext_lazy("Value date"),
        help_text=gettext_lazy("The day the bank credited the money."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    amount = decimal_form_field(
        Payment._meta.get_field("amount"),
        label=gettext_lazy("Amount received"),
        help_text=gettext_lazy("As the bank received it, in its own currency, e.g. 10000000.00."),
    )
    currency = forms.RegexField(
        regex=r"^[A-Za-z]{3}$",
        max_length=3,
        label=gettext_lazy("Currency (ISO 4217, e.g. EUR, USD)"),
    )
    reference = forms.CharField(
        max_length=100, required=False, label=gettext_lazy("Bank reference")
    )
    note = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=NOTE_MAX,
        label=gettext_lazy("Note"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["member_state"].choices = state_choices(_("Choose a member state"))  # type: ignore[attr-defined]


@finance_page
def payment_new(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    """Record money received in two steps: check the conversion, then record it.

    The first step shows the ECB rate, its date and the converted amount and saves nothing; the
    second checks everything again and records only if the conversion is still the one shown.
    """
    initial = {"value_date": clock.today(), "currency": selectors.base_currency()}
    if code := request.GET.get("state"):
        initial["member_state"] = code
    form = PaymentForm(request.POST or None, initial=initial)
    action = request.POST.get("action", "preview")
    crumbs = [(_("Record a payment"), None)]
    if request.method == "POST" and action != "edit" and form.is_valid():
        data = form.cleaned_data
        ok, preview = attempt(
            request,
            lambda: services.payment_preview(
                actor=actor,
                member_state=data["member_state"],
                value_date=data["value_date"],
                amount=data["amount"],
                currency=data["currency"].upper(),
            ),
            form=form,
        )
        changed = (
            ok
            and action == "record"
            and (request.POST.get("expected_cents") != str(preview.base_cents))
        )
        if ok and action == "record" and not changed:
            ok, payment = attempt(
                request,
                lambda: services.payment_record(
                    actor=actor,
                    member_state=data["member_state"],
                    value_date=data["value_date"],
                    amount=data["amount"],
                    currency=data["currency"].upper(),
                    reference=data["reference"],
                    note=data["note"],
                ),
                form=form,
            )
            if ok:
                messages.success(request, _payment_message(payment))
                return HttpResponseRedirect(
                    reverse("funding:state_account", args=[payment.member_state.code])
                )
        elif ok:
            return render(
                request,
                "funding/payment_confirm.html",
                context(
                    actor,
                    crumbs=crumbs,
                    form=form,
                    preview=preview,
                    reference=data["reference"],
                    note=data["note"],
                    changed=changed,
                ),
            )
    return render(request, "funding/payment_form.html", context(actor, crumbs=crumbs, form=form))


def _payment_message(payment: Payment) -> str:
    values = {
        "amount": money(payment.amount, payment.currency),
        "state": country_name(payment.member_state.code, payment.member_state.name),
        "converted": money(fx.cents_to_decimal(payment.base_amount_cents), payment.base_currency),
        "rate": rate(payment.rate, 4),
        "currency": payment.currency,
        "base": payment.base_currency,
        "date": formats.date_format(payment.rate_date, "DATE_FORMAT"),
        "value": formats.date_format(payment.value_date, "DATE_FORMAT"),
    }
    if payment.currency == payment.base_currency:
        return _("%(amount)s recorded for %(state)s.") % values
    if payment.rate_date != payment.value_date:
        return (
            _(
                "%(amount)s recorded for %(state)s as %(converted)s, at %(rate)s %(currency)s "
                "per %(base)s: the ECB rate of %(date)s, the last day with a rate before the "
                "value date %(value)s."
            )
            % values
        )
    return (
        _(
            "%(amount)s recorded for %(state)s as %(converted)s, at %(rate)s %(currency)s per "
            "%(base)s: the ECB rate of %(date)s."
        )
        % values
    )


@finance_page
@require_POST
def payment_reverse(request: HttpRequest, payment_id: int, *, actor: Actor) -> HttpResponse:
    payment = get_object_or_404(Payment.objects.select_related("member_state"), pk=payment_id)
    reason = request.POST.get("reason", "")
    ok, _reversal = attempt(
        request, lambda: services.payment_reverse(actor=actor, payment=payment, reason=reason)
    )
    if ok:
        messages.success(request, _("The payment is reversed; the account is corrected."))
    return HttpResponseRedirect(reverse("funding:state_account", args=[payment.member_state.code]))


@finance_page
def state_account(request: HttpRequest, code: str, *, actor: Actor) -> HttpResponse:
    """A state's account: balances per year, credit, arrears, every entry and payment."""
    state = get_object_or_404(governance_selectors.member_state_list(), code=code.upper())
    position = ledger.balances(selectors.entries_of(state))
    return render(
        request,
        "funding/state_account.html",
        context(
            actor,
            crumbs=[
                (
                    _("Account of %(state)s") % {"state": country_name(state.code, state.name)},
                    None,
                )
            ],
            state=state,
            position=position,
            balances=YearBalance.objects.filter(member_state=state)
            .select_related("fiscal_year")
            .order_by("fiscal_year__year"),
            account=selectors.account_of(state),
            entries=LedgerEntry.objects.filter(member_state=state)
            .select_related("fiscal_year", "call", "reverses")
            .order_by("id"),
            payments=selectors.payments_of(state),
            voluntary=VoluntaryContribution.objects.filter(member_state=state)
            .select_related("fiscal_year")
            .order_by("received_on", "id"),
            suspension=selectors.suspension_current(state),
            exemption=selectors.exemption_current(state, clock.today()),
            base_currency=selectors.base_currency(),
        ),
    )


class VoluntaryForm(UswdsFormMixin, forms.Form):
    member_state = forms.ModelChoiceField(
        queryset=governance_selectors.member_state_list(),
        to_field_name="code",
        label=gettext_lazy("Member state"),
    )
    fiscal_year = forms.ModelChoiceField(
        queryset=FiscalYear.objects.order_by("-year"),
        to_field_name="year",
        label=gettext_lazy("Fiscal year"),
    )
    kind = forms.ChoiceField(choices=VoluntaryKind.choices, label=gettext_lazy("Kind"))
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        label=gettext_lazy("Description"),
        max_length=NOTE_MAX,
    )
    received_on = DateFormField(
        label=gettext_lazy("Received on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    amount = decimal_form_field(
        VoluntaryContribution._meta.get_field("amount"),
        label=gettext_lazy("Amount, or value of a contribution in kind"),
    )
    currency = forms.RegexField(
        regex=r"^[A-Za-z]{3}$", max_length=3, label=gettext_lazy("Currency")
    )
    valuation_basis = forms.CharField(
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        label=gettext_lazy("Basis of the valuation (contributions in kind)"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["member_state"].choices = state_choices(_("Choose a member state"))  # type: ignore[attr-defined]


@finance_page
def voluntary_new(request: HttpRequest, *, actor: Actor) -> HttpResponse:
    """Record a voluntary contribution, or one in kind with its valuation and how it was made."""
    form = VoluntaryForm(
        request.POST or None,
        initial={"received_on": clock.today(), "currency": selectors.base_currency()},
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["currency"] = data["currency"].upper()
        ok, contribution = attempt(
            request, lambda: services.voluntary_record(actor=actor, **data), form=form
        )
        if ok:
            messages.success(request, _("The contribution is recorded."))
            return HttpResponseRedirect(
                reverse("funding:state_account", args=[contribution.member_state.code])
            )
    return render(
        request,
        "funding/voluntary_form.html",
        context(actor, crumbs=[(_("Voluntary and in-kind"), None)], form=form),
    )
