"""The ``briefpress`` command: argument parsing and reporting, nothing else.

Exit codes: 0 success, 1 a problem in the user's input (printed as ``path:line:
message``) or in the machine's set-up (a missing library, font or pandoc, with the
command that installs it), 2 a usage error, 3 a bug in briefpress (its traceback is
shown), 4 a tool failed (pandoc failed or timed out, the disk refused a write), 130
interrupted, 141 the reader of the output went away (``| head``).

The command installs the log handlers (logs.shown_on) for the length of a command:
warnings, fallbacks and progress are log records of the library, shown here.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
from importlib import metadata
from pathlib import Path

from . import __version__, cache, catalogs, check, environment, logs, project
from .errors import BriefpressError, ErrorList, ToolError, UsageError
from .layout import Layout
from .pandoc import pandoc_path

BUG_NOTE = "This is a bug in briefpress; please report it with the traceback above."


class Parser(argparse.ArgumentParser):
    def error(self, message):
        raise UsageError(message)


class ShowVersion(Exception):
    pass


class VersionAction(argparse.Action):
    def __init__(self, option_strings, dest, **kwargs):
        super().__init__(option_strings, dest, nargs=0, help="print the versions of "
                         "briefpress, WeasyPrint and pandoc, and exit")

    def __call__(self, parser, namespace, values, option_string=None):
        raise ShowVersion


def split_list(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def make_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="briefpress", description="Publish policy briefs in several "
                    "languages from Markdown and gettext catalogs.")
    parser.add_argument("--version", action=VersionAction)
    common = Parser(add_help=False)
    common.add_argument("--root", type=Path, default=Path("."),
                        help="folder holding content/, locales/ and templates/ (default: .)")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    add_catalog_commands(sub, common)
    add_output_commands(sub, common)
    add_report_commands(sub, common)
    add_exchange_commands(sub, common)
    return parser


def add_catalog_commands(sub, common) -> None:
    """The subcommands of the catalogs: extract, update."""
    p = sub.add_parser("extract", parents=[common], help="write locales/<slug>.pot and the "
                       "templates' POT")
    p.add_argument("--brief", action="append", help="only this brief (repeatable)")

    p = sub.add_parser("update", parents=[common], help="create or update the PO files")
    p.add_argument("--locale", type=split_list, action="extend", help="language(s), e.g. ja,ko")
    p.add_argument("--drop-obsolete", action="store_true",
                   help="remove entries whose source is gone instead of keeping them as #~")


def add_output_commands(sub, common) -> None:
    """The subcommands of the outputs: build, watch, serve, distribute."""
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
    p.add_argument("--queue", type=Path, default=None,
                   help="build the groups this file lists (a line 'SLUG LANG' each, as "
                        "the make rules queue them), then remove it")
    p.add_argument("--distribute", action="store_true",
                   help="then write the listings and feeds, as `distribute` does")
    p.add_argument("--jobs", type=int, default=None,
                   help="worker processes laying out editions (default: one per core)")

    p = sub.add_parser("watch", parents=[common], help="rebuild what each saved file "
                       "touches, in a warm process (Ctrl-C to stop)")
    p.add_argument("--format", type=split_list, default=["pdf"],
                   help="comma-separated: pdf, epub, html (default: pdf)")
    p.add_argument("--out", type=Path, default=None, help="output folder (default: ROOT/build)")

    p = sub.add_parser("serve", parents=[common], help="preview build/ on 127.0.0.1 with "
                       "live reload, rebuilding what each saved file touches (Ctrl-C to stop)")
    p.add_argument("--port", type=int, default=8000, help="port (default: 8000; 0: any free)")
    p.add_argument("--format", type=split_list, default=["pdf", "epub", "html"],
                   help="comma-separated: pdf, epub, html (default: all)")
    p.add_argument("--out", type=Path, default=None, help="output folder (default: ROOT/build)")

    p = sub.add_parser("distribute", parents=[common], help="write the index pages, "
                       "SHA256SUMS, feed.xml and opds.xml for the outputs in --out")
    p.add_argument("--out", type=Path, default=None, help="output folder (default: ROOT/build)")


def add_report_commands(sub, common) -> None:
    """The subcommands of reports: check, rules, status."""
    p = sub.add_parser("check", parents=[common], help="translation QA: every catalog "
                       "against its source (markup, numbers, glossary, ...)")
    p.add_argument("--brief", action="append", help="only this brief (repeatable)")
    p.add_argument("--strict", action="store_true",
                   help="fuzzy, untranslated and obsolete entries are errors, not warnings")

    p = sub.add_parser("rules", parents=[common], help="print Makefile rules for every "
                       "brief and language (used by the Makefile)")
    p.add_argument("--out", default="build", help="output folder, relative to ROOT")
    p.add_argument("--build", action="store_true",
                   help="on a fresh output folder, also build what the rules would queue "
                   "and write the listings (a clean `make` then runs one process)")

    p = sub.add_parser("status", parents=[common], help="translation progress per language")
    p.add_argument("--brief", action="append", help="only this brief (repeatable)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--verbose", action="store_true", help="list every unit and its state")


def add_exchange_commands(sub, common) -> None:
    """The subcommands of exchange with other tools: xliff, import."""
    p = sub.add_parser("xliff", help="exchange with CAT tools: XLIFF 1.2 export and import")
    xsub = p.add_subparsers(dest="xliff_command", required=True, parser_class=Parser)
    x = xsub.add_parser("export", parents=[common], help="one XLIFF file per brief into "
                        "--locale, in --out (default: ROOT/build/xliff)")
    x.add_argument("--locale", required=True, help="target language, e.g. ja")
    x.add_argument("--brief", action="append", help="only this brief (repeatable)")
    x.add_argument("--out", type=Path, default=None, help="output folder")
    x = xsub.add_parser("import", parents=[common], help="merge XLIFF targets into the "
                        "PO files (refused if a source changed or a check fails)")
    x.add_argument("files", nargs="+", type=Path, metavar="FILE")

    p = sub.add_parser("import", parents=[common], help="a Word manuscript (.docx) "
                       "becomes content/SLUG/brief.md and its images")
    p.add_argument("manuscript", type=Path, metavar="MANUSCRIPT.docx")
    p.add_argument("--slug", required=True, help="the new brief's folder name")
    p.add_argument("--force", action="store_true", help="overwrite an existing brief")


def versions() -> list[str]:
    """briefpress's version and those of the engines it drives: WeasyPrint (read from
    its metadata: importing it takes a second) and pandoc (one `pandoc --version`)."""
    lines = [f"briefpress {__version__}", f"WeasyPrint {metadata.version('weasyprint')}"]
    path = pandoc_path()
    try:
        first = subprocess.run([path, "--version"], capture_output=True, text=True,
                               timeout=30, check=True).stdout.splitlines()[0]
    except (OSError, subprocess.SubprocessError, IndexError) as exc:
        raise environment.missing_pandoc(path, False) from exc
    lines.append(f"{first} ({path})")
    return lines


def main(argv: list[str] | None = None, stdout=None, stderr=None) -> int:
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    try:
        try:
            args = make_parser().parse_args(argv)
        except ShowVersion:
            print("\n".join(versions()), file=stdout)
            stdout.flush()
            return 0
        with logs.shown_on(stderr):
            code = run(args, stdout, stderr)
        stdout.flush()  # here, so a closed pipe is seen while it can be handled
        return code
    except BrokenPipeError:
        # The reader went away (`briefpress status | head`): stop quietly, as a Unix
        # tool does, with the status a shell shows for SIGPIPE.
        quiet(stdout)
        return 141
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
    except ToolError as exc:
        print(exc, file=stderr)
        return 4
    except KeyboardInterrupt:
        print("briefpress: interrupted; finished outputs are in place, nothing half-written",
              file=stderr)
        return 130
    except SystemExit:
        raise
    except Exception as exc:
        problem = environment.explain(exc)
        if problem:
            print(problem, file=stderr)
            return 1
        import traceback

        traceback.print_exc(file=stderr)
        print(BUG_NOTE, file=stderr)
        return 3


def quiet(stream) -> None:
    """Point *stream*'s file at /dev/null, so that flushing what is left in its buffer
    at exit cannot fail again on the closed pipe."""
    try:
        fd = stream.fileno()
    except (AttributeError, OSError, ValueError):
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fd)
    os.close(devnull)


# Commands that parse briefs without building: they share pandoc's parses and unit
# texts with each other and with `make` through the build folder's disk cache.
READERS = {"extract", "update", "status", "check", "xliff"}


def run(args, stdout, stderr) -> int:
    root = args.root.resolve()
    catalogs.LOGGED.clear()  # each command warns once about each catalog problem
    scope = cache.using(Layout(root).out / ".cache") if args.command in READERS \
        else contextlib.nullcontext()
    with scope:
        return COMMANDS[args.command](args, root, stdout, stderr)


def command_extract(args, root: Path, stdout, stderr) -> int:
    written = partly(lambda: project.extract(root, args.brief),
                     lambda done: report_files(done, "extract", stderr))
    report_files(written, "extract", stderr)
    return 0


def command_update(args, root: Path, stdout, stderr) -> int:
    filled: dict = {}
    written = project.update(root, args.locale, drop_obsolete=args.drop_obsolete,
                             filled=filled)
    report_files(written, "update", stderr)
    for po, count in filled.items():
        if count:
            print(f"{po}: {count} units filled from translation memory (review them: "
                  "close matches are fuzzy)", file=stderr)
    return 0


def command_build(args, root: Path, stdout, stderr) -> int:
    if not args.format:
        raise UsageError(f"--format needs at least one of {', '.join(project.FORMATS)}")
    unknown = set(args.format) - set(project.FORMATS)
    if unknown:
        raise UsageError(f"unknown format {', '.join(sorted(unknown))} "
                         f"(choose from {', '.join(project.FORMATS)})")
    out = (args.out or Layout(root).out).resolve()
    # with --distribute, Pagefind starts first (it warms up while WeasyPrint is
    # imported) and makes the search index while the PDFs are laid out
    index = []
    web_written = None
    if args.distribute:
        from .search import SearchIndex

        index.append(SearchIndex(out, Layout(root).locales()))
        web_written = index[0].start
    if args.queue is not None:
        work = lambda: project.build_queue(  # noqa: E731
            root, out, args.queue.resolve(), formats=tuple(args.format),
            strict=args.strict, workers=args.jobs, web_written=web_written,
            previews=args.distribute)
    else:
        work = lambda: project.build(  # noqa: E731
            root, out, briefs=args.brief, locales=args.locale, formats=tuple(args.format),
            strict=args.strict, paper={"a4": "A4", "letter": "letter"}[args.paper],
            workers=args.jobs, web_written=web_written, previews=args.distribute)
    try:
        if "pdf" in args.format:
            environment.import_weasyprint()
        result = partly(work, lambda done: done.written and report_build(done, root, stderr))
    except BaseException:
        for started in index:
            started.cancel()
        raise
    if result.written or args.queue is None:
        report_build(result, root, stderr)
    if args.distribute:
        return command_distribute(args, root, stdout, stderr, *index)
    return 0


def command_watch(args, root: Path, stdout, stderr) -> int:
    from .watch import watch

    if "pdf" in args.format:
        environment.import_weasyprint()
    watch(root, (args.out or Layout(root).out).resolve(), tuple(args.format))
    return 0


def command_serve(args, root: Path, stdout, stderr) -> int:
    from .serve import serve

    serve(root, (args.out or Layout(root).out).resolve(), tuple(args.format),
          port=args.port)
    return 0


def command_distribute(args, root: Path, stdout, stderr, index=None) -> int:
    from .distribute import distribute

    out = (args.out or Layout(root).out).resolve()
    with cache.using(out / ".cache"):  # the briefs as the build parsed them
        written = distribute(root, out, index=index)
    report_files([display(p, root) for p in written], "distribute", stderr)
    return 0


def command_check(args, root: Path, stdout, stderr) -> int:
    problems = check.check(root, args.brief, strict=args.strict)
    for problem in problems:
        print(problem, file=stdout)
    stdout.flush()  # a closed pipe ends the command before its summary
    errors = sum(p.severity == "error" for p in problems)
    print(f"check: {errors} errors, {len(problems) - errors} warnings", file=stderr)
    return 1 if errors else 0


def command_xliff(args, root: Path, stdout, stderr) -> int:
    from . import xliff

    if args.xliff_command == "export":
        out = (args.out or Layout(root).out / "xliff").resolve()
        written = xliff.export(root, args.locale, args.brief, out)
        report_files([display(p, root) for p in written], "xliff export", stderr)
    else:
        written, conflicts, changes = xliff.import_files(
            root, [p.resolve() for p in args.files], [str(p) for p in args.files])
        for conflict in conflicts:
            print(conflict, file=stderr)
        for po, count in changes.items():
            print(f"{po}: {count} units merged, {'written' if po in written else 'unchanged'}",
                  file=stderr)
        if conflicts:
            print(f"xliff import: {len(conflicts)} conflicts: the PO files kept their "
                  "text; merge those units by hand", file=stderr)
            return 1
    return 0


def command_import(args, root: Path, stdout, stderr) -> int:
    from .manuscript import import_docx

    brief, report = import_docx(root, args.manuscript, args.slug, force=args.force)
    for line in report:
        print(line, file=stderr)
    print(f"wrote {display(brief, root)}", file=stderr)
    return 0


def command_rules(args, root: Path, stdout, stderr) -> int:
    from . import makefile

    out = (root / args.out).resolve()
    index = None
    if args.build and makefile.fresh(out):  # Pagefind warms up while the rest loads
        from .search import SearchIndex

        index = SearchIndex(out, Layout(root).locales())
    stamps: list[str] = []
    try:
        rules = partly(lambda: makefile.make_rules(root, args.out, stamps=stamps),
                       stdout.write)
        if index is not None:
            environment.import_weasyprint()
            makefile.bootstrap(root, out, index, stamps,
                               log=lambda result: report_build(result, root, stderr))
    except BaseException:
        if index is not None:
            index.cancel()
        raise
    stdout.write(rules)
    return 0


def command_status(args, root: Path, stdout, stderr) -> int:
    report = partly(lambda: project.status(root, args.brief),
                    lambda done: show_status(done, args, stdout))
    show_status(report, args, stdout)
    return 0


COMMANDS = {
    "extract": command_extract,
    "update": command_update,
    "build": command_build,
    "watch": command_watch,
    "serve": command_serve,
    "distribute": command_distribute,
    "check": command_check,
    "xliff": command_xliff,
    "import": command_import,
    "rules": command_rules,
    "status": command_status,
}


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
                  f"fuzzy {f['units']}, untranslated {u['units']}; "
                  f"from memory {info['from_memory']['units']}", file=stream)
            if verbose:
                for unit in info["units"]:
                    if unit["state"] != "translated" or verbose:
                        print(f"    {brief['source']}:{unit['line']}: {unit['state']}: "
                              f"[{unit['kind']}] {unit['text'][:60]}", file=stream)


if __name__ == "__main__":
    sys.exit(main())
