"""The distributed site in a real browser: headless Chromium (Debian's) driven by
Playwright, the out folder served from 127.0.0.1, axe-core (node/node_modules) injected
into every page type. Screenshots go to test-artifacts/."""

from __future__ import annotations

import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace

import pytest

from conftest import ROOT, SLUG, playwright_driver_problem
from test_distribute import EDITIONS, PAGES, UI_TRANSLATIONS, site  # noqa: F401 (site: a fixture)

CHROMIUM = Path("/usr/bin/chromium")
AXE = ROOT / "node/node_modules/axe-core/axe.min.js"
ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
ARTIFACTS = ROOT / "test-artifacts"
WIDTHS = (390, 1280)
TITLES = {"en": "Japan’s Security Relationship with the Republic of Korea",
          "ja": "日本と大韓民国の安全保障関係", "ko": "일본과 대한민국의 안보 관계"}
# Every page type, in each language: the listing, a brief's own page, the web edition.
PAGE_TYPES = {
    **{f"index.{lang}": PAGES[lang] for lang in PAGES},
    **{f"brief.{lang}": f"{SLUG}/{PAGES[lang]}" for lang in PAGES},
    **{f"web.{lang}": f"{SLUG}/{SLUG}.{lang}.html" for lang in PAGES},
}

pytestmark = pytest.mark.slow


class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server(site):  # noqa: F811
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(Quiet, directory=str(site)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def browser(server):
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium as root: apt-get "
                    "install -y --no-install-recommends chromium (`make setup` does)",
                    pytrace=False)
    try:
        p = sync_playwright().start()
    except Exception as exc:
        pytest.fail(playwright_driver_problem(exc), pytrace=False)
    try:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        seen = SimpleNamespace(browser=browser, requests=[], refused=[], contexts=[])

        def context(**options):
            ctx = browser.new_context(**options)

            def route(r):  # every request is recorded; one to anywhere else is refused
                seen.requests.append(r.request.url)
                if r.request.url.startswith(server):
                    r.continue_()
                else:
                    seen.refused.append(r.request.url)
                    r.abort()

            ctx.route("**/*", route)
            return ctx

        seen.new_context = context
        seen.context = context(viewport={"width": 1000, "height": 900})
        yield seen
        browser.close()
    finally:
        p.stop()


def open_page(browser, url, width=1000, scheme="light"):
    ctx = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme)
    page = ctx.new_page()
    response = page.goto(url)
    assert response.status == 200, url
    page.evaluate("document.fonts.ready")
    return page


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("kind", PAGE_TYPES)
def test_every_page_type_reads_at_phone_and_desktop_width(server, browser, kind, width):
    page = open_page(browser, server + PAGE_TYPES[kind], width)
    scroll, viewport = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
    assert scroll <= viewport, f"{kind} at {width} px scrolls sideways ({scroll} px)"
    # Body text: the paragraphs of the brief, the summaries and the format links.
    sizes = page.eval_on_selector_all(
        "main .body p, main .summary, main .summary p, .files li, .downloads a, "
        "aside.about p", "els => els.map(e => parseFloat(getComputedStyle(e).fontSize))")
    assert sizes, kind
    assert min(sizes) >= 16, f"{kind} at {width} px: body text {min(sizes)} px"
    if kind.startswith("web."):
        assert page.get_attribute("meta[name=viewport]", "content") \
            == "width=device-width, initial-scale=1"
        # A measure of at most ~40 em: a line of text is never wider than that.
        measure = page.evaluate("(() => { const p = document.querySelector('main .body p');"
                                " return p.getBoundingClientRect().width / "
                                "parseFloat(getComputedStyle(p).fontSize); })()")
        assert measure <= 40.5, measure
        # Figures scale with the screen.
        for box in page.eval_on_selector_all("figure img", "imgs => imgs.map(i => "
                                             "i.getBoundingClientRect().right)"):
            assert box <= width
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / f"{kind}.{width}.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    page.context.close()
    assert not browser.refused


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("kind", PAGE_TYPES)
def test_axe_finds_no_violations(server, browser, kind, scheme):
    if not AXE.exists():
        pytest.fail(f"{AXE} missing: run `make setup` (npm ci in node/)")
    page = open_page(browser, server + PAGE_TYPES[kind], 390 if scheme == "dark" else 1280,
                     scheme)
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    problems = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
                for v in result["violations"]]
    assert problems == [], f"{kind} ({scheme}): {problems}"
    if scheme == "dark":
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{kind}.dark.390.png"), full_page=True)
    page.context.close()


