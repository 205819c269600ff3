"""An Atom feed of published decisions."""

from __future__ import annotations

import datetime as dt

from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from governance import selectors
from governance.models import Motion


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
        summary = (item.tally or {}).get("summary", "")
        return f"{item.council.name}. {summary}."

    def item_link(self, item: Motion) -> str:
        return reverse("transparency:decision", args=[item.pk])

    def item_pubdate(self, item: Motion) -> dt.datetime | None:
        return item.published_at

    def item_updateddate(self, item: Motion) -> dt.datetime | None:
        return item.published_at
