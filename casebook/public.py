"""The villager's page behind the card's QR code: no login, mobile-first.

It shows the household's own member and the household's own requests, and nothing else.
An unknown and a replaced token get the same answer, so nobody learns which tokens exist.
Views are rate-limited per address, submissions also per card.
"""

import re

from django.conf import settings
from django.contrib import messages
from django.db.models import Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from base.media import bytes_response
from casebook import services as casebook
from casebook.forms import CardAddForm, CardRequestForm, voice_bytes
from casebook.models import OPEN_STATUSES, RequestSource, Satisfaction, VoiceNote
from households import services as registry
from households.forms import CardCodeForm
from households.models import ConsentVia, Household, HouseholdStatus
from households.selectors import open_assignment
from infra import ratelimit
from infra.audit import client_ip
from notify.models import mask_phone
from notify.selectors import opted_out
from notify.services import is_mobile


def _limited(request: HttpRequest) -> HttpResponse:
    return render(request, "casebook/card_limited.html", status=429)


CARD_CODE_RE = re.compile(r"^[2-9A-HJ-NP-Z]{10}$", re.ASCII)
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$", re.ASCII)  # token_urlsafe's alphabet


def _household(token: str) -> Household | None:
    if not TOKEN_RE.match(token):  # a NUL or stray byte never reaches the database
        return None
    link = open_assignment()
    return (
        Household.objects.filter(card_token=token, status=HouseholdStatus.ACTIVE)
        .select_related("village__township")
        .annotate(
            member_name=Subquery(link.values("member__name")[:1]),
            member_phone=Subquery(link.values("member__phone")[:1]),
        )
        .first()
    )


def _submit_allowed(request: HttpRequest, token: str) -> bool:
    """Raising a matter and adding to one share the card's and the address's hourly budget."""
    return ratelimit.hit(
        f"card-submit-token:{token}",
        limit=settings.CARD_SUBMIT_PER_TOKEN_PER_HOUR,
        seconds=3600,
    ) and ratelimit.hit(
        f"card-submit-ip:{client_ip(request)}",
        limit=settings.CARD_SUBMIT_PER_IP_PER_HOUR,
        seconds=3600,
    )


def _views_allowed(request: HttpRequest) -> bool:
    return ratelimit.hit(
        f"card-view:{client_ip(request)}", limit=settings.CARD_VIEWS_PER_IP_PER_MINUTE, seconds=60
    )


@never_cache
@require_http_methods(["GET", "POST"])
def card_page(request: HttpRequest, token: str) -> HttpResponse:
    if not _views_allowed(request):
        return _limited(request)
    household = _household(token)
    if household is None:
        return render(request, "casebook/card_invalid.html", status=404)
    form = CardRequestForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if not _submit_allowed(request, token):
            return _limited(request)
        if form.is_valid():
            try:
                casebook.request_raise(
                    household=household,
                    category=form.cleaned_data["category"],
                    description=form.cleaned_data["description"],
                    contact_phone=form.cleaned_data["contact_phone"],
                    source=RequestSource.CARD,
                    actor_label=casebook.HOUSEHOLD_LABEL,
                    voice=voice_bytes(form.cleaned_data["voice"]),
                )
            except casebook.CasebookError as error:
                messages.error(request, str(error))
            else:
                messages.success(
                    request, _("Your matter is recorded. Your member will get back to you.")
                )
                return redirect("card", token=token)
    requests = list(household.requests.select_related("category").order_by("-created_at")[:30])
    voices: dict[int, list] = {}
    for note in VoiceNote.objects.filter(request__in=requests).only("request_id", "seconds"):
        voices.setdefault(note.request_id, []).append(note)
    for matter in requests:
        matter.voices = voices.get(matter.pk, [])
        matter.can_add = matter.status in OPEN_STATUSES
        matter.add_form = CardAddForm(auto_id=f"add{matter.pk}-%s") if matter.can_add else None
    return render(
        request,
        "casebook/card_public.html",
        {
            "household": household,
            "form": form,
            "requests": requests,
            "token": token,
            "sms_phone": mask_phone(household.phone) if is_mobile(household.phone) else "",
            "sms_on": household.sms_consent and not opted_out(household.phone),
        },
    )


