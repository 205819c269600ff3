"""An Atom feed of published decisions."""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from governance import selectors, wording

if TYPE_CHECKING:
    from governance.models import DecisionStatement, Motion


class DecisionsFeed(Feed):
    feed_type = Atom1Feed
    title = "Concordia: decisions"
    subtitle = "Decisions published by the councils of the facility."

    def link(self) -> str:
        return reverse("transparency:decisions")

    def items(self) -> list[Motion]:
        return list(selectors.decisions_published()[:50])

    def item_title(self, item: Motion) -> str:
        return f"{item.reference}: {item.title} — {item.get_outcome_display()}"

    def item_description(self, item: Motion) -> str:
        # In the reader's language; a tally that cannot be read shows what was stored.
        tally = wording.read(item.tally)
        summary = wording.summary_text(tally) if tally else (item.tally or {}).get("summary", "")
        return f"{item.council.name}. {summary}"

    def item_link(self, item: Motion) -> str:
        return reverse("transparency:decision", args=[item.pk])

    def item_pubdate(self, item: Motion) -> dt.datetime | None:
        return item.published_at

    def item_updateddate(self, item: Motion) -> dt.datetime | None:
        return item.published_at


class DecisionLogFeed(Feed):
    """Every signed statement of the decision log, as it was signed at the close of its vote.

    A feed reader that keeps entries keeps the platform's signed word on each result.
    """

    feed_type = Atom1Feed
    title = "Concordia: decision log"
    subtitle = "The signed result of every vote, at its close (Ed25519, see /portal/log/)."

    def link(self) -> str:
        return reverse("transparency:log")

    def items(self) -> list[DecisionStatement]:
        return list(selectors.decision_statements().order_by("-index")[:100])

    def item_title(self, item: DecisionStatement) -> str:
        return f"#{item.index} {item.motion.reference}: signed result at closing"

    def item_description(self, item: DecisionStatement) -> str:
        return json.dumps(
            {"statement": json.loads(item.body), "signature": item.signature},
            indent=2,
            ensure_ascii=False,
        )

    def item_link(self, item: DecisionStatement) -> str:
        query = urlencode({"motion": item.motion.reference})
        return f"{reverse('v1:public-log-inclusion')}?{query}"

    def item_guid(self, item: DecisionStatement) -> str:
        return f"urn:concordia:decision-log:{item.key_id[:16]}:{item.index}:{item.leaf_hash}"

    def item_pubdate(self, item: DecisionStatement) -> dt.datetime:
        return item.created_at
