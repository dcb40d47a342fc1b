"""update is all or nothing; plural forms beyond Plural-Forms; NFC; no format flags on
prose. Each a regression test on a copy of the shipped project."""

from __future__ import annotations

import logging
import subprocess
import unicodedata

from briefpress.catalogs import lookup, read_catalog
from conftest import SLUG, run_cli

JA = f"locales/ja/LC_MESSAGES/{SLUG}.po"
KO = f"locales/ko/LC_MESSAGES/{SLUG}.po"
JA_TEMPLATES = "locales/ja/LC_MESSAGES/templates.po"
BRIEF = f"content/{SLUG}/brief.md"


def locales(root):
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("locales/**/*"))
            if p.is_file()}


def test_update_writes_no_catalog_when_one_fails(project):
    """ja would change, ko is broken: nothing is written (ja used to be written first)."""
    brief = project / BRIEF
    brief.write_text(brief.read_text().replace("Ever since war broke out",
                                               "Ever since the war broke out", 1))
    assert run_cli("extract", "--root", str(project))[0] == 0
    ko = project / KO
    ko.write_text(ko.read_text() + "\nthis is not PO\n")
    before = locales(project)
    code, _, err = run_cli("update", "--root", str(project))
    assert code == 1 and f"{KO}:" in err and "not PO syntax" in err
    assert locales(project) == before
    ko.write_text(ko.read_text().replace("\nthis is not PO\n", ""))
    code, _, err = run_cli("update", "--root", str(project))
    assert code == 0 and JA in err and KO in err


def add_extra_plural_form(project):
    po = project / JA_TEMPLATES
    text = po.read_text()
    form = 'msgstr[0] "草稿：未翻訳の箇所が%(num)d箇所残っています。"\n'
    assert form in text
    po.write_text(text.replace(form, form + form.replace("[0]", "[1]").replace("草稿", "下書き")))
    line = text[: text.index("msgid_plural")].count("\n")  # the msgid line, 1-based
    return po, line


def test_plural_forms_beyond_nplurals_are_a_warning_everywhere(project, caplog):
    """An XLIFF round trip adds msgstr[1] to a Japanese plural entry: every command
    works, warns naming the entry and Plural-Forms, and update drops the extra form,
    keeping its text in a comment, so msgfmt -c accepts the file again."""
    po, line = add_extra_plural_form(project)
    where = f"{JA_TEMPLATES}:{line}: msgstr[1] dropped: Plural-Forms has nplurals=1"
    caplog.set_level(logging.WARNING, logger="briefpress")
    code, out, _ = run_cli("status", "--root", str(project))
    assert code == 0 and where in caplog.text
    caplog.clear()
    code, out, err = run_cli("check", "--root", str(project))
    assert code == 0, out
    assert f"{JA_TEMPLATES}:{line}: [plurals] msgstr[1] dropped" in out
    code, _, err = run_cli("build", "--root", str(project), "--out", str(project / "out"),
                           "--locale", "ja", "--format", "html")
    assert code == 0, err
    assert where in caplog.text
    code, _, err = run_cli("update", "--root", str(project))
    assert code == 0 and JA_TEMPLATES in err
    text = po.read_text()
    assert not [line for line in text.splitlines() if line.startswith("msgstr[1]")]
    assert "# briefpress dropped msgstr[1]: Plural-Forms has nplurals=1 for ja." in text
    assert "下書き：未翻訳の箇所が" in text
    result = subprocess.run(["msgfmt", "-c", "-o", "/dev/null", str(po)], capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stderr
    caplog.clear()
    assert run_cli("status", "--root", str(project))[0] == 0
    assert "dropped" not in caplog.text


def test_missing_plural_form_names_plural_forms(tmp_path):
    po = tmp_path / "en.po"
    po.write_text('msgid ""\nmsgstr ""\n"Language: en\\n"\n'
                  '"Plural-Forms: nplurals=2; plural=(n != 1);\\n"\n\n'
                  'msgid "a"\nmsgid_plural "as"\nmsgstr[0] "x"\n')
    try:
        read_catalog(po, "en.po", "en")
    except Exception as exc:  # CatalogError
        assert str(exc) == ("en.po:6: a plural entry needs msgstr[0] to msgstr[1] "
                            "(Plural-Forms: nplurals=2)")
    else:
        raise AssertionError("a missing plural form must be an error")


def test_nfd_msgid_matches_its_nfc_source_and_nfd_translation_warns(tmp_path):
    po = tmp_path / "ko.po"
    msgid = unicodedata.normalize("NFD", "Café policy")
    translation = unicodedata.normalize("NFD", "카페 정책")
    po.write_text('msgid ""\nmsgstr ""\n"Language: ko\\n"\n"Plural-Forms: nplurals=1; plural=0;\\n"'
                  f'\n\nmsgid "{msgid}"\nmsgstr "{translation}"\n', encoding="utf-8")
    catalog = read_catalog(po, "ko.po", "ko")
    entry = lookup(catalog, "ko.po", "ko").usable("Café policy")
    assert entry is not None and entry.text == "카페 정책"
    assert [(line, name) for line, name, _ in catalog.notes] == [(7, "nfc")]


def test_check_warns_about_a_non_nfc_translation(project):
    po = project / KO
    text = po.read_text()
    korean = next(line for line in text.splitlines()
                  if line.startswith('msgstr "') and len(line) > 12)
    po.write_text(text.replace(korean, unicodedata.normalize("NFD", korean), 1))
    line = text[: text.index(korean)].count("\n") + 1
    code, out, err = run_cli("check", "--root", str(project))
    assert code == 0, out
    assert f"{KO}:{line}: [nfc] msgstr is not in Unicode NFC" in out


def test_percent_in_prose_gets_no_format_flag(project):
    """'rose 5% in 2024' is prose: no python-format in the POT or PO, and check accepts
    a translation with a full-width percent sign."""
    brief = project / BRIEF
    text = brief.read_text()
    assert "\nEver since war broke out" in text
    brief.write_text(text.replace("\nEver since war broke out",
                                  "\nDefense spending rose 5% in 2024.\n\nEver since war broke out", 1))
    assert run_cli("extract", "--root", str(project))[0] == 0
    pot = (project / f"locales/{SLUG}.pot").read_text()
    assert 'msgid "Defense spending rose 5% in 2024."' in pot
    assert "python-format" not in pot
    assert run_cli("update", "--root", str(project))[0] == 0
    for po, translation in ((JA, "防衛費は2024年に5％増加した。"), (KO, "국방비는 2024년에 5％ 증가했다.")):
        path = project / po
        path.write_text(path.read_text().replace(
            'msgid "Defense spending rose 5% in 2024."\nmsgstr ""',
            f'msgid "Defense spending rose 5% in 2024."\nmsgstr "{translation}"'))
        assert "python-format" not in path.read_text()
    code, out, err = run_cli("check", "--root", str(project))
    assert code == 0, out
    assert "placeholder" not in out
