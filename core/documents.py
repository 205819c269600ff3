"""Documents made in the background (reports, letters): one pipeline, its steps and its hashes.

Data → canonical JSON and its SHA-256 → HTML → pages → PDF → the file and its SHA-256, each step
recorded on the document as it is reached so that a waiting page can show the progress. Not one
transaction: a failure is recorded on the document with its message and raised again.
"""

from __future__ import annotations

import gc
import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from core.actors import Actor
from core.audit import audit_record
from core.models import GeneratedDocument

if TYPE_CHECKING:
    from weasyprint import Document

log = logging.getLogger(__name__)

# Step labels are stored in English and translated when shown.
STEP_COLLECT = gettext_noop("Collecting the figures")
STEP_HTML = gettext_noop("Writing the document")
STEP_LAYOUT = gettext_noop("Laying out the pages")
STEP_PDF = gettext_noop("Writing the PDF")
STEP_STORE = gettext_noop("Storing the file")
STEP_FAILED = gettext_noop("Failed")

D = TypeVar("D", bound=GeneratedDocument)


def canonical_json(data: Any) -> bytes:
    """JSON with sorted keys, no spaces and UTF-8: the bytes that are hashed and published."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


@dataclass(frozen=True)
class Statuses:
    """A document model's own names for running, made and failed."""

    running: str
    done: str
    failed: str


def document_progress(model: type[D], pk: int, *, progress: int, step: str, **fields: Any) -> None:
    """Record how far the work is, in its own short transaction so the page sees it at once."""
    with transaction.atomic():
        model._default_manager.filter(pk=pk).update(progress=progress, step=step, **fields)


def document_make(
    *,
    actor: Actor,
    model: type[D],
    pk: int,
    statuses: Statuses,
    done_step: str,
    build: Callable[[D], Any],
    render_html: Callable[[D, Any, str], str],
    layout: Callable[[str], Document],
    write_pdf: Callable[[Document, str], bytes],
    file_name: Callable[[D, str], str],
    audit_action: str,
    audit_after: Callable[[D], dict[str, Any]],
    progress: Callable[..., None],
) -> D:
    """Make a document's PDF and store it with both hashes; the caller has checked permissions.

    `build` gives the data, `render_html` the HTML from it and the data's SHA-256, `layout` the
    pages, `write_pdf` the bytes; `file_name` names the stored file from the PDF's SHA-256;
    `progress(pk, progress=, step=, **fields)` records each step.
    """
    document = model._default_manager.get(pk=pk)
    if document.status == statuses.done:
        return document
    progress(
        pk,
        progress=5,
        step=STEP_COLLECT,
        status=statuses.running,
        started_at=timezone.now(),
        error="",
    )
    try:
        data = build(document)
        canonical = canonical_json(data)
        data_sha256 = hashlib.sha256(canonical).hexdigest()
        progress(pk, progress=20, step=STEP_HTML)
        html = render_html(document, data, data_sha256)
        # The rows and dicts behind the data are not needed any more: let them go before the
        # long layout, so the garbage collector does not walk them again and again during it.
        del data
        gc.collect()
        progress(pk, progress=30, step=STEP_LAYOUT)
        pages = layout(html)
        del html
        progress(pk, progress=80, step=STEP_PDF)
        pdf = write_pdf(pages, data_sha256)
        progress(pk, progress=95, step=STEP_STORE)
        sha256 = hashlib.sha256(pdf).hexdigest()
        with transaction.atomic():
            locked = model._default_manager.select_for_update().get(pk=pk)
            locked.file.save(file_name(locked, sha256), ContentFile(pdf), save=False)
            locked.sha256 = sha256
            locked.data = canonical.decode()
            locked.data_sha256 = data_sha256
            locked.page_count = len(pages.pages)
            locked.generated_at = timezone.now()
            locked.status = statuses.done
            locked.progress = 100
            locked.step = done_step
            locked.save()
            audit_record(
                actor=actor,
                action=audit_action,
                target=locked,
                after={
                    **audit_after(locked),
                    "sha256": sha256,
                    "data_sha256": data_sha256,
                    "pages": locked.page_count,
                },
            )
        return locked
    except Exception as exc:
        log.exception("%s %s failed", model.__name__, pk)
        progress(
            pk,
            progress=100,
            step=STEP_FAILED,
            status=statuses.failed,
            error=f"{type(exc).__name__}: {exc}"[:2000],
        )
        raise
