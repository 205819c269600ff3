"""German and French in the browser: the language switch, and no English left on translated pages.

1. From every public page, a first-time visitor (no cookie at all) chooses Deutsch in the header
   and submits: they land on the same page, in German, with a 200 (cached pages carry no CSRF
   cookie, so the switch must not depend on one).
2. A fixed list of pages (inventory.TRANSLATED), read in German and in French: the text a reader
   sees or hears (text, the page title, alt/aria-label/title/placeholder, button values) holds
   no common English word. Excluded: code, hashes, anything marked translate="no", and
   anything marked as another language (lang="en" on a title filed in English, the language
   names in the switch): English data must say it is English, for screen readers as for us.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.conftest import DemoSite
from tests.browser.inventory import PAGES, TRANSLATED, Page

PUBLIC = [page for page in PAGES if page.public]


@pytest.mark.parametrize("entry", PUBLIC, ids=[page.id for page in PUBLIC])
def test_a_first_time_visitor_switches_to_german(entry: Page, browser: Any, demo_site: DemoSite):
    """No cookie, choose Deutsch, submit the header's form: the same page, in German, 200."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    try:
        page = context.new_page()
        path = demo_site.where(entry)
        assert page.goto(demo_site.url + path).status == 200
        form = page.locator("header form:has(select[name=language])")
        form.locator("select[name=language]").select_option(label="Deutsch")
        with page.expect_navigation() as navigation:
            form.locator("[type=submit]").click()
        response = navigation.value
        landed = page.evaluate("location.pathname + location.search")
        lang = page.evaluate("document.documentElement.lang")
        chosen = page.evaluate("document.querySelector('select[name=language]')?.value")
    finally:
        context.close()
    assert response.status == 200, f"{entry.id}: the switch answered {response.status}" + (
        f"\nThe server said:\n{demo_site.log_tail()}" if response.status >= 500 else ""
    )
    assert landed == path, f"{entry.id}: the switch led to {landed}, not back to {path}"
    assert lang == "de", f"{entry.id}: after the switch the page is in {lang!r}"
    assert chosen == "de", f"{entry.id}: after the switch the selector shows {chosen!r}"


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Words that are English and neither German nor French, as written: one of them on a German or
# French page is a string left untranslated. Proper names, codes and acronyms (all capitals) are
# not words here; the demo's names (people, institutions, projects) contain none of these. Left
# out on purpose: words German or French use too ("in", "an", "a", "on", "or", "but", "see",
# "Status", "Budget", "Total", "optional", "import", "week-end", "data"); a word only one of them
# uses is checked on the other's pages only (the two lists below).
ENGLISH = _words(
    """
    the and of with from for this that these those which what when where who whose why how
    your you our their they them its is are were been being has have had does did not
    should would could must can cannot than then there here into about after before between
    each every any only more less yet by to my we if up out off over under again both either
    nothing without within until since while because other such very whether
    yes adopted rejected needed required member members state states council councils
    decision decisions safety report reports payment payments year years overview published
    certified draft drafts closed pending abstain abstained against majority counted share shares
    scale scales project projects period periods escalation escalations evidence level hours
    hour days day today month months delegate delegates secretariat language english
    german french home skip sign signed verify verified receipt ballot ballots roll call calls
    chain key summary measure proposed board committee scientific governing approve approved
    approval income equal capacity used remaining granted requested frozen freeze previous next
    first show hide view new old amount paid owed arrears account accounts outstanding voluntary
    assessed assessment line percent valid invalid error errors warning success seconds ago
    january february march june july october december
    monday tuesday wednesday thursday friday saturday sunday
    """
)
# English words that are French words too: wrong on a German page only.
ALSO_FRENCH = _words(
    "vote votes motion motions page pages table contribution contributions allocation "
    "allocations abstention"
)
# English words that are German words too: wrong on a French page only.
ALSO_GERMAN = _words(
    "also was will still all last details name names delegation operator download link links "
    "list print filter"
)
STOP = {"de": ENGLISH | ALSO_FRENCH, "fr": ENGLISH | ALSO_GERMAN}
WORD = re.compile(r"[^\W\d_]+")

TEXTS = """(lang) => {
  const skip = "script, style, noscript, template, code, pre, kbd, samp, .cc-hash, [translate=no]";
  const langOf = (el) => ((el.closest("[lang]") || {}).lang || "").toLowerCase().split("-")[0];
  const name = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
    + [...el.classList].slice(0, 2).map((c) => "." + c).join("");
  const texts = [{where: "title", text: document.title}];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const el = walker.currentNode.parentElement;
    const text = walker.currentNode.nodeValue.trim();
    if (text && el && !el.closest(skip) && langOf(el) === lang) texts.push({where: name(el), text});
  }
  const attributed = "[aria-label], [alt], [title], [placeholder], input[type=submit], input[type=button]";
  for (const el of document.body.querySelectorAll(attributed)) {
    if (el.closest(skip) || langOf(el) !== lang) continue;
    for (const attr of ["aria-label", "alt", "title", "placeholder", "value"]) {
      if (attr === "value" && el.tagName !== "INPUT") continue;
      const text = (el.getAttribute(attr) || "").trim();
      if (text) texts.push({where: `${name(el)}[${attr}]`, text});
    }
  }
  return texts;
}"""


def english_words(texts: list[dict[str, str]], lang: str) -> dict[str, str]:
    """word -> where it was first seen, with the text around it."""
    found: dict[str, str] = {}
    for item in texts:
        for word in WORD.findall(item["text"]):
            if len(word) > 1 and word.isupper():
                continue  # a code or an acronym (DE, GPU, PDF)
            if word.lower() in STOP[lang] and word.lower() not in found:
                found[word.lower()] = f"{item['where']}: {item['text'][:80]!r}"
    return found


CASES = [(page, lang) for page in TRANSLATED for lang in ("de", "fr")]


@pytest.mark.parametrize(("entry", "lang"), CASES, ids=[f"{p.id}-{lang}" for p, lang in CASES])
def test_no_english_left_on_a_translated_page(
    entry: Page, lang: str, browser: Any, demo_site: DemoSite, signed_in: Any
):
    """The page in German or French: in that language, and no common English word in its text."""
    context = browser.new_context(
        viewport={"width": 1280, "height": 900},
        storage_state=None if entry.public else signed_in(entry.account),
    )
    context.add_cookies([{"name": "django_language", "value": lang, "url": demo_site.url}])
    context.set_default_timeout(10_000)
    try:
        page = context.new_page()
        response = page.goto(demo_site.url + demo_site.where(entry))
        here = page.evaluate("location.pathname + location.search")
        html_lang = page.locator("html").get_attribute("lang")
        texts = page.evaluate(TEXTS, lang)
    finally:
        context.close()
    assert response.status == 200, f"{entry.id} in {lang}: {here} answered {response.status}" + (
        f"\nThe server said:\n{demo_site.log_tail()}" if response.status >= 500 else ""
    )
    assert html_lang == lang, f"{entry.id} ({here}) asked in {lang} came in {html_lang!r}"
    found = english_words(texts, lang)
    listing = "\n  ".join(f"{word!r} — {where}" for word, where in sorted(found.items()))
    assert not found, f"{entry.id} ({here}) in {lang}: English words {sorted(found)}:\n  {listing}"
