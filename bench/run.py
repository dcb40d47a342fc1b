"""briefpress benchmark (a script, not a test): `make bench`, or

    .venv/bin/python bench/run.py [--root DIR] [--out FILE] [--reps N] [--full]

Every figure comes from this one run, measured side by side (briefpress and what it is
compared with alternate within each repetition), as the median of N repetitions, so
ratios hold on a noisy machine. Prints a table (figure, value, target, met / NOT met)
and writes everything to build/bench.json under the root.

Sections:
  outputs  per brief, language and format: briefpress's time in a warm process, stage by
           stage, against the raw engine on the same intermediate (WeasyPrint on the same
           HTML; pandoc's EPUB or HTML writer on the same localized AST); pandoc runs per
           brief and language (briefpress.pandoc.spawn_count)
  profile  where the time of a warm in-process build goes (cProfile)
  peers    per language: `briefpress build --format pdf` as a whole process against
           `pandoc --pdf-engine=weasyprint` on the localized Markdown; the Typst route
  matrix   `make -j2` from a clean build/ in a temporary copy (wall, CPU, cores, peak
           memory), a no-op make, one PO file saved
  scaling  the seed brief repeated 10x and 50x: time per page, peak memory
  second pass  the ja PDF with and without the layout pass that pulls back short last
           lines
  size     PDF bytes against Typst's, and the embedded fonts in each
  watch    `briefpress watch` latency (skipped while there is no such command)
  many     N generated briefs x 3 languages through make -j2 (wall, cores, peak memory,
           time per brief against 1 brief); extract/status/check on a 300 KB brief
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
os.environ.setdefault("SOURCE_DATE_EPOCH", "1764374400")  # reproducible outputs

import fontfix  # noqa: E402
import hotspots  # noqa: E402
import many  # noqa: E402
import matrix  # noqa: E402
import peers  # noqa: E402
import scaled  # noqa: E402
import stages  # noqa: E402
import watch  # noqa: E402
from common import font_breakdown, kib, median, run_process, secs  # noqa: E402

from briefpress import pandoc  # noqa: E402
from briefpress.layout import Layout  # noqa: E402
from briefpress.load import load  # noqa: E402

# Targets (issue 7).
OVERHEAD_TARGET = 1.10  # briefpress time / raw engine time, per output
# Targets (issue 13), against one peer PDF process (pandoc --pdf-engine=weasyprint) of
# the same run: `build --locale L --format pdf` as a whole process, and a clean `make`.
PEER_PDF_FACTOR = 1.5
CLEAN_MAKE_FACTOR = 3.5
NOOP_TARGET = 0.3  # seconds
SPAWN_TARGET = 2  # pandoc processes per brief and language
PAGE_TIME_FACTOR = 1.3  # time per page at the largest size / at 1x
MEMORY_TARGET_MB = 1024
SIZE_TARGET = 1.5  # briefpress PDF bytes / Typst's, for the CJK editions
WATCH_TARGET = 0.6  # seconds from saving a PO file to the rewritten PDF
SECOND_PASS_TARGET = 1.3  # ja PDF with the short-last-line pass / without it (issue 10)

# A section starts another repetition only while that fits its budget (seconds), so a
# slow pipeline still gets benchmarked in about three minutes; the first always runs.
# The report says how many repetitions each section made.
BUDGET_S = {"outputs": 35, "peers": 30, "matrix": 20}


def another_rep(started: float, done: int, budget: float) -> bool:
    """Whether one more repetition, as long as the average so far, fits the budget."""
    spent = time.perf_counter() - started
    return spent + spent / done <= budget


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def groups_of(root: Path) -> list[tuple[str, str, str]]:
    """(slug, language, source language) for every brief and language, as make builds."""
    out = []
    for slug in Layout(root).briefs():
        source = load(root, slug).lang
        out += [(slug, lang, source) for lang in
                [source] + [other for other in Layout(root).locales() if other != source]]
    return out


# --- sections ------------------------------------------------------------------------


def interpreter_start(reps: int) -> dict:
    """A bare interpreter, and one that imports what a PDF build needs."""
    bare = [run_process([sys.executable, "-c", "pass"]).wall for _ in range(reps)]
    imports = [run_process([sys.executable, "-c",
                            "import briefpress.cli, briefpress.project, weasyprint"]
                           ).check("imports").wall for _ in range(reps)]
    return {"bare_python_s": median(bare), "python_with_imports_s": median(imports)}


def measure_outputs(root: Path, groups, reps: int, out: Path) -> dict:
    """Per output: briefpress's time (its publish step plus its share of the earlier
    stages) and the raw engine's on the same intermediate. Within a group, briefpress
    goes first in even repetitions and the raw engines in odd ones. The build folder
    *out* is kept across repetitions, as in an editor's rebuilds: caches in it (EPUB font
    subsets) are cold in the warm-up only, whose publish times are kept apart."""
    samples: dict[str, dict] = {}
    stage_samples: dict[str, list] = {}
    last_groups, last_written, cold, spawns = {}, {}, {}, []

    log("outputs: warm-up (imports, fonts, empty build folder and cache)")
    from briefpress import cache

    cache.configure(out / ".cache")  # as a build into *out* does
    cold_spawns = {}
    for slug, lang, _ in groups:
        spawns_before = pandoc.spawn_count
        g = stages.prepare(root, slug, lang)
        last_written[(slug, lang)] = stages.publish_all(g, out)
        cold_spawns[(slug, lang)] = pandoc.spawn_count - spawns_before
        for item in last_written[(slug, lang)]:
            cold[f"{slug}/{slug}.{item.name}"] = item.seconds

    started = time.perf_counter()
    for rep in range(reps):
        log(f"outputs: repetition {rep + 1}/{reps}")
        for slug, lang, _ in groups:
            if rep == 0:  # count pandoc runs as a fresh process would make them
                stages.forget_pandoc_caches()
                spawns_before = pandoc.spawn_count
            g = stages.prepare(root, slug, lang)
            last_groups[(slug, lang)] = g
            raw_times = {}
            if rep % 2:  # raw engines first, on the same intermediates as last time
                raw_times = {item.name: stages.timed_raw(g, item)
                             for item in last_written[(slug, lang)]}
            written = stages.publish_all(g, out)
            if rep == 0:
                spawns.append({"brief": slug, "lang": lang,
                               "pandoc_spawns": pandoc.spawn_count - spawns_before,
                               "pandoc_spawns_cold_cache": cold_spawns[(slug, lang)]})
            last_written[(slug, lang)] = written
            stage_samples.setdefault(f"{slug}/{lang}", []).append(dict(g.times))
            names = [item.name for item in written]
            for item in written:
                if item.name not in raw_times:
                    raw_times[item.name] = stages.timed_raw(g, item)
                s = samples.setdefault(f"{slug}/{slug}.{item.name}", {
                    "brief": slug, "lang": lang, "output": item.name, "format": item.fmt,
                    "publish": [], "share": [], "raw": [], "path": item.path})
                s["publish"].append(item.seconds)
                s["share"].append(stages.share(g, names, item.fmt))
                s["raw"].append(raw_times[item.name])
        if not another_rep(started, rep + 1, BUDGET_S["outputs"]):
            break

    outputs, pdfs = [], {}
    for key, s in samples.items():
        totals = [p + sh for p, sh in zip(s["publish"], s["share"])]
        bp, raw_s = median(totals), median(s["raw"])
        outputs.append({"key": key, "brief": s["brief"], "lang": s["lang"],
                        "output": s["output"], "format": s["format"],
                        "briefpress_s": bp, "publish_s": median(s["publish"]),
                        "earlier_stages_share_s": median(s["share"]),
                        "publish_empty_folder_s": cold.get(key),
                        "raw_engine_s": raw_s, "ratio": bp / raw_s,
                        "bytes": s["path"].stat().st_size})
        if s["format"] == "pdf":
            pdfs[key] = s["path"].read_bytes()
    stages_median = {k: {stage: median(t[stage] for t in v) for stage in v[0]}
                     for k, v in stage_samples.items()}
    return {"outputs": outputs, "stages": stages_median, "groups": last_groups,
            "pdfs": pdfs, "spawns": spawns, "reps": rep + 1}


def profile_build(root: Path, groups, out: Path) -> dict:
    """cProfile over the warm process building every output again (into *out*)."""
    def build_all():
        for slug, lang, _ in groups:
            stages.publish_all(stages.prepare(root, slug, lang), out, collect=False)

    return hotspots.profile(build_all)


def measure_peers(root: Path, groups, last_groups: dict, pdfs: dict, reps: int,
                  tmp: Path, with_typst: bool) -> dict:
    """Per language: briefpress's PDF as a whole process against the peer, alternating
    which goes first; the Typst route on the same localized Markdown."""
    langs = []
    for slug, lang, _ in groups:
        g = last_groups[(slug, lang)]
        work = tmp / "peers" / slug / lang
        shutil.copytree(g.doc.folder, work, ignore=shutil.ignore_patterns("brief.md"))
        md = work / f"{slug}.{lang}.md"  # the figures sit beside it, as in the brief
        md.write_text(stages.localized_markdown(g), encoding="utf-8")
        item = {"brief": slug, "lang": lang, "work": work, "md": md, "typ": None,
                "bp": [], "peer": [], "typst": [], "typst_warm": [], "typst_edit": []}
        if with_typst:
            item["pandoc_to_typst_s"], source = peers.typst_source(
                md, g.edition_doc.meta["title"], lang, peers.typst_fonts(root, lang))
            item["typ"] = work / f"{slug}.{lang}.typ"
            item["typ"].write_text(source, encoding="utf-8")
        langs.append(item)

    # One untimed run of each first: briefpress's build folder and disk cache start
    # empty (its first build parses and converts with pandoc, reported apart), and
    # both commands' files are then in the page cache, as in an editor's loop.
    log("peers: warm-up (empty build folder and cache)")
    for x in langs:
        x["bp_cold"] = peers.briefpress_pdf(root, x["brief"], x["lang"], x["work"] / "bp").wall
        peers.peer_pdf(x["md"], x["work"] / "peer.pdf", x["work"])
    started = time.perf_counter()
    for rep in range(reps):
        log(f"peers: repetition {rep + 1}/{reps}")
        for x in langs:
            pair = [lambda: x["bp"].append(peers.briefpress_pdf(
                        root, x["brief"], x["lang"], x["work"] / "bp").wall),
                    lambda: x["peer"].append(peers.peer_pdf(
                        x["md"], x["work"] / "peer.pdf", x["work"]).wall)]
            for run in (pair if rep % 2 == 0 else pair[::-1]):
                run()
            if x["typ"]:
                x["typst"].append(peers.typst_process(x["typ"], x["work"] / "typst.pdf").wall)
                warm, edited = peers.typst_warm(x["typ"])
                x["typst_warm"].append(warm)
                x["typst_edit"].append(edited)
        if not another_rep(started, rep + 1, BUDGET_S["peers"]):
            break

    results = []
    for x in langs:
        slug, lang, work = x["brief"], x["lang"], x["work"]
        entry = {"brief": slug, "lang": lang, "briefpress_process_s": median(x["bp"]),
                 "briefpress_first_run_s": x["bp_cold"],
                 "briefpress_writes": sorted(p.name for p in (work / "bp").rglob("*.pdf")),
                 "peer_s": median(x["peer"]),
                 "briefpress_pdf": font_breakdown(pdfs[f"{slug}/{slug}.{lang}.pdf"]),
                 "peer_pdf": font_breakdown((work / "peer.pdf").read_bytes())}
        if x["typ"]:
            entry.update({"typst_route_process_s": x["pandoc_to_typst_s"] + median(x["typst"]),
                          "pandoc_to_typst_s": x["pandoc_to_typst_s"],
                          "typst_compile_process_s": median(x["typst"]),
                          "typst_compile_warm_s": median(x["typst_warm"]),
                          "typst_compile_after_edit_s": median(x["typst_edit"]),
                          "typst_pdf": font_breakdown((work / "typst.pdf").read_bytes())})
        results.append(entry)
    return {"languages": results, "reps": rep + 1}


def measure_matrix(root: Path, groups, reps: int, tmp: Path) -> dict:
    project = matrix.copy_project(root, tmp / "matrix")
    clean = []
    started = time.perf_counter()
    for rep in range(reps):
        log(f"matrix: clean make -j2, repetition {rep + 1}/{reps}")
        clean.append(matrix.clean_build(project))
        if not another_rep(started, rep + 1, BUDGET_S["matrix"]):
            break
    noops = [matrix.noop(project) for _ in range(reps)]
    made = matrix.outputs(project)
    result = {"clean_builds": len(clean),
              "clean_wall_s": median(p.wall for p in clean),
              "clean_cpu_s": median(p.cpu for p in clean),
              "cores_used": median(p.cpu / p.wall for p in clean),
              "peak_memory_mb": max(p.maxrss_mb for p in clean),
              "brief_outputs": sum(1 for k in made if any(matrix.is_brief_output(k, slug)
                                                          for slug, _, _ in groups)),
              "files": len(made),
              "noop_s": median(n[0] for n in noops),
              "noop_rewrote": sorted({f for n in noops for f in n[1]}), "po_change": None}
    target = next(((slug, lang, src) for slug, lang, src in groups if lang != src), None)
    if target:
        slug, lang, source = target
        log(f"matrix: rebuild after saving the {lang} PO file")
        result["po_change"] = {"lang": lang, **matrix.po_change(project, slug, lang, source)}
    return result


def measure_scaling(root: Path, slug: str, lang: str, sizes: list[int], reps: int,
                    tmp: Path) -> list[dict]:
    """One subprocess per size (its peak memory measured), each warmed up on the
    seed brief first; the 1x figure is the median of --reps runs, larger sizes run once."""
    out = []
    for k in sizes:
        log(f"scaling: {lang} PDF at {k}x")
        project = scaled.make_scaled_project(root, slug, k, tmp / f"scaled-{k}")
        proc = run_process([sys.executable, HERE / "scaled.py", "--root", project,
                            "--warm-root", root, "--slug", slug, "--lang", lang,
                            "--reps", reps if k == 1 else 1], memory=True
                           ).check(f"scaling {k}x")
        result = json.loads(proc.stdout)
        result.update({"times": k, "lang": lang, "peak_memory_mb": proc.maxrss_mb,
                       "seconds_per_page": result["seconds"] / result["pages"],
                       "raw_seconds_per_page": result["raw_seconds"] / result["pages"]})
        out.append(result)
    return out


def measure_second_pass(root: Path, slug: str, lang: str, reps: int) -> dict:
    """The PDF of *lang* in a warm process with the second layout pass (short last
    lines pulled back) and with one layout pass only, alternating, medians of *reps*."""
    from briefpress.publish import pdf as publish
    from briefpress.relayout import Passes
    from briefpress.render import style_for, template_dirs

    g = stages.prepare(root, slug, lang)
    html = g.renderer.editions(g.doc, g.localized)[lang]
    allowed = (g.doc.folder, *template_dirs(root))
    fonts = style_for(g.renderer.styles, lang).pdf_subset
    real, times = Passes.finish, {"one": [], "two": []}

    def one_pass(passes, document, render, faults=None):
        return document

    try:
        for _ in range(reps + 1):  # the first round warms up
            for key, fit in (("one", one_pass), ("two", real)):
                Passes.finish = fit
                gc.collect()  # neither pays for the garbage of the one before
                t0 = time.perf_counter()
                publish.pdf_bytes(html, g.edition_doc, allowed, fonts)
                times[key].append(time.perf_counter() - t0)
    finally:
        Passes.finish = real
    one, two = median(times["one"][1:]), median(times["two"][1:])
    return {"brief": slug, "lang": lang, "one_pass_s": one, "two_passes_s": two,
            "ratio": two / one}


def measure_size(peer_results: list[dict], pdfs: dict, groups) -> list[dict]:
    """The CJK editions' bytes against Typst's, and what a CID-keeping re-subset of
    their CFF fonts would leave (fontfix.py)."""
    found = []
    targets = {(slug, lang) for slug, lang, source in groups if lang != source}
    for p in peer_results:
        if (p["brief"], p["lang"]) not in targets or "typst_pdf" not in p:
            continue
        bp, ty = p["briefpress_pdf"], p["typst_pdf"]
        resubset = len(fontfix.resubset_cff_fonts(pdfs[f"{p['brief']}/{p['brief']}."
                                                       f"{p['lang']}.pdf"]))
        found.append({"brief": p["brief"], "lang": p["lang"], "briefpress_bytes": bp["bytes"],
                      "typst_bytes": ty["bytes"], "ratio": bp["bytes"] / ty["bytes"],
                      "briefpress_font_share": bp["font_share"],
                      "typst_font_share": ty["font_share"],
                      "briefpress_faces": len(bp["fonts"]), "typst_faces": len(ty["fonts"]),
                      "briefpress_if_cff_resubset_bytes": resubset})
    return found


# --- the table ------------------------------------------------------------------------


def status(met: bool | None) -> str:
    return "" if met is None else ("met" if met else "NOT met")


def table_rows(r: dict) -> list[tuple[str, str, str, str]]:
    """(figure, value, target, status) for every figure of report *r*."""
    rows = []
    several = len({o["brief"] for o in r["outputs"]}) > 1

    def name(item: dict, label: str) -> str:
        return f"{item['brief']}: {label}" if several else label

    def add(figure, value, target="", met=None, state=None):
        rows.append((figure, value, target, state or status(met)))

    for o in r["outputs"]:
        add(name(o, f"overhead {o['output']}"),
            f"briefpress {o['briefpress_s']:.3f} s / raw engine {o['raw_engine_s']:.3f} s "
            f"= {o['ratio']:.2f}x", f"<= {OVERHEAD_TARGET:.2f}x",
            o["ratio"] <= OVERHEAD_TARGET)
    for p in r["peers"]:
        writes = "+".join(n.split(".", 1)[1][:-4] for n in p["briefpress_writes"])
        add(name(p, f"PDF {p['lang']}: whole process vs peer"),
            f"briefpress {p['briefpress_process_s']:.2f} s (writes {writes}) vs "
            f"pandoc+weasyprint {p['peer_s']:.2f} s = "
            f"{p['briefpress_process_s'] / p['peer_s']:.2f}x (first run, cache empty: "
            f"{p.get('briefpress_first_run_s', float('nan')):.2f} s)",
            f"<= {PEER_PDF_FACTOR}x peer",
            p["briefpress_process_s"] <= PEER_PDF_FACTOR * p["peer_s"])
    for p in r["peers"]:
        if "typst_pdf" in p:
            add(name(p, f"Typst route {p['lang']} (reference)"),
                f"{p['typst_route_process_s']:.2f} s as processes (pandoc "
                f"{p['pandoc_to_typst_s']:.2f} + typst {p['typst_compile_process_s']:.2f}); "
                f"warm {p['typst_compile_warm_s']:.2f} s, after an edit "
                f"{p['typst_compile_after_edit_s']:.3f} s; {kib(p['typst_pdf']['bytes'])}")
    for s in r["spawns"]:
        add(name(s, f"pandoc spawns {s['lang']}"),
            f"{s['pandoc_spawns']} (building pdf,epub,html; build/.cache warm; "
            f"{s['pandoc_spawns_cold_cache']} with it empty)", f"<= {SPAWN_TARGET}",
            s["pandoc_spawns"] <= SPAWN_TARGET)

    m = r["matrix"]
    add(f"make -j2 from clean ({m['brief_outputs']} outputs + {m['files'] - m['brief_outputs']}"
        f" listings)", f"wall {m['clean_wall_s']:.2f} s, cpu {m['clean_cpu_s']:.2f} s, "
        f"{m['cores_used']:.2f} cores = {m['clean_wall_s'] / m['peer_s']:.2f}x one peer PDF "
        f"({m['peer_s']:.2f} s, {m['peer_lang']})",
        f"<= {CLEAN_MAKE_FACTOR}x peer = {m['target_s']:.2f} s",
        m["clean_wall_s"] <= m["target_s"])
    add("peak memory, largest build process", f"{m['peak_memory_mb']:.0f} MiB",
        f"< {MEMORY_TARGET_MB} MiB", m["peak_memory_mb"] < MEMORY_TARGET_MB)
    noop_note = f" (rewrote {len(m['noop_rewrote'])} files!)" if m["noop_rewrote"] else ""
    add("no-op make", secs(m["noop_s"]) + noop_note, f"< {NOOP_TARGET} s",
        m["noop_s"] < NOOP_TARGET and not m["noop_rewrote"])
    if m["po_change"]:
        po = m["po_change"]
        rebuilt = ", ".join(k.split("/")[-1].split(".", 1)[1] for k in po["rebuilt"])
        add(f"{po['lang']} PO saved: make rebuilt",
            f"{rebuilt or 'nothing'} (+{len(po['listings_rewritten'])} listings) in "
            f"{po['wall']:.2f} s", f"only and all {po['lang']} + bilingual",
            po["only_dependents"] and po["all_dependents"])

    base = r["scaling"][0]["seconds_per_page"]
    for s in r["scaling"]:
        last = s is r["scaling"][-1] and len(r["scaling"]) > 1
        ratio = s["seconds_per_page"] / base
        add(f"scaling {s['times']}x {s['lang']}.pdf: time/page",
            f"{s['seconds_per_page'] * 1000:.0f} ms ({s['pages']} pages in "
            f"{s['seconds']:.2f} s; WeasyPrint alone {s['raw_seconds_per_page'] * 1000:.0f} "
            f"ms) = {ratio:.2f}x 1x", f"<= {PAGE_TIME_FACTOR}x 1x" if last else "",
            ratio <= PAGE_TIME_FACTOR if last else None)
        add(f"scaling {s['times']}x {s['lang']}.pdf: peak memory",
            f"{s['peak_memory_mb']:.0f} MiB", f"< {MEMORY_TARGET_MB} MiB",
            s["peak_memory_mb"] < MEMORY_TARGET_MB)

    for z in r["size"]:
        add(name(z, f"PDF bytes {z['lang']}"), f"briefpress {kib(z['briefpress_bytes'])} vs Typst "
            f"{kib(z['typst_bytes'])} = {z['ratio']:.2f}x", f"<= {SIZE_TARGET}x",
            z["ratio"] <= SIZE_TARGET)
        add(f"  fonts in the {z['lang']} PDFs",
            f"briefpress {z['briefpress_font_share']:.0%} of bytes ({z['briefpress_faces']} "
            f"faces), Typst {z['typst_font_share']:.0%} ({z['typst_faces']} faces); CFF "
            f"re-subset: {kib(z['briefpress_if_cff_resubset_bytes'])} = "
            f"{z['briefpress_if_cff_resubset_bytes'] / z['typst_bytes']:.2f}x Typst")

    sp = r["second_pass"]
    add(f"{sp['lang']}.pdf with the short-last-line pass",
        f"{sp['two_passes_s']:.3f} s / one pass {sp['one_pass_s']:.3f} s = {sp['ratio']:.2f}x",
        f"<= {SECOND_PASS_TARGET}x", sp["ratio"] <= SECOND_PASS_TARGET)

    w = r["watch"]
    if w["status"] == "measured":
        add(f"watch: a word changed, PO saved -> {w['output']}", secs(w["latency_s"]),
            f"<= {WATCH_TARGET} s", w["latency_s"] <= WATCH_TARGET)
        add(f"watch: a new character (fonts subset anew) -> {w['output']}",
            secs(w["new_character_s"]), f"<= {WATCH_TARGET} s",
            w["new_character_s"] <= WATCH_TARGET)
    else:
        add("watch: PO saved -> PDF", w["detail"], f"<= {WATCH_TARGET} s", state=w["status"])
    if r.get("many"):
        many.table_rows(r["many"], r["long"], MEMORY_TARGET_MB, add)
    return rows


def print_table(rows, title: str) -> None:
    header = ("figure", "value", "target", "status")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(4)]
    rule = "  ".join("-" * w for w in widths)
    print(f"\n{title}\n{rule}")
    for row in [header, None, *rows]:
        print(rule if row is None else
              "  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip())
    print(rule)


def print_details(r: dict) -> None:
    """The figures behind the table: where the time goes, and what the fonts weigh."""
    load = r["versions"]["load_average_at_start"][0], r["versions"]["load_average_at_end"][0]
    print(f"\nmachine: {r['versions']['cpus']} cores, load average {load[0]:.1f} at the start "
          f"and {load[1]:.1f} at the end (above the core count, other work shared the CPUs)")
    interp = r["interpreter"]
    print(f"\ninterpreter start: bare {secs(interp['bare_python_s'])}; importing briefpress "
          f"and WeasyPrint {secs(interp['python_with_imports_s'])}")
    print("\nshared stages per brief and language (median seconds; other = the rest of "
          "editions.publish_brief):")
    for key, times in r["stages"].items():
        print(f"  {key:<28}" + "  ".join(f"{k} {v:.3f}" for k, v in times.items()))
    print("\nwrite step per output: warm build folder / empty build folder (warm-up):")
    for o in r["outputs"]:
        print(f"  {o['output']:<12} {o['publish_s']:.3f} s / {o['publish_empty_folder_s']:.3f} s"
              f"   (+ share of earlier stages {o['earlier_stages_share_s']:.3f} s)")
    prof = r["profile"]
    print(f"\nwhere the time goes: a warm in-process build of every output under cProfile "
          f"({prof['total_seconds']:.2f} s; cumulative times; indented = part of the entry "
          f"above; top-level entries can overlap):")
    for c in prof["costs"]:
        share = c["seconds"] / prof["total_seconds"] if prof["total_seconds"] else 0
        print(f"  {c['cost']:<62} {c['seconds']:7.3f} s {share:4.0%}  ({c['calls']} calls)")
    print("  top own time:")
    for t in prof["top_own_time"][:8]:
        print(f"    {t['own_seconds']:7.3f} s  {t['function'][-100:]}")
    print("\nembedded fonts (stored bytes; glyphs used / glyph slots in the font program):")
    for p in r["peers"]:
        for who in ("briefpress_pdf", "typst_pdf", "peer_pdf"):
            if who not in p:
                continue
            d = p[who]
            print(f"  {p['lang']} {who[:-4]:<10} {kib(d['bytes']):>9}, fonts "
                  f"{kib(d['font_bytes'])} ({d['font_share']:.0%})")
            for f in d["fonts"]:
                print(f"      {f['name']:<28} {kib(f['bytes']):>9}  {f['kind']:<24} "
                      f"{f.get('glyphs_used', '?')}/{f.get('glyph_slots', '?')} glyphs")


# --- main --------------------------------------------------------------------------------


def versions(typst_version) -> dict:
    import weasyprint
    from weasyprint.text.ffi import harfbuzz_subset

    pandoc_version = run_process([pandoc.pandoc_path(), "--version"]).stdout.split("\n")[0]
    return {"python": platform.python_version(), "weasyprint": weasyprint.__version__,
            "pandoc": pandoc_version, "typst": typst_version, "cpus": os.cpu_count(),
            "harfbuzz_subset": bool(harfbuzz_subset), "load_average_at_start": os.getloadavg(),
            "source_date_epoch": os.environ["SOURCE_DATE_EPOCH"]}


def main() -> int:
    parser = argparse.ArgumentParser(description="briefpress benchmark: prints every "
                                     "figure with its target, writes build/bench.json")
    parser.add_argument("--root", type=Path, default=HERE.parent,
                        help="project root (default: the folder holding bench/)")
    parser.add_argument("--out", type=Path, default=None,
                        help="JSON report (default: ROOT/build/bench.json)")
    parser.add_argument("--reps", type=int, default=3,
                        help="repetitions per figure; medians are reported (default 3)")
    parser.add_argument("--scales", default="10,50",
                        help="brief lengths for the scaling figures (default 10,50)")
    parser.add_argument("--many", default="1,100",
                        help="numbers of generated briefs for the many-briefs figures "
                        "(default 1,100; empty: skip)")
    parser.add_argument("--scale-lang", default="ja", help="language of the scaled PDF")
    parser.add_argument("--full", action="store_true", help="always make --reps "
                        "repetitions (no time budget per section; slower)")
    args = parser.parse_args()
    if args.full:
        BUDGET_S.update({k: float("inf") for k in BUDGET_S})
    root = args.root.resolve()
    out_file = (args.out or root / "build" / "bench.json").resolve()
    reps = max(1, args.reps)
    started = time.perf_counter()

    typst_version = peers.ensure_typst()
    groups = groups_of(root)
    slug = groups[0][0]  # scaling and watch use the first brief
    r = {"versions": versions(typst_version), "reps": reps, "root": str(root),
         "section_seconds": {}}
    tmp = Path(tempfile.mkdtemp(prefix="briefpress-bench-"))
    build_dir = tmp / "inprocess"  # the warm process's build folder, kept throughout

    def section(name, fn, *fn_args):
        log(name)
        t0 = time.perf_counter()
        result = fn(*fn_args)
        r["section_seconds"][name] = round(time.perf_counter() - t0, 1)
        return result

    try:
        r["interpreter"] = section("interpreter", interpreter_start, reps)
        measured = section("outputs", measure_outputs, root, groups, reps, build_dir)
        r["outputs"], r["stages"] = measured["outputs"], measured["stages"]
        r["spawns"], r["section_reps"] = measured["spawns"], {"outputs": measured["reps"]}
        r["profile"] = section("profile", profile_build, root, groups, build_dir)
        found = section("peers", measure_peers, root, groups, measured["groups"],
                        measured["pdfs"], reps, tmp, bool(typst_version))
        r["peers"], r["section_reps"]["peers"] = found["languages"], found["reps"]
        r["matrix"] = section("matrix", measure_matrix, root, groups, reps, tmp)
        r["section_reps"]["matrix"] = r["matrix"]["clean_builds"]
        r["matrix"]["serial_raw_engines_s"] = sum(o["raw_engine_s"] for o in r["outputs"])
        peer = next((p for p in r["peers"] if p["lang"] != "en"), r["peers"][0])
        r["matrix"].update(peer_s=peer["peer_s"], peer_lang=peer["lang"],
                           target_s=CLEAN_MAKE_FACTOR * peer["peer_s"])
        sizes = [1] + [int(s) for s in args.scales.split(",") if s.strip()]
        r["scaling"] = section("scaling", measure_scaling, root, slug, args.scale_lang,
                               sizes, reps, tmp)
        r["second_pass"] = section("second pass", measure_second_pass, root, slug,
                                   args.scale_lang, reps)
        r["size"] = section("size", measure_size, r["peers"], measured["pdfs"], groups)
        target = next((lang for s, lang, src in groups if s == slug and lang != src),
                      groups[0][1])
        r["watch"] = section("watch", watch.measure, root, slug, target, reps, tmp / "watch")
        r["long"] = section("long", many.measure_long, tmp, log)
        counts = [int(n) for n in args.many.split(",") if n.strip()]
        r["many"] = section("many", many.measure_many, root, counts, tmp, log) if counts else []
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    r["bench_seconds"] = round(time.perf_counter() - started, 1)
    r["versions"]["load_average_at_end"] = os.getloadavg()  # > cores: others were busy too
    rows = table_rows(r)
    r["table"] = [dict(zip(("figure", "value", "target", "status"), row)) for row in rows]
    out_file.parent.mkdir(parents=True, exist_ok=True)
    out_file.write_text(json.dumps(r, indent=2, ensure_ascii=False, default=str) + "\n",
                        encoding="utf-8")

    made = ", ".join(f"{k} {v}" for k, v in r["section_reps"].items())
    print_table(rows, f"briefpress benchmark ({', '.join(sorted({g[0] for g in groups}))}): "
                f"medians of up to {reps} runs ({made}), {r['bench_seconds']:.0f} s in all")
    print_details(r)
    print(f"\nwrote {out_file}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
