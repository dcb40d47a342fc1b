"""Probe for issue 13 item 5 (not a bench section yet): the seed brief's ko.pdf laid out by
WeasyPrint from the same HTML with keep-all spans (class kw) and without them but with
U+2060 WORD JOINER between Hangul syllables; writes /tmp/s13/raw-{spans,wj}.pdf and prints
the time of each. Compare line breaks with pdftotext -layout. Run from the repository root."""
import sys, time, gc, importlib, re, statistics
from pathlib import Path
sys.path.insert(0, 'bench')
import stages
Path("/tmp/s13").mkdir(exist_ok=True)
T = importlib.import_module("briefpress.transforms")
root = Path('.').resolve(); slug = "japan-rok-security"
saved = list(T.TRANSFORMS)
T.TRANSFORMS[:] = [t for t in T.TRANSFORMS if t.name != "keep-all"]
g0 = stages.prepare(root, slug, "ko"); stages.pdf_only(g0)
T.TRANSFORMS[:] = saved
g1 = stages.prepare(root, slug, "ko"); stages.pdf_only(g1)
HANGUL = "\uac00-\ud7a3"
wj_html = re.sub(f"(?<=[{HANGUL}])(?=[{HANGUL}])", "\u2060", g0.html["ko"])
print("kw spans", g1.html["ko"].count('class="kw"'))
stages.raw_pdf(g1.html["ko"], g1)
res = {"spans": [], "wj": []}
for rep in range(3):
    for name, html, g in (("spans", g1.html["ko"], g1), ("wj", wj_html, g0)):
        t = time.perf_counter(); pdf = stages.raw_pdf(html, g); res[name].append(time.perf_counter() - t)
        Path(f"/tmp/s13/raw-{name}.pdf").write_bytes(pdf); gc.collect()
for k, v in res.items(): print(k, round(statistics.median(v), 3), "s", len(Path(f"/tmp/s13/raw-{k}.pdf").read_bytes()) // 1024, "KB")
