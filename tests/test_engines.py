"""How briefpress loads WeasyPrint: the same engine, without its avoidable costs
(environment.sonames_only and sized_arrays). Checked in fresh processes."""

from __future__ import annotations

import json
import subprocess
import sys

PROBE = """
import json, subprocess, sys
spawned = []
real = subprocess.Popen.__init__
def counting(self, args, *a, **k):
    spawned.append(args if isinstance(args, str) else args[0])
    real(self, args, *a, **k)
subprocess.Popen.__init__ = counting
if sys.argv[1] == "briefpress":
    from briefpress.environment import import_weasyprint
    import_weasyprint()
else:
    import weasyprint
from weasyprint.text import ffi
print(json.dumps({"spawned": spawned, "subset": ffi.harfbuzz_subset is not None}))
"""

HTML = """<html lang="ja"><body style="font-family: 'Noto Serif CJK JP'">
<p>日韓の安全保障協力は、GSOMIA と ACSA の締結で新しい段階に入った。</p>
<p lang="ko">한일 안보 협력은 새로운 단계에 들어섰다.</p></body></html>"""

RENDER = """
import sys
if sys.argv[1] == "briefpress":
    from briefpress.environment import import_weasyprint
    import_weasyprint()
import weasyprint
sys.stdout.buffer.write(weasyprint.HTML(string=sys.argv[2]).write_pdf())
"""


def probe(how: str) -> dict:
    done = subprocess.run([sys.executable, "-c", PROBE, how], capture_output=True,
                          text=True, check=True)
    return json.loads(done.stdout)


def test_weasyprint_loads_its_libraries_without_starting_a_process():
    plain, ours = probe("plain"), probe("briefpress")
    assert plain["spawned"], "WeasyPrint's own import looks libraries up with ldconfig/gcc"
    assert ours["spawned"] == []
    assert ours["subset"] and plain["subset"]  # HarfBuzz's subsetter, not fontTools'


def test_a_sized_array_is_parsed_once_and_holds_its_items():
    from briefpress.environment import import_weasyprint

    import_weasyprint()
    from weasyprint.text.ffi import ffi

    before = len(ffi._parsed_types)  # cffi's cache of parsed C types
    arrays = [ffi.new(f"hb_codepoint_t[{n}]", list(range(n))) for n in (3, 977, 60001)]
    assert len(ffi._parsed_types) <= before + 1
    assert [len(a) for a in arrays] == [3, 977, 60001] and list(arrays[1])[-2:] == [975, 976]
    assert len(ffi.new("int[4]")) == 4  # no items: as cffi does it
    assert ffi.typeof(ffi.new("int[2]", [1, 2])) is ffi.typeof("int[]")


def test_pdfs_are_the_bytes_plain_weasyprint_makes():
    pdfs = [subprocess.run([sys.executable, "-c", RENDER, how, HTML], capture_output=True,
                           check=True).stdout for how in ("plain", "briefpress")]
    assert pdfs[0].startswith(b"%PDF") and pdfs[0] == pdfs[1]
