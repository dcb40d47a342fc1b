"""The distributed site in a real browser: headless Chromium (Debian's) driven by
Playwright, the out folder served from 127.0.0.1. Screenshots go to test-artifacts/."""

from __future__ import annotations

import hashlib
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace

import pytest

from conftest import ROOT, playwright_driver_problem
from test_distribute import PAGES, UI_TRANSLATIONS, site  # noqa: F401 (site: a fixture)

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
ARTIFACTS = ROOT / "test-artifacts"


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
        context = browser.new_context(viewport={"width": 1000, "height": 900})
        # Every request the pages make is recorded; one to anywhere else is refused.
        seen = SimpleNamespace(context=context, requests=[], refused=[])

        def route(r):
            seen.requests.append(r.request.url)
            if r.request.url.startswith(server):
                r.continue_()
            else:
                seen.refused.append(r.request.url)
                r.abort()

        context.route("**/*", route)
        yield seen
        browser.close()
    finally:
        p.stop()


def test_every_link_returns_the_file_it_promises(server, browser):
    page = browser.context.new_page()
    pages = [server + name for name in PAGES.values()]
    seen, files = set(pages), {}
    while pages:  # every index page reachable from the top one, and the web editions
        url = pages.pop()
        response = page.goto(url)
        assert response.status == 200, url
        if not url.rsplit("/", 1)[1].startswith("index"):
            continue  # a web edition: loaded for its requests; its links are the brief's
        for href, sha in page.eval_on_selector_all(".files li", "items => items.map(li => "
                                                   "[li.querySelector('a').href, "
                                                   "li.querySelector('code').textContent])"):
            files[href] = sha
        for href in page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)"):
            href = href.split("#")[0]
            assert href.startswith(server), href
            if href not in seen and href.endswith(".html"):
                seen.add(href)
                pages.append(href)
            elif href not in seen:
                seen.add(href)
                response = browser.context.request.get(href)
                assert response.status == 200, href
                assert response.body(), href
    assert len(files) == 11
    assert len(seen) == 6 + 3 + 11  # index pages, SHA256SUMS and the two feeds, editions
    for href, sha in files.items():
        body = browser.context.request.get(href).body()
        assert hashlib.sha256(body).hexdigest() == sha, href
    assert all(url.startswith(server) for url in browser.requests)
    assert not browser.refused


def test_language_switcher_changes_the_pages_words(server, browser):
    page = browser.context.new_page()
    page.goto(server + "index.html")
    assert page.inner_text("h1") == "Policy briefs"
    assert "Japanese edition" in page.inner_text("main")
    for lang, edition in (("ja", "日本語版"), ("ko", "일본어판")):
        page.click(f"nav.languages a[hreflang={lang}]")
        page.wait_for_load_state()
        assert page.url == server + PAGES[lang]
        assert page.get_attribute("html", "lang") == lang
        assert page.inner_text("h1") == UI_TRANSLATIONS[lang]["Policy briefs"]
        assert edition in page.inner_text("main")
        assert UI_TRANSLATIONS[lang]["Atom feed"] in page.inner_text("footer")
        assert page.get_attribute("nav.languages [aria-current=page]", "hreflang") == lang
    page.click("nav.languages a[hreflang=en]")
    page.wait_for_load_state()
    assert page.inner_text("h1") == "Policy briefs"
    assert not browser.refused


def test_screenshots_for_review(server, browser):
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.context.new_page()
    for lang, name in PAGES.items():
        page.goto(server + name)
        page.evaluate("document.fonts.ready")
        shot = ARTIFACTS / ("index.png" if lang == "en" else f"index.{lang}.png")
        page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 10_000
    assert not browser.refused
