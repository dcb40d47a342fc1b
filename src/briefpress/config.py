"""The project's own settings, from an optional ``briefpress.toml`` at the root.

```toml
[site]
base_url = "https://example.org/briefs/"   # where build/ is published
```

With ``site.base_url`` set, the feeds, the OPDS catalog, the sitemap and the pages'
Open Graph tags carry absolute URLs, and feed ids become those stable URLs; without it
everything is relative and ids are ``urn:briefpress:...`` names.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from .errors import BriefpressError

CONFIG = "briefpress.toml"


class ConfigError(BriefpressError):
    category = "config"


@dataclass(frozen=True)
class Site:
    base_url: str = ""  # "" or an absolute http(s) URL ending in "/"

    def url(self, path: str) -> str:
        """*path* (relative to build/) as the URL readers reach it at, or *path* itself."""
        return urljoin(self.base_url, path) if self.base_url else path


def site_config(root: Path) -> Site:
    path = root / CONFIG
    if not path.is_file():
        return Site()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None) or _line_of(str(exc))
        raise ConfigError(f"invalid TOML: {str(exc).split(' (at')[0]}", CONFIG, line) from None
    except UnicodeDecodeError:
        raise ConfigError("not UTF-8 text", CONFIG, 1) from None
    site = data.get("site", {})
    unknown = set(data) - {"site"} | (set(site) - {"base_url"} if isinstance(site, dict) else set())
    if not isinstance(site, dict) or unknown:
        raise ConfigError(f"unknown setting(s): {', '.join(sorted(unknown)) or 'site'} "
                          "(known: site.base_url)", CONFIG, 1)
    base = site.get("base_url", "")
    parts = urlsplit(base) if isinstance(base, str) else None
    if base and (not parts or parts.scheme not in ("http", "https") or not parts.netloc
                 or parts.query or parts.fragment):
        raise ConfigError(f"site.base_url must be an absolute http(s) URL, not {base!r}",
                          CONFIG, _find_line(path, "base_url"))
    if base and not base.endswith("/"):
        base += "/"
    return Site(base)


def _line_of(message: str) -> int:
    import re

    m = re.search(r"line (\d+)", message)
    return int(m.group(1)) if m else 1


def _find_line(path: Path, key: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip().startswith(key):
            return number
    return 1
