"""Where a project's files are: one object owns the layout, as Sphinx's
``CatalogRepository`` owns its catalogs' (``sphinx/util/i18n.py``).

    content/<slug>/brief.md                  a brief and its figures
    locales/<slug>.pot                       its template; ``templates.pot`` the templates'
    locales/<lang>/LC_MESSAGES/<slug>.po     a translation (the folder makes a language)
    locales/<lang>/glossary.po               the language's glossary
    locales/<lang>/compendium.po             its translation memory
    templates/                               the project's own templates, if any
    build/<slug>/<slug>.<edition>.<format>   the outputs (``--out`` moves build/)

Paths are given relative to the root (as ``str``, the spelling messages and rules
use) by the methods named after a file, and made absolute by ``path()``. This module
imports nothing of ours, so every stage may use it.
"""

from __future__ import annotations

from pathlib import Path

TEMPLATES_DOMAIN = "templates"  # the catalog of the templates' own strings


class Layout:
    def __init__(self, root: Path, out: Path | None = None):
        self.root = root
        self.out = out if out is not None else root / "build"

    def path(self, rel: str) -> Path:
        return self.root / rel

    # --- sources ----------------------------------------------------------------------
    @staticmethod
    def brief(slug: str) -> str:
        return f"content/{slug}/brief.md"

    @property
    def content(self) -> Path:
        return self.root / "content"

    def brief_folder(self, slug: str) -> Path:
        return self.content / slug

    def briefs(self) -> list[str]:
        """Every brief's slug: each ``content/<slug>/brief.md``."""
        if not self.content.is_dir():
            return []
        return sorted(p.parent.name for p in self.content.glob("*/brief.md"))

    # --- catalogs ---------------------------------------------------------------------
    @staticmethod
    def pot(domain: str) -> str:
        return f"locales/{domain}.pot"

    @staticmethod
    def po(lang: str, domain: str) -> str:
        return f"locales/{lang}/LC_MESSAGES/{domain}.po"

    @staticmethod
    def catalog_folder(lang: str) -> str:
        return f"locales/{lang}/LC_MESSAGES"

    @staticmethod
    def glossary(lang: str) -> str:
        return f"locales/{lang}/glossary.po"

    @staticmethod
    def compendium(lang: str) -> str:
        return f"locales/{lang}/compendium.po"

    def locales(self) -> list[str]:
        """Target languages: every ``locales/<lang>/LC_MESSAGES`` folder."""
        base = self.root / "locales"
        if not base.is_dir():
            return []
        return sorted(p.parent.name for p in base.glob("*/LC_MESSAGES") if p.is_dir())

    def pots(self) -> list[Path]:
        return sorted((self.root / "locales").glob("*.pot"))

    def pos(self, lang: str = "*", domain: str = "*") -> list[Path]:
        """The PO files of *lang* and *domain* (``*``: every one), sorted."""
        return sorted(self.root.glob(self.po(lang, domain)))

    def catalog_files(self) -> list[Path]:
        """Every PO file under locales/ (glossaries and compendiums included)."""
        return list((self.root / "locales").rglob("*.po"))

    def parse(self, path: Path) -> tuple[str, str | None, str | None]:
        """What a file under the root is: ("brief", slug, None), ("po", domain, lang),
        ("templates", None, None), or ("other", None, None)."""
        parts = path.relative_to(self.root).parts
        if parts[0] == "content" and len(parts) > 2:
            return "brief", parts[1], None
        if parts[0] == "locales" and len(parts) == 4 and parts[2] == "LC_MESSAGES":
            return "po", Path(parts[3]).stem, parts[1]
        if parts[0] == "templates":
            return "templates", None, None
        return "other", None, None

    # --- templates and outputs --------------------------------------------------------
    @property
    def templates(self) -> Path:
        return self.root / "templates"

    def output_folder(self, slug: str) -> Path:
        return self.out / slug

    def output(self, slug: str, edition: str, fmt: str) -> Path:
        """``<out>/<slug>/<slug>.<edition>.<fmt>``; *edition* a language or a pair."""
        return self.out / slug / f"{slug}.{edition}.{fmt}"
