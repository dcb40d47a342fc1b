"""briefpress watch: a saved PO file rewrites that language's outputs, and only those."""

from __future__ import annotations

import io
import threading
import time

import pytest

from briefpress.logs import shown_on
from briefpress.watch import ALL, affected, watch
from conftest import SLUG


def test_changes_map_to_the_outputs_made_from_them(project):
    po = project / f"locales/ja/LC_MESSAGES/{SLUG}.po"
    ui = project / "locales/ko/LC_MESSAGES/templates.po"
    assert affected(project, [po]) == {SLUG: {"ja"}}
    assert affected(project, [project / f"content/{SLUG}/brief.md", po]) == {SLUG: ALL}
    assert affected(project, [ui]) == {ALL: {"ko"}}
    assert affected(project, [project / "templates/brief.css"]) == {ALL: ALL}


@pytest.mark.slow
def test_saving_a_po_file_rebuilds_that_language(project):
    out = project / "out"
    ja, en = out / SLUG / f"{SLUG}.ja.pdf", out / SLUG / f"{SLUG}.en.pdf"
    stop = threading.Event()
    log = io.StringIO()
    thread = threading.Thread(target=watch, args=(project, out, ("pdf",)),
                              kwargs={"stop": stop.is_set})
    with shown_on(log):  # the command line's handlers: what `briefpress watch` shows
        thread.start()
        try:
            time.sleep(1.5)  # the watcher takes its first snapshot
            po = project / f"locales/ja/LC_MESSAGES/{SLUG}.po"
            po.write_text(po.read_text(encoding="utf-8").replace("機会と課題", "機会と試練"),
                          encoding="utf-8")
            deadline = time.monotonic() + 120
            while not (ja.exists() and (out / SLUG / f"{SLUG}.en-ja.pdf").exists()) \
                    and time.monotonic() < deadline:
                time.sleep(0.1)
        finally:
            stop.set()
            thread.join(timeout=60)
    assert ja.exists(), log.getvalue()
    assert not en.exists()  # the English edition did not depend on the change
    # The language's own edition first, then the bilingual one, from a forked worker.
    assert "rebuilt 1 files" in log.getvalue()
    assert "rebuilt 1 files" in log.getvalue().split("bilingual editions follow", 1)[1]
    assert log.getvalue().index(f"{SLUG}.ja.pdf") < log.getvalue().index(f"{SLUG}.en-ja.pdf")
