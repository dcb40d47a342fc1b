"""``briefpress serve``: the open page reloads after a saved PO file is rebuilt."""

from __future__ import annotations

import io
import threading
import urllib.request
from pathlib import Path

import pytest

from briefpress.logs import shown_on
from briefpress.serve import serve
from conftest import SLUG
from test_browser import ARGS, CHROMIUM

pytestmark = [pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium missing"),
              pytest.mark.slow]


@pytest.fixture
def running(project, tmp_path):
    """serve() on a copy of the sample project, in a thread; yields its URL."""
    out, ready, done = tmp_path / "out", threading.Event(), threading.Event()
    found, log = {}, io.StringIO()

    def on_ready(url):
        found["url"] = url
        ready.set()

    thread = threading.Thread(target=serve, args=(project, out, ("html",)), kwargs=dict(
        port=0, interval=0.1, stop=done.is_set, ready=on_ready), daemon=True)
    with shown_on(log):  # the command line's handlers: what `briefpress serve` shows
        thread.start()
        assert ready.wait(120), log.getvalue()
        yield found["url"], out, log
        done.set()
        thread.join(30)
    assert not thread.is_alive()
    assert "stopped serving" in log.getvalue()
    with pytest.raises(OSError):  # the port is closed again
        urllib.request.urlopen(found["url"], timeout=2)


def test_page_reloads_after_a_po_file_is_saved(project, running):
    from playwright.sync_api import sync_playwright

    url, out, log = running
    assert (out / "index.ja.html").is_file() and (out / "pagefind").is_dir()
    po = project / f"locales/ja/LC_MESSAGES/{SLUG}.po"
    text = po.read_text(encoding="utf-8")
    old = 'msgstr "日本と大韓民国の安全保障関係"'
    assert old in text
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        page = browser.new_page()
        page.goto(url + f"{SLUG}/{SLUG}.ja.html")
        assert page.inner_text("h1") == "日本と大韓民国の安全保障関係"
        page.evaluate("window.notReloaded = true")
        po.write_text(text.replace(old, 'msgstr "日韓安全保障関係の現在"'), encoding="utf-8")
        page.wait_for_function("document.querySelector('h1').textContent === '日韓安全保障関係の現在'",
                               timeout=120_000)
        assert page.evaluate("window.notReloaded === undefined")  # a new page, not a patch
        # Only that language was rebuilt; the listing shows the new title too.
        assert "rebuilt 1 files" in log.getvalue(), log.getvalue()
        page.goto(url + "index.ja.html")
        assert "日韓安全保障関係の現在" in page.inner_text("main")
        browser.close()
    # The files on disk carry no reload script: the server adds it to what it sends.
    assert "EventSource" not in (out / SLUG / f"{SLUG}.ja.html").read_text(encoding="utf-8")
