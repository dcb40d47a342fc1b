"""What briefpress needs from the machine, and what to say when it is missing.

A system library WeasyPrint cannot load, a font fontconfig cannot find or a missing
pandoc is neither a bug in briefpress nor a problem in the user's input: the message
names what is missing and the command that installs it (``EnvironmentProblem``).
"""

from __future__ import annotations

import io
import os
import re
import sys
from contextlib import contextmanager, redirect_stdout
from importlib import metadata

from .errors import EnvironmentProblem

# The Debian package of each library WeasyPrint loads, by its name without "lib" and
# the trailing soname number (WeasyPrint's documented set, and what they pull in).
LIBRARIES = {
    "gobject-2.0": "libglib2.0-0",
    "pango-1.0": "libpango-1.0-0",
    "pangoft2-1.0": "libpangoft2-1.0-0",
    "harfbuzz": "libharfbuzz0b",
    "harfbuzz-subset": "libharfbuzz-subset0",
    "fontconfig": "libfontconfig1",
}
# Font families by prefix, and the Debian package that has them.
FONTS = (("Noto Serif CJK", "fonts-noto-cjk"), ("Noto Sans CJK", "fonts-noto-cjk"),
         ("Noto ", "fonts-noto-core"), ("DejaVu ", "fonts-dejavu-core"))


def apt_get(*packages: str) -> str:
    return "apt-get install -y --no-install-recommends " + " ".join(packages)


def library_package(name: str) -> str | None:
    """'libpango-1.0-0', 'libpango-1.0.so.0' or 'pango-1.0' -> 'libpango-1.0-0'."""
    key = re.sub(r"(\.so(\.\d+)*|-\d+)$", "", os.path.basename(name).removeprefix("lib"))
    return LIBRARIES.get(key)


def missing_library(exc: OSError) -> EnvironmentProblem | None:
    """The problem behind cffi's "cannot load library 'X': reason", if that is *exc*."""
    found = re.search(r"cannot load library '([^']+)': ?(.*)", str(exc))
    if not found:
        return None
    name, reason = found.groups()
    reason = reason.split(".  Additionally")[0].strip().rstrip(".")
    package = library_package(name)
    what = f"WeasyPrint cannot load the system library {name}"
    if package:
        return EnvironmentProblem(f"{what} ({reason}); it is in the Debian package "
                                  f"{package}", apt_get(package))
    return EnvironmentProblem(f"{what} ({reason}); WeasyPrint's Debian packages are",
                              apt_get("libpango-1.0-0", "libpangoft2-1.0-0",
                                      "libharfbuzz-subset0"))


def font_package(family: str) -> str | None:
    return next((package for prefix, package in FONTS if family.startswith(prefix)), None)


def missing_font(family: str, offered: str | None = None) -> EnvironmentProblem:
    """*family* is not installed (fontconfig offered *offered* instead), or fontconfig's
    library itself is missing (*offered* None)."""
    if offered is None:
        return EnvironmentProblem(f"cannot look up the font {family!r}: fontconfig's "
                                  "library is missing", apt_get("libfontconfig1"))
    package = font_package(family)
    instead = f"fontconfig offers {offered!r} instead" if offered \
        else "fontconfig finds no fonts at all"
    message = (f"the font {family!r} is not installed ({instead}; "
               "templates/languages.yaml names the fonts per language)")
    if package:
        return EnvironmentProblem(f"{message}; it is in the Debian package {package}",
                                  apt_get(package))
    return EnvironmentProblem(message + "; install a Debian package that has it "
                              "(`apt-cache search fonts-` lists them)")


def missing_pandoc(path: str | None, variable: bool) -> EnvironmentProblem:
    """No usable pandoc: the one pypandoc-binary ships, or $PYPANDOC_PANDOC (*variable*)."""
    if variable:
        return EnvironmentProblem(f"PYPANDOC_PANDOC names {path}, which is not an "
                                  "executable pandoc; unset it to use the pandoc that "
                                  "comes with pypandoc-binary", as_root=False)
    spec = next((r.split(";")[0].replace(" ", "") for r in metadata.requires("briefpress")
                 or () if r.startswith("pypandoc-binary")), "pypandoc-binary")
    return EnvironmentProblem(
        f"pandoc is missing: {path} is not an executable file and no pandoc is on "
        "PATH; briefpress uses the pandoc that comes with the Python package "
        "pypandoc-binary",
        f"{sys.executable} -m pip install --force-reinstall '{spec}'", as_root=False)


def import_weasyprint():
    """Import WeasyPrint (made quicker by sonames_only and sized_arrays), or raise the
    EnvironmentProblem of the library it lacks."""
    try:
        # On failure WeasyPrint prints a troubleshooting banner to stdout; the
        # message raised here replaces it.
        with redirect_stdout(io.StringIO()):
            if "weasyprint" not in sys.modules:
                try:
                    with sonames_only():
                        from weasyprint.text import ffi
                    if ffi.harfbuzz_subset is None:
                        raise OSError("libharfbuzz-subset not found by its soname")
                except OSError:  # the slow way, which may find what dlopen did not
                    for name in [m for m in sys.modules if m.split(".")[0] == "weasyprint"]:
                        del sys.modules[name]
            import weasyprint
    except OSError as exc:
        raise missing_library(exc) or exc from None
    sized_arrays(sys.modules["weasyprint.text.ffi"].ffi)
    return weasyprint


@contextmanager
def sonames_only():
    """WeasyPrint tries several names for each library it loads (Windows', macOS',
    Linux's); cffi runs ``ctypes.util.find_library`` for every name dlopen does not
    know, which starts ldconfig and gcc: 22 lookups, 0.2 s of each process's import.
    Here a lookup finds nothing at once, and the Linux soname in WeasyPrint's list
    loads directly."""
    import ctypes.util

    real = ctypes.util.find_library
    ctypes.util.find_library = lambda name: None
    try:
        yield
    finally:
        ctypes.util.find_library = real


SIZED_ARRAY = re.compile(r"([A-Za-z_][\w ]*?)\s*\[(\d+)\]")


def sized_arrays(ffi) -> None:
    """cffi parses each new C type string with pycparser (about 4 ms), and WeasyPrint's
    font subsetting asks for ``hb_codepoint_t[N]`` with a new N for every font: 0.2 s per
    PDF. An array given its items is the same as ``T[]`` of them, a type parsed once."""
    new = ffi.new
    if getattr(new, "briefpress", False):
        return

    def unsized(cdecl, init=None):
        if init is not None and isinstance(cdecl, str):
            match = SIZED_ARRAY.fullmatch(cdecl.strip())
            if match and hasattr(init, "__len__") and len(init) == int(match[2]):
                return new(f"{match[1]}[]", init)
        return new(cdecl, init)

    unsized.briefpress = True
    ffi.new = unsized


def explain(exc: BaseException) -> EnvironmentProblem | None:
    """The environment problem behind an unexpected exception, if it is one."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, EnvironmentProblem):
            return exc
        if isinstance(exc, OSError) and (problem := missing_library(exc)):
            return problem
        exc = exc.__cause__ or exc.__context__
    return None
