"""A motion's title in the readers' other languages: validated, bounded, edited only in a draft."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation

from core.errors import Conflict, ValidationFailed
from core.models import AuditEvent
from governance import services
from governance.models import Motion, validate_title_translations
from governance.templatetags.governance_tags import motion_title
from tests.governance.voting_fixtures import make_council5

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("value", "why"),
    [
        (["Titel"], "a map"),
        ({"xx": "Titel"}, "not a language"),
        ({"de": 42}, "must be text"),
        ({"de": "T" * 301}, "longer than 300"),
        ({"de": "Titel\x00"}, "control character"),
        ({"de": "Titel\x1b[31m"}, "control character"),
        ({"fr": "Titre\u202e"}, "control character"),
        ({"de": "\u200b\u200b"}, "visible characters"),
    ],
)
def test_a_bad_map_of_titles_is_refused(value, why):
    """Unknown languages, non-text, over-long titles, control characters and blanks are refused."""
    with pytest.raises(ValidationError) as exc:
        validate_title_translations(value)
    assert why in " ".join(exc.value.messages)


def test_good_titles_pass():
    """Known languages, bounded, printable: accepted (an empty map too)."""
    validate_title_translations({})
    validate_title_translations({"de": "Genehmigung", "fr": "Approbation d'OpenProof"})


def test_the_filed_english_title_cannot_be_replaced_by_a_translation():
    """An "en" entry would silently replace the filed (and signed) title for English readers."""
    with pytest.raises(ValidationError):
        validate_title_translations({"en": "Something else"})


def test_the_service_refuses_a_bad_map_with_a_400_on_the_field():
    """motion_create checks the map with the model's validators: a field error, nothing saved."""
    c5 = make_council5()
    with pytest.raises(ValidationFailed) as exc:
        c5.motion(title_translations={"de": "x" * 400})
    assert exc.value.field == "title_translations"
    assert not Motion.objects.exists()


def test_the_database_refuses_an_unbounded_map_too():
    """Whoever writes past the services meets the column's bound."""
    c5 = make_council5()
    motion = c5.motion()
    with pytest.raises(IntegrityError), transaction.atomic():
        Motion.objects.filter(pk=motion.pk).update(title_translations={"de": "x" * 20_000})


def test_translations_are_edited_in_a_draft_with_an_audit_row_and_fixed_once_tabled():
    """motion_update changes them while a draft (audited); after tabling it refuses."""
    c5 = make_council5()
    motion = c5.motion(title_translations={"de": "Alt"})
    services.motion_update(actor=c5.sec, motion=motion, title_translations={"de": "Neu"})
    motion.refresh_from_db()
    assert motion.title_translations == {"de": "Neu"}
    row = AuditEvent.objects.filter(action="motion.update").latest("id")
    assert row.before == {"title_translations": {"de": "Alt"}}
    assert row.after == {"title_translations": {"de": "Neu"}}
    services.motion_table(actor=c5.sec, motion=motion)
    with pytest.raises(Conflict):
        services.motion_update(actor=c5.sec, motion=motion, title_translations={"de": "Später"})


def test_the_filter_reads_the_readers_language_and_falls_back_to_the_filed_title():
    """German readers get the German title; a language without one gets the title as filed."""
    c5 = make_council5()
    motion = c5.motion(title="Approve OpenProof", title_translations={"de": "Genehmigung"})
    with translation.override("de"):
        assert motion_title(motion) == "Genehmigung"
    with translation.override("fr"):
        assert motion_title(motion) == "Approve OpenProof"


def test_a_delegate_cannot_change_the_translations():
    """Editing a draft is the secretary's, in the service itself."""
    c5 = make_council5()
    motion = c5.motion()
    from core.errors import NotAllowed

    with pytest.raises(NotAllowed):
        services.motion_update(
            actor=c5.actors["DE"], motion=motion, title_translations={"de": "Gekapert"}
        )
    motion.refresh_from_db()
    assert motion.title_translations == {}
