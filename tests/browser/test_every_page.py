"""Every page of every role (inventory.py), in a real browser at a desktop's and a phone's width.

For each page and width: it answers 200; nothing is wider than the window; axe-core finds no
serious or critical violation; it has exactly one h1; each navigation that links to the page
marks that link as the current page, and the header's (and the section's) navigation marks the
place the page belongs to; the browser logs no error (console or script). A full-page screenshot of each is kept under
test-artifacts/screenshots/<account>-<page>-<width>.png. Failures list everything found at once.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import DemoSite, axe_violations, screenshot
from tests.browser.inventory import PAGES, Page

WIDTHS = {1280: 900, 390: 844}  # window width -> height (a desktop, a phone)

CASES = [(page, width) for page in PAGES for width in WIDTHS]

OVERFLOW = """() => {
  const width = window.innerWidth;
  const name = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
    + [...el.classList].slice(0, 3).map((c) => "." + c).join("");
  const scrolls = (el) => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      if (getComputedStyle(p).overflowX !== "visible") return true;
    }
    return false;
  };
  const wide = [];
  for (const el of document.body.querySelectorAll("*")) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.right <= width + 1 || scrolls(el)) continue;
    const parent = el.parentElement;
    if (parent !== document.body && parent.getBoundingClientRect().right > width + 1) continue;
    const text = (el.textContent || "").trim().replace(/\\s+/g, " ").slice(0, 50);
    wide.push(`${name(el)} reaches ${Math.round(box.right)} px: "${text}"`);
  }
  return {scrollWidth: document.documentElement.scrollWidth, wide: wide.slice(0, 8)};
}"""

NAVS = """() => [...document.querySelectorAll("nav")].map((nav) => ({
  label: nav.getAttribute("aria-label") || nav.id || nav.className,
  header: !!nav.closest("header"),
  breadcrumb: nav.matches(".usa-breadcrumb") || !!nav.querySelector(".usa-breadcrumb__list"),
  links: [...nav.querySelectorAll("a[href]")].map((a) => {
    const url = new URL(a.href, location.href);
    return {
      path: url.origin === location.origin ? url.pathname + url.search : a.href,
      current: a.getAttribute("aria-current"),
      text: a.textContent.trim().replace(/\\s+/g, " "),
    };
  }),
}))"""


def vote_yes(page: Any) -> Any:
    """From a motion's page, choose "yes" and continue: the confirmation step (nothing is cast)."""
    form = page.locator("form:has(input[name=choice])").first
    radio = form.locator("input[name=choice][value=yes]")
    label = form.locator(f"label[for='{radio.get_attribute('id')}']")
    (label if radio.get_attribute("id") and label.count() else radio).click()
    with page.expect_navigation() as navigation:
        form.locator("[type=submit]").first.click()
    return navigation.value


STEPS = {"vote-yes": vote_yes}


def console_error(message: Any) -> list[str]:
    """An error the browser logged, with where it came from.

    Not counted: the browser's own guess at /favicon.ico on a page that names no icon (the staff
    admin's); it is asked for once per browser, so counting it would depend on the order of tests.
    """
    url = message.location.get("url") or ""
    if message.type != "error" or url.endswith("/favicon.ico"):
        return []
    return [f"console error: {message.text} ({url})"]


def overflow_problems(page: Any, width: int) -> list[str]:
    found = page.evaluate(OVERFLOW)
    if found["scrollWidth"] <= width:
        return []
    return [f"the page is {found['scrollWidth']} px wide in a {width} px window", *found["wide"]]


def axe_problems(page: Any) -> list[str]:
    problems = []
    for violation in axe_violations(page):
        targets = [" ".join(map(str, node["target"])) for node in violation["nodes"]]
        shown = ", ".join(targets[:5]) + (
            f" (+{len(targets) - 5} more)" if len(targets) > 5 else ""
        )
        problems.append(
            f"axe {violation['id']} ({violation['impact']}): {violation['help']} — {shown}"
        )
    return problems


def heading_problems(page: Any) -> list[str]:
    h1s = page.locator("h1").all_inner_texts()
    if len(h1s) == 1:
        return []
    return [f"{len(h1s)} h1 elements instead of one: {h1s}"]


def nav_problems(page: Any, entry: Page) -> list[str]:
    here = page.evaluate("location.pathname + location.search")
    navs = [nav for nav in page.evaluate(NAVS) if not nav["breadcrumb"]]
    problems = []
    for nav in navs:
        marked = [link for link in nav["links"] if link["current"] is not None]
        where = f"navigation {nav['label']!r}"
        problems += [
            f'{where}: "{link["text"]}" has aria-current="{link["current"]}", not "page"'
            for link in marked
            if link["current"] != "page"
        ]
        # Several links may lead to this very page (the admin's filters each have an "All");
        # marking each of them is right. Two different pages marked current is not.
        if len({link["path"] for link in marked}) > 1:
            problems.append(f"{where} marks {len(marked)} links as current: {marked}")
        problems += [
            f'{where}: the link "{link["text"]}" to this page lacks aria-current="page"'
            for link in nav["links"]
            if link["path"] == here and link["current"] != "page"
        ]

    def current(candidates: list[dict[str, Any]]) -> list[str]:
        return [
            link["path"] for nav in candidates for link in nav["links"] if link["current"] == "page"
        ]

    if entry.main is not None:
        expected = (entry.main,) if isinstance(entry.main, str) else entry.main
        marked = current([nav for nav in navs if nav["header"]])
        if not set(marked) & set(expected):
            problems.append(
                f"the header's navigation marks {marked or 'nothing'} as current, "
                f"expected {' or '.join(expected)}"
            )
    if entry.section is not None:
        sections = [nav for nav in navs if not nav["header"]]
        marked = current(sections)
        if entry.section not in marked:
            labels = [nav["label"] for nav in sections]
            problems.append(
                f"no section navigation marks {entry.section} as current "
                f"(section navigations: {labels or 'none'}; marked: {marked or 'nothing'})"
            )
    return problems


@pytest.mark.parametrize(("entry", "width"), CASES, ids=[f"{p.id}-{w}" for p, w in CASES])
def test_page(entry: Page, width: int, browser: Any, demo_site: DemoSite, signed_in: Any) -> None:
    """One page at one width: 200, fits, axe-clean, one h1, navigation marked, no console error."""
    context = browser.new_context(
        viewport={"width": width, "height": WIDTHS[width]},
        bypass_csp=True,  # axe-core is injected as a script (test_csp.py checks the CSP itself)
        storage_state=None if entry.public else signed_in(entry.account),
    )
    context.set_default_timeout(10_000)
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda message: errors.extend(console_error(message)))
        page.on("pageerror", lambda exc: errors.append(f"script error: {exc}"))
        response = page.goto(demo_site.url + demo_site.where(entry))
        if entry.then is not None and response.status == 200:
            response = STEPS[entry.then](page)
        here = page.evaluate("location.pathname + location.search")
        screenshot(page, f"{entry.id}-{width}")
        assert response.status == 200, f"{entry.id}: {here} answered {response.status}" + (
            f"\nThe server said:\n{demo_site.log_tail()}" if response.status >= 500 else ""
        )
        problems = [
            *overflow_problems(page, width),
            *axe_problems(page),
            *heading_problems(page),
            *nav_problems(page, entry),
            *errors,
        ]
    finally:
        context.close()
    problems = list(dict.fromkeys(problems))  # the same finding in two places: once
    assert not problems, f"{entry.id} ({here}) at {width} px:\n  " + "\n  ".join(problems)
