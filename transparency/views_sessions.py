"""The portal's council sessions: past sessions, their approved minutes (HTML as frozen, and PDF
in each language) with the hashes of the decisions they record."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from governance.selectors.sessions import (
    approved_minutes_version,
    published_decisions,
    session_agenda_public,
    sessions_public,
)
from transparency.cache import cached

PRINT_CSS = "transparency/print/minutes.css"


def _crumbs(*trail: tuple[Any, str]) -> list[dict[str, str]]:
    home = {"label": str(_("Transparency portal")), "url": reverse("transparency:home")}
    return [home, *({"label": str(label), "url": url} for label, url in trail)]


@cached
def session_list(request: HttpRequest) -> HttpResponse:
    """Past sessions of every council, latest first, and whether their minutes are approved."""
    return render(
        request,
        "transparency/sessions.html",
        {
            "sessions": sessions_public(),
            "breadcrumbs": _crumbs((_("Sessions"), "")),
        },
    )


def _version(session: Any) -> Any:
    return approved_minutes_version(session)


@cached
def session_detail(request: HttpRequest, session_id: int) -> HttpResponse:
    """One past session: its agenda, and its approved minutes as frozen, with their hashes."""
    session = get_object_or_404(sessions_public(), pk=session_id)
    version = _version(session)
    language = (get_language() or "en")[:2]
    items = list(session_agenda_public(session))
    published_ids = published_decisions(
        [i.motion.reference for i in items if i.motion is not None]
        + ([d["reference"] for d in version.decisions] if version else [])
    )
    links = {ref: reverse("transparency:decision", args=[pk]) for ref, pk in published_ids.items()}
    return render(
        request,
        "transparency/session.html",
        {
            "session": session,
            "items": items,
            "version": version,
            "minutes_html": version.html.get(language, version.html.get("en", ""))
            if version
            else "",
            "minutes_sha256": version.html_sha256.get(language, "") if version else "",
            "language": language,
            "languages": [code for code, _name in settings.LANGUAGES],
            "decisions": [
                {**d, "link": links.get(d["reference"], "")}
                for d in (version.decisions if version else [])
            ],
            "published": set(published_ids),
            "breadcrumbs": _crumbs(
                (_("Sessions"), reverse("transparency:sessions")), (session.reference, "")
            ),
        },
    )


def minutes_pdf_bytes(version: Any, language: str) -> bytes:
    """The approved minutes in one language as a PDF, laid out by WeasyPrint from the frozen HTML."""
    from weasyprint import HTML  # imported on first use: it costs every process half a second

    html = render_to_string(
        "transparency/print/minutes.html",
        {
            "body": version.html[language],
            "language": language,
            "sha256": version.sha256,
            "html_sha256": version.html_sha256[language],
            "approved_at": version.approved_at,
        },
    )
    pdf = HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(
        pdf_identifier=version.sha256[:32].encode()
    )
    assert pdf is not None  # noqa: S101 - write_pdf without a target returns the bytes
    return bytes(pdf)


@cached
def minutes_pdf(request: HttpRequest, session_id: int, language: str) -> HttpResponse:
    session = get_object_or_404(sessions_public(), pk=session_id)
    version = _version(session)
    if version is None or language not in version.html:
        raise Http404
    response = HttpResponse(minutes_pdf_bytes(version, language), content_type="application/pdf")
    name = session.reference.replace("/", "-")
    response["Content-Disposition"] = f'inline; filename="minutes-{name}-{language}.pdf"'
    return response


@cached
def minutes_html(request: HttpRequest, session_id: int, language: str) -> HttpResponse:
    """The frozen HTML exactly as hashed: anyone can hash this download and compare."""
    session = get_object_or_404(sessions_public(), pk=session_id)
    version = _version(session)
    if version is None or language not in version.html:
        raise Http404
    response = HttpResponse(
        version.html[language].encode(), content_type="text/plain; charset=utf-8"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="minutes-{session.reference.replace("/", "-")}-{language}.html"'
    )
    return response