def test_every_link_resolves_and_no_request_leaves_the_site(server, browser):
    page = browser.context.new_page()
    pages = [server + name for name in PAGE_TYPES.values()]
    seen, files = set(pages), set()
    while pages:
        url = pages.pop()
        response = page.goto(url)
        assert response.status == 200, url
        for href in page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)"):
            href, _, fragment = href.partition("#")
            assert href.startswith(server), href
            if fragment:  # an anchor on a page: the target exists
                target = href if href != url else url
                if target == url:
                    assert page.locator(f"[id='{fragment}']").count() == 1, (url, fragment)
            if href not in seen and href.endswith(".html"):
                seen.add(href)
                pages.append(href)
            elif href not in seen:
                seen.add(href)
                files.add(href)
                response = browser.context.request.get(href)
                assert response.status == 200, href
                assert response.body(), href
    assert {server + e for e in EDITIONS} <= seen
    assert server + "SHA256SUMS" in files
    assert all(url.startswith(server) for url in browser.requests)
    assert not browser.refused


@pytest.mark.parametrize("lang", PAGES)
def test_language_switcher_lands_on_the_same_brief(server, browser, lang):
    page = browser.context.new_page()
    page.goto(server + f"{SLUG}/{SLUG}.{lang}.html")
    alternates = page.eval_on_selector_all("link[rel=alternate][hreflang]",
                                           "ls => ls.map(l => l.hreflang)")
    assert sorted(alternates) == sorted(set(PAGES) - {lang})
    for other in [o for o in PAGES if o != lang]:
        page.goto(server + f"{SLUG}/{SLUG}.{lang}.html")
        page.click(f"nav.languages a[hreflang={other}]")
        page.wait_for_load_state()
        assert page.url == server + f"{SLUG}/{SLUG}.{other}.html"
        assert page.get_attribute("html", "lang") == other
        assert page.inner_text("h1") == TITLES[other]
    # The header leads to the listing in the page's language.
    page.goto(server + f"{SLUG}/{SLUG}.{lang}.html")
    page.click("header.site .home a")
    page.wait_for_load_state()
    assert page.url == server + PAGES[lang]
    assert not browser.refused


def test_listing_switcher_changes_the_pages_words(server, browser):
    page = browser.context.new_page()
    page.goto(server + "index.html")
    assert page.inner_text("h1") == "Policy briefs"
    assert "Japanese edition" in page.inner_text("main")
    for lang, edition in (("ja", "日本語版"), ("ko", "일본어판")):
        page.click(f"nav.languages a[hreflang={lang}]")
        page.wait_for_load_state()
        assert page.url == server + PAGES[lang]
        assert page.inner_text("h1") == UI_TRANSLATIONS[lang]["Policy briefs"]
        assert edition in page.inner_text("main")
        assert UI_TRANSLATIONS[lang]["Atom feed"] in page.inner_text("footer")
    assert not browser.refused


@pytest.mark.parametrize("lang, query", [
    ("en", "alliance"), ("ja", "安全保障"), ("ja", "竹島"), ("ko", "안보"), ("ko", "독도"),
    ("ko", "협력"),  # a prefix of the word forms 협력을, 협력은 (no Korean segmentation)
])
def test_search_finds_the_brief_in_the_pages_language(server, browser, lang, query):
    page = browser.context.new_page()
    page.goto(server + PAGES[lang])
    page.fill("#search-input", query)
    page.wait_for_selector("#search-results li a", timeout=15_000)
    hrefs = page.eval_on_selector_all("#search-results a", "as => as.map(a => a.href)")
    assert server + f"{SLUG}/{SLUG}.{lang}.html" in hrefs, hrefs
    assert all(h.endswith(f".{lang}.html") for h in hrefs), hrefs
    assert not browser.refused


def test_search_box_needs_script_and_nothing_else_does(server, browser):
    ctx = browser.browser.new_context(java_script_enabled=False)
    page = ctx.new_page()
    page.goto(server + PAGES["ja"])
    assert not page.is_visible("#search")  # hidden until its script runs
    page.goto(server + f"{SLUG}/{SLUG}.ja.html")
    assert page.inner_text("h1") == TITLES["ja"] and page.is_visible("main .body p")
    ctx.close()


def test_feeds_parse_with_a_real_parser(site):  # noqa: F811
    import feedparser

    atom = feedparser.parse((site / "feed.xml").read_bytes())
    assert not atom.bozo, atom.get("bozo_exception")
    assert len(atom.entries) == 5
    enclosures = sorted(l.href for e in atom.entries for l in e.links if l.rel == "enclosure")
    assert enclosures == sorted(e for e in EDITIONS if not e.endswith(".html"))
    opds = feedparser.parse((site / "opds.xml").read_bytes())
    assert not opds.bozo, opds.get("bozo_exception")
    for entry in opds.entries:
        rels = {l.rel for l in entry.links}
        assert {"http://opds-spec.org/image", "http://opds-spec.org/image/thumbnail",
                "http://opds-spec.org/acquisition"} <= rels
        assert all(l.get("title") for l in entry.links
                   if l.rel == "http://opds-spec.org/acquisition")
    bilingual = [e for e in opds.entries if e.id.endswith(":en-ja")]
    assert bilingual and bilingual[0].title.endswith("（英語・日本語対訳版）")
