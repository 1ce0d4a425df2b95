"""method="auto" on every task of the accuracy suite, and a before/after comparison of two such runs.

    python benchmarks/auto_suite.py run OUT.json [--seeds 0,1,2]
    python benchmarks/auto_suite.py compare BEFORE.json AFTER.json [--out FILE.md]

``run`` prints one line per task and seed (truth, estimate, error, CPU seconds) and saves
the rows as it goes. ``compare`` writes the table of mean error (and its standard
deviation over seeds) per task for the two runs and flags a task as worse when its mean
absolute error grew by more than twice the larger of the two standard deviations (its
noise). To compare a change of the ``auto`` route, run ``run`` on the commit before it
(for instance from a ``git worktree``) and on the commit after it.
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from pathlib import Path

import numpy as np


def run(out: Path, seeds: list[int]) -> None:
    import mutinfo as mi
    from mutinfo.bench import accuracy

    rows = []
    for task in accuracy.suite(quick=False):
        for seed in seeds:
            x, y, truth = task.make(task.n, seed)
            cpu, wall = time.process_time(), time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                value = mi.mutual_information(x, y, method="auto", discrete=task.discrete, random_state=seed)
            rows.append(dict(task=task.name, dims=task.dims, n=task.n, seed=seed, truth=truth, est=value, cpu=time.process_time() - cpu, wall=time.perf_counter() - wall))
            r = rows[-1]
            print(f"{task.name:40s} {task.dims:6s} {task.n:6d} s{seed} truth {truth:7.3f} auto {value:7.3f} err {value - truth:+.3f} cpu {r['cpu']:6.1f}s", flush=True)
            out.write_text(json.dumps(rows))


def compare(before: Path, after: Path) -> str:
    def group(rows):
        out = {}
        for r in rows:
            out.setdefault((r["task"], r["dims"]), []).append(r)
        return out

    b, a = group(json.loads(before.read_text())), group(json.loads(after.read_text()))
    lines = [
        "| task | dims | true MI | auto before: mean error (sd over seeds) | auto after | worse by more than noise? |",
        "|---|---|---|---|---|---|",
    ]
    worse = []
    for key, rows in b.items():
        if key not in a:
            continue
        eb = np.array([r["est"] - r["truth"] for r in rows])
        ea = np.array([r["est"] - r["truth"] for r in a[key]])
        noise = max(eb.std(ddof=1), ea.std(ddof=1), 1e-3)
        bad = np.abs(ea).mean() - np.abs(eb).mean() > 2 * noise
        worse += [key] if bad else []
        lines.append(f"| {key[0]} | {key[1]} | {rows[0]['truth']:.3f} | {eb.mean():+.3f} ({eb.std(ddof=1):.3f}) | {ea.mean():+.3f} ({ea.std(ddof=1):.3f}) | {'YES' if bad else 'no'} |")
    cb = sum(r["cpu"] for rows in b.values() for r in rows)
    ca = sum(r["cpu"] for key, rows in a.items() if key in b for r in rows)
    lines += ["", f"Tasks worse by more than their noise: {len(worse)} of {len([k for k in b if k in a])}. CPU seconds, all tasks and seeds: before {cb:.0f}, after {ca:.0f}."]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run")
    r.add_argument("out", type=Path)
    r.add_argument("--seeds", default="0,1,2")
    c = sub.add_parser("compare")
    c.add_argument("before", type=Path)
    c.add_argument("after", type=Path)
    c.add_argument("--out", type=Path)
    args = parser.parse_args()
    if args.command == "run":
        run(args.out, [int(s) for s in args.seeds.split(",")])
    else:
        text = compare(args.before, args.after)
        print(text)
        if args.out:
            args.out.write_text(text)


if __name__ == "__main__":
    main()
