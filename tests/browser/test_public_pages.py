"""Every public page in a real browser: no console error, accessible, in three languages."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from tests.browser.conftest import DemoSite, axe_violations, screenshot, sign_in

PUBLIC = [
    "/",
    "/portal/",
    "/portal/states/",
    "/portal/states/DE/",
    "/portal/decisions/",
    "/portal/safety/",
    "/portal/compute/",
    "/portal/reports/",
    "/portal/data/",
]


@pytest.fixture
def demo(live_server):
    """A freshly seeded demo of its own, for a test that changes it (the others share demo_site)."""
    call_command("seed_demo", verbosity=0)
    return live_server


@pytest.mark.parametrize("lang", ["en", "de", "fr"])
def test_public_pages_load_cleanly_and_pass_axe(demo_site: DemoSite, page, lang):
    """Each public page loads with no console error and no serious or critical axe violation."""
    page.context.set_extra_http_headers({"Accept-Language": lang})
    from governance.models import Motion

    with demo_site.orm():
        decided = Motion.objects.using(demo_site.db).get(
            reference__startswith="GC/", reference__endswith="/001"
        )
    for path in [*PUBLIC, f"/portal/decisions/{decided.pk}/"]:
        response = page.goto(demo_site.url + path)
        assert response.status == 200, path
        assert page.locator("html").get_attribute("lang") == lang
        violations = axe_violations(page)
        assert violations == [], (path, [(v["id"], v["impact"], v["help"]) for v in violations])
        slug = path.strip("/").replace("/", "-") or "home"
        screenshot(page, f"{lang}-{slug}")
    assert page.console_errors == []


@pytest.mark.parametrize("path", ["/portal/", "/portal/compute/"])
def test_charts_are_drawn_visibly_with_a_name_and_their_table(demo_site: DemoSite, page, path):
    """Each chart's rows name their bar in page text that stays legible on a phone, bars drawn."""
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(demo_site.url + path)
        chart = page.locator("ul.cc-bars").first
        assert chart.is_visible()
        assert chart.get_attribute("aria-label")
        rows = chart.locator("li.cc-bars__row")
        assert rows.count() >= 2
        first = rows.first
        assert first.locator(".cc-bars__label").text_content().strip()
        assert first.locator(".cc-bars__value").text_content().strip()
        # the labels are text of the page, not of a scaled-down SVG: at least 11 px on a phone
        size = first.locator(".cc-bars__label").evaluate(
            "el => parseFloat(getComputedStyle(el).fontSize)"
        )
        assert size >= 11
        bar = first.locator("svg.cc-bars__bar").bounding_box()
        assert bar is not None and bar["width"] > 100 and bar["height"] > 8
        widths = [
            float(w)
            for w in first.locator("rect").evaluate_all(
                "rs => rs.map(r => r.getAttribute('width'))"
            )
        ]
        assert max(widths) > 50  # something is drawn, not only empty bars
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        assert page.locator("main table").count() >= 1  # the figures, as a table, on the same page
        screenshot(page, f"chart-{width}-" + (path.strip("/").replace("/", "-") or "home"))
    assert page.console_errors == []


def test_language_switch_with_the_keyboard(demo_site: DemoSite, page):
    """The language switcher works from the keyboard alone and the page comes back in German."""
    page.goto(demo_site.url + "/portal/")
    page.focus("#language-select")
    page.keyboard.type("Deutsch")  # type-ahead picks the option, as a keyboard user would
    assert page.eval_on_selector("#language-select", "el => el.value") == "de"
    page.keyboard.press("Tab")  # to the "Change" button
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("html").get_attribute("lang") == "de"
    assert "Transparenzportal" in page.content()


def test_skip_link_is_the_first_stop_for_keyboard_users(demo_site: DemoSite, page):
    """Tab once: the 'skip to main content' link takes focus and moves it to the main region."""
    page.goto(demo_site.url + "/portal/decisions/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "usa-skipnav"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


@pytest.mark.django_db(transaction=True)
def test_a_delegate_votes_in_the_browser(demo, page):
    """Sign in with password and TOTP, vote with the confirmation step, and see the receipt."""
    sign_in(page, demo.url, "de-head")
    page.goto(demo.url + "/my/votes/")
    page.click("text=Approve OpenProof")
    # as a person does: the label (a USWDS radio button draws its own circle beside it)
    radio_id = page.locator("input[name=choice][value=yes]").get_attribute("id")
    page.click(f"label[for='{radio_id}']")
    assert page.is_checked("input[name=choice][value=yes]")
    with page.expect_navigation():
        page.click("text=Continue to confirmation")
    assert "YES" in page.content()
    with page.expect_navigation():
        page.click("main button[type=submit]")
    assert "Your vote is recorded" in page.content()
    screenshot(page, "en-vote-receipt")
    assert axe_violations(page) == []
    assert page.console_errors == []
