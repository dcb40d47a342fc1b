"""The ``briefpress`` command: argument parsing and reporting, nothing else.

Exit codes: 0 success, 1 a problem in the user's input (printed as ``path:line:
message``), 2 a usage error. A bug in briefpress itself still shows its traceback.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from . import __version__, check, project
from .errors import BriefpressError, ErrorList, UsageError

BUG_NOTE = "This is a bug in briefpress; please report it with the traceback above."


class Parser(argparse.ArgumentParser):
    def error(self, message):
        raise UsageError(message)


def split_list(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def make_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="briefpress", description="Publish policy briefs in several "
                    "languages from Markdown and gettext catalogs.")
    parser.add_argument("--version", action="version", version=f"briefpress {__version__}")
    common = Parser(add_help=False)
    common.add_argument("--root", type=Path, default=Path("."),
                        help="folder holding content/, locales/ and templates/ (default: .)")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)

    p = sub.add_parser("extract", parents=[common], help="write locales/<slug>.pot and the "
                       "templates' POT")
    p.add_argument("--brief", action="append", help="only this brief (repeatable)")

    p = sub.add_parser("update", parents=[common], help="create or update the PO files")
    p.add_argument("--locale", type=split_list, action="extend", help="language(s), e.g. ja,ko")
    p.add_argument("--drop-obsolete", action="store_true",
                   help="remove entries whose source is gone instead of keeping them as #~")

    p = sub.add_parser("build", parents=[common], help="write PDFs, EPUBs and HTML")
    p.add_argument("--brief", action="append", help="only this brief (repeatable)")
    p.add_argument("--locale", type=split_list, action="extend",
                   help="only these languages (the source language included only if named)")
    p.add_argument("--format", type=split_list, default=["pdf", "epub"],
                   help="comma-separated: pdf, epub, html (default: pdf,epub)")
    p.add_argument("--out", type=Path, default=None, help="output folder (default: ROOT/build)")
    p.add_argument("--strict", action="store_true",
                   help="fail on any untranslated or fuzzy unit instead of falling back")
    p.add_argument("--paper", choices=["a4", "letter"], default="a4",
                   help="page size of the PDFs (default: a4)")

    p = sub.add_parser("watch", parents=[common], help="rebuild what each saved file "
                       "touches, in a warm process (Ctrl-C to stop)")
    p.add_argument("--format", type=split_list, default=["pdf"],
                   help="comma-separated: pdf, epub, html (default: pdf)")
    p.add_argument("--out", type=Path, default=None, help="output folder (default: ROOT/build)")

    p = sub.add_parser("distribute", parents=[common], help="write the index pages, "
                       "SHA256SUMS, feed.xml and opds.xml for the outputs in --out")
    p.add_argument("--out", type=Path, default=None, help="output folder (default: ROOT/build)")

    p = sub.add_parser("check", parents=[common], help="translation QA: every catalog "
                       "against its source (markup, numbers, glossary, ...)")
    p.add_argument("--brief", action="append", help="only this brief (repeatable)")
    p.add_argument("--strict", action="store_true",
                   help="fuzzy, untranslated and obsolete entries are errors, not warnings")

    p = sub.add_parser("rules", parents=[common], help="print Makefile rules for every "
                       "brief and language (used by the Makefile)")
    p.add_argument("--out", default="build", help="output folder, relative to ROOT")

    p = sub.add_parser("status", parents=[common], help="translation progress per language")
    p.add_argument("--brief", action="append", help="only this brief (repeatable)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--verbose", action="store_true", help="list every unit and its state")
    return parser


def main(argv: list[str] | None = None, stdout=None, stderr=None) -> int:
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    logging.basicConfig(level=logging.WARNING, stream=stderr, format="%(name)s: %(message)s")
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    try:
        args = make_parser().parse_args(argv)
        return run(args, stdout, stderr)
    except UsageError as exc:
        print(f"briefpress: {exc}", file=stderr)
        return 2
    except ErrorList as exc:
        for error in exc.errors:
            print(error, file=stderr)
        return 1
    except BriefpressError as exc:
        print(exc, file=stderr)
        return 1
    except KeyboardInterrupt:
        print("briefpress: interrupted; finished outputs are in place, nothing half-written",
              file=stderr)
        return 130
    except SystemExit:
        raise
    except Exception:
        import traceback

        traceback.print_exc(file=stderr)
        print(BUG_NOTE, file=stderr)
        return 3


def run(args, stdout, stderr) -> int:
    root = args.root.resolve()
    if args.command == "extract":
        written = partly(lambda: project.extract(root, args.brief),
                         lambda done: report_files(done, "extract", stderr))
        report_files(written, "extract", stderr)
    elif args.command == "update":
        written = project.update(root, args.locale, drop_obsolete=args.drop_obsolete)
        report_files(written, "update", stderr)
    elif args.command == "build":
        if not args.format:
            raise UsageError(f"--format needs at least one of {', '.join(project.FORMATS)}")
        unknown = set(args.format) - set(project.FORMATS)
        if unknown:
            raise UsageError(f"unknown format {', '.join(sorted(unknown))} "
                             f"(choose from {', '.join(project.FORMATS)})")
        out = (args.out or root / "build").resolve()
        result = partly(lambda: project.build(
            root, out, briefs=args.brief, locales=args.locale, formats=tuple(args.format),
            strict=args.strict, paper={"a4": "A4", "letter": "letter"}[args.paper],
            stream=stderr), lambda done: done.written and report_build(done, root, stderr))
        report_build(result, root, stderr)
    elif args.command == "watch":
        from .watch import watch

        watch(root, (args.out or root / "build").resolve(), tuple(args.format), stream=stderr)
    elif args.command == "distribute":
        from .distribute import distribute

        out = (args.out or root / "build").resolve()
        report_files([display(p, root) for p in distribute(root, out)], "distribute", stderr)
    elif args.command == "check":
        problems = check.check(root, args.brief, strict=args.strict)
        for problem in problems:
            print(problem, file=stdout)
        errors = sum(p.severity == "error" for p in problems)
        print(f"check: {errors} errors, {len(problems) - errors} warnings", file=stderr)
        return 1 if errors else 0
    elif args.command == "rules":
        stdout.write(partly(lambda: project.make_rules(root, args.out), stdout.write))
    elif args.command == "status":
        report = partly(lambda: project.status(root, args.brief),
                        lambda done: show_status(done, args, stdout))
        show_status(report, args, stdout)
    return 0


def partly(work, report=None):
    """*work()*; when some briefs failed (project.PartlyDone), *report* what was done for
    the others first, then let the errors through (exit 1)."""
    try:
        return work()
    except project.PartlyDone as exc:
        (report or (lambda done: None))(exc.done)
        raise


def show_status(report: list[dict], args, stdout) -> None:
    if args.json:
        if not args.verbose:
            for brief in report:
                for lang in brief["languages"].values():
                    lang.pop("units")
        json.dump(report, stdout, ensure_ascii=False, indent=2)
        stdout.write("\n")
    else:
        print_status(report, args.verbose, stdout)


def report_files(written: list[str], what: str, stream) -> None:
    for path in written:
        print(f"wrote {path}", file=stream)
    if not written:
        print(f"{what}: nothing changed", file=stream)


def display(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


def report_build(result: project.BuildResult, root: Path, stream) -> None:
    size = sum(p.stat().st_size for p in result.written)
    print(f"built {len(result.written)} files ({size / 1024:.0f} KiB) in "
          f"{result.seconds:.1f} s", file=stream)
    for key, fallbacks in result.fallbacks.items():
        if not fallbacks:
            continue
        slug, lang = key.split("/")
        print(f"{key}: {len(fallbacks)} units fell back to the source language "
              "(build with --strict to refuse):", file=stream)
        for f in fallbacks:
            where = f"locales/{lang}/LC_MESSAGES/{slug}.po:{f.po_line}" if f.po_line \
                else f"content/{slug}/brief.md:{f.segment.line}"
            print(f"  {where}: {f.state}: {f.segment.text[:70]}", file=stream)


def print_status(report: list[dict], verbose: bool, stream) -> None:
    for brief in report:
        print(f"{brief['brief']} ({brief['source']})", file=stream)
        if not brief["languages"]:
            print("  no target languages (locales/<lang>/LC_MESSAGES)", file=stream)
        for lang, info in brief["languages"].items():
            t, f, u = (info[s] for s in ("translated", "fuzzy", "untranslated"))
            print(f"  {lang}: {info['percent']:5.1f}% translated  "
                  f"{t['units']}/{info['total']['units']} units, "
                  f"{t['words']}/{info['total']['words']} words; "
                  f"fuzzy {f['units']}, untranslated {u['units']}", file=stream)
            if verbose:
                for unit in info["units"]:
                    if unit["state"] != "translated" or verbose:
                        print(f"    {brief['source']}:{unit['line']}: {unit['state']}: "
                              f"[{unit['kind']}] {unit['text'][:60]}", file=stream)


if __name__ == "__main__":
    sys.exit(main())
