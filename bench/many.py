"""Scale in the size of the work (issue 13, item 4).

many   N generated briefs (copies of the seed brief with its catalogs, bench/generate.py)
       x 3 languages, `make -j2` from a clean build/ in a temporary copy: wall time, cores
       used (CPU / wall), peak memory (getrusage RUSAGE_CHILDREN maxrss: the largest
       process), time per brief, and the ratio of time per brief at the largest N to 1.
long   `extract`, `status` and `check` as whole processes on a generated brief of about
       300 KB (the corpus briefs' bodies, each copy numbered), in that order, as a user
       runs them (status and check find extract's parse in build/.cache); status and
       check also without the cache (BRIEFPRESS_NO_CACHE=1), reported beside.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import generate
import matrix
from common import VENV_BIN, env_with_venv, median, run_process

PER_BRIEF_FACTOR = 1.2  # time per brief at N briefs / at 1 brief
LONG_TARGET_S = 3.0  # extract, status, check on a 300 KB brief
LONG_KB = 300


def many_project(root: Path, dest: Path, briefs: int) -> Path:
    """A copy of the project (code, Makefile, templates) whose content is *briefs*
    copies of the seed brief and their catalogs."""
    project = matrix.copy_project(root, dest)
    for name in ("content", "locales"):
        shutil.rmtree(project / name, ignore_errors=True)
    generated = generate.many_project(root, dest.parent / f"{dest.name}-src", briefs)
    for name in ("content", "locales"):
        shutil.move(str(generated / name), project / name)
    shutil.rmtree(generated, ignore_errors=True)
    return project


def measure_many(root: Path, sizes: list[int], tmp: Path, log) -> list[dict]:
    out = []
    for n in sizes:
        log(f"many: {n} generated brief(s) x 3 languages, clean make -j2")
        project = many_project(root, tmp / f"many-{n}", n)
        proc = matrix.clean_build(project)
        made = matrix.outputs(project)
        out.append({"briefs": n, "wall_s": proc.wall, "cpu_s": proc.cpu,
                    "cores_used": proc.cpu / proc.wall, "peak_memory_mb": proc.maxrss_mb,
                    "seconds_per_brief": proc.wall / n, "files": len(made)})
        shutil.rmtree(project, ignore_errors=True)
    base = out[0]["seconds_per_brief"]
    for row in out:
        row["per_brief_ratio"] = row["seconds_per_brief"] / base
    return out


LONG_REPS = 3  # each long-brief command's median of this many runs


def measure_long(tmp: Path, log) -> dict:
    """extract, status and check on a 300 KB brief, each the median of LONG_REPS runs:
    every extract from an empty build folder (no disk cache), status and check after
    it (the cache extract left) and without any cache."""
    project = generate.write_project(tmp / "long", {"long": generate.long_body(LONG_KB)})
    size = (project / "content" / "long" / "brief.md").stat().st_size
    cli = str(VENV_BIN / "briefpress")
    result = {"brief_bytes": size, "reps": LONG_REPS}
    runs: dict[str, list] = {}

    def run(name: str, command: str, *extra: str, **env) -> None:
        proc = run_process([cli, command, "--root", project, *extra],
                           env=env_with_venv(**env), memory=True)
        runs.setdefault(name, []).append(proc)

    for rep in range(LONG_REPS):
        log(f"long: extract, update, status, check on a {size // 1024} KB brief "
            f"({rep + 1}/{LONG_REPS})")
        shutil.rmtree(project / "build", ignore_errors=True)
        shutil.rmtree(project / "locales", ignore_errors=True)
        run("extract", "extract")
        run("update", "update", "--locale", "ja,ko")
        run("status", "status")
        run("check", "check")
        # status and check reuse extract's parse through build/.cache; also shown without it
        run("status (no cache)", "status", BRIEFPRESS_NO_CACHE="1")
        run("check (no cache)", "check", BRIEFPRESS_NO_CACHE="1")
    for name, procs in runs.items():
        if name != "update":
            result[name] = {"wall_s": median(p.wall for p in procs),
                            "samples_s": [p.wall for p in procs],
                            "peak_memory_mb": max(p.maxrss_mb for p in procs),
                            "returncode": max(p.returncode for p in procs)}
    return result


def table_rows(many: list[dict], long: dict, memory_target_mb: float, add) -> None:
    for row in many:
        last = row is many[-1] and len(many) > 1
        add(f"many: {row['briefs']} briefs x 3 languages, clean make -j2",
            f"{row['wall_s']:.1f} s, {row['seconds_per_brief']:.2f} s/brief = "
            f"{row['per_brief_ratio']:.2f}x 1 brief, {row['cores_used']:.2f} cores, "
            f"{row['files']} files", f"<= {PER_BRIEF_FACTOR}x 1 brief" if last else "",
            row["per_brief_ratio"] <= PER_BRIEF_FACTOR if last else None)
        add(f"many: {row['briefs']} briefs: peak memory", f"{row['peak_memory_mb']:.0f} MiB",
            f"< {memory_target_mb} MiB", row["peak_memory_mb"] < memory_target_mb)
    for command in ("extract", "status", "check"):
        m = long[command]
        add(f"long brief ({long['brief_bytes'] // 1024} KB): {command}, median of "
            f"{long.get('reps', 1)}",
            f"{m['wall_s']:.2f} s, {m['peak_memory_mb']:.0f} MiB (exit {m['returncode']})",
            f"< {LONG_TARGET_S:.0f} s", m["wall_s"] < LONG_TARGET_S)
    for command in ("status (no cache)", "check (no cache)"):
        if command in long:
            m = long[command]
            add(f"long brief ({long['brief_bytes'] // 1024} KB): {command}, median of "
                f"{long.get('reps', 1)}",
                f"{m['wall_s']:.2f} s, {m['peak_memory_mb']:.0f} MiB (exit {m['returncode']})")