@never_cache
@require_POST
def card_add(request: HttpRequest, token: str, pk: int) -> HttpResponse:
    """The household adds words or a voice message to one of its open matters."""
    if not _views_allowed(request):
        return _limited(request)
    household = _household(token)
    if household is None:
        return render(request, "casebook/card_invalid.html", status=404)
    matter = household.requests.filter(pk=pk).first()
    if matter is None:
        raise Http404
    if not _submit_allowed(request, token):
        return _limited(request)
    form = CardAddForm(request.POST, request.FILES)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, errors[0])
        return redirect("card", token=token)
    try:
        casebook.request_add(
            request=matter,
            text=form.cleaned_data["text"],
            voice=voice_bytes(form.cleaned_data["voice"]),
        )
    except casebook.CasebookError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Added. Your member will see it with the matter."))
    return redirect("card", token=token)


@never_cache
@require_safe
def card_voice(request: HttpRequest, token: str, pk: int) -> HttpResponse:
    """A voice message of this household's own matters, for its card page to play."""
    if not _views_allowed(request):
        return _limited(request)
    household = _household(token)
    note = household and VoiceNote.objects.filter(pk=pk, request__household=household).first()
    if not note:
        raise Http404
    return bytes_response(request, bytes(note.data), note.content_type)


@never_cache
@require_POST
def card_confirm(request: HttpRequest, token: str, pk: int) -> HttpResponse:
    """The household says whether the reply solved its matter."""
    if not _views_allowed(request):
        return _limited(request)
    household = _household(token)
    if household is None:
        return render(request, "casebook/card_invalid.html", status=404)
    matter = household.requests.filter(pk=pk).first()
    if matter is None:
        raise Http404
    rating = request.POST.get("rating") or {"yes": "satisfied", "no": "unsatisfied"}.get(
        request.POST.get("solved", "")
    )
    if rating not in Satisfaction.values:
        messages.error(request, _("Choose satisfied, basically satisfied or not satisfied."))
        return redirect("card", token=token)
    try:
        casebook.request_rate(
            request=matter, rating=rating, text=(request.POST.get("text") or "")[:500]
        )
    except casebook.CasebookError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("We have reopened the matter; your member will follow it up.")
            if rating == Satisfaction.UNSATISFIED
            else _("Thank you for your rating; the matter is closed."),
        )
    return redirect("card", token=token)


@never_cache
@require_POST
def card_sms(request: HttpRequest, token: str) -> HttpResponse:
    """The household ticks or unticks "text me when there is a reply" (its consent)."""
    if not _views_allowed(request):
        return _limited(request)
    household = _household(token)
    if household is None:
        return render(request, "casebook/card_invalid.html", status=404)
    consent = request.POST.get("consent") == "1"
    try:
        registry.household_sms_consent(household=household, consent=consent, via=ConsentVia.CARD)
    except registry.RegistryError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("We will text you when there is a reply.")
            if consent
            else _("Done: you will get no more text messages."),
        )
    return redirect("card", token=token)


@never_cache
@require_safe
def card_short(request: HttpRequest, code: str) -> HttpResponse:
    """The short link of a reply's text message (/k/<card code>/): opens the card page."""
    if not _views_allowed(request):
        return _limited(request)
    code = code.replace("-", "").upper()
    household = None
    if CARD_CODE_RE.match(code):
        household = (
            Household.objects.filter(card_code=code, status=HouseholdStatus.ACTIVE)
            .only("card_token")
            .first()
        )
    if household is None:
        return render(request, "casebook/card_invalid.html", status=404)
    return redirect("card", token=household.card_token)


@never_cache
@require_http_methods(["GET", "POST"])
def card_lookup(request: HttpRequest) -> HttpResponse:
    """For people who type the code printed under the QR code instead of scanning it."""
    form = CardCodeForm(request.POST or None)
    if request.method == "POST":
        if not ratelimit.hit(
            f"card-code:{client_ip(request)}",
            limit=settings.CARD_CODE_PER_IP_PER_MINUTE,
            seconds=60,
        ):
            return _limited(request)
        if form.is_valid():
            household = (
                Household.objects.filter(
                    card_code=form.cleaned_data["code"], status=HouseholdStatus.ACTIVE
                )
                .only("card_token")
                .first()
            )
            if household:
                return redirect("card", token=household.card_token)
            form.add_error("code", _("This code is not valid. Check the card, or ask your member."))
    return render(request, "casebook/card_lookup.html", {"form": form})
