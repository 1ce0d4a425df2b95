"""Targets of the neural estimators, measured: accuracy and time on the 5+5-d Gaussian, the 20-d staircases, InfoNCE's cap.

    python benchmarks/neural_targets.py [--quick] [--out benchmarks/results/neural_targets.md]

* 5+5-d Gaussian (rho = 0.8 per pair, 2.554 nats), N = 10^4, seeds 0-4: SMILE and
  method="auto" (error, wall and CPU seconds), every other neural method on seed 0,
  and installed peers on the same samples (torch-mist SMILE and InfoNCE,
  benchmark-mi InfoNCE), each trained for the number of optimiser steps (and the batch
  size) that mutinfo's SMILE ran on the same data, with the time ratio against
  mutinfo's SMILE in the same run.
* 20-d Gaussian and cubic staircases (2, 4, 6, 8, 10 nats), N = 2 x 10^4: SMILE (tau = 5).
* InfoNCE at batch 128 on the staircase: its value against log 128 and the warning.

The machine's load average is recorded next to every timing: on a shared machine, wall
time is inflated by other processes; the CPU time of this (single-threaded) process is
closer to the time on an idle machine.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import math
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np

import mutinfo as mi
from mutinfo import MutualInfoWarning
from mutinfo._accuracy import peer_estimators
from mutinfo.neural import NeuralEstimator


def load() -> str:
    return "%.1f" % os.getloadavg()[0]


def timed(fn):
    w0, c0, l0 = time.perf_counter(), time.process_time(), load()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", MutualInfoWarning)
        value = fn()
    return (
        value,
        time.perf_counter() - w0,
        time.process_time() - c0,
        l0,
        [str(c.message) for c in caught if issubclass(c.category, MutualInfoWarning)],
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer seeds and levels")
    parser.add_argument("--out", default=str(Path(__file__).parent / "results" / "neural_targets.md"))
    args = parser.parse_args()
    seeds = range(2) if args.quick else range(5)
    levels = (2.0, 6.0) if args.quick else mi.datasets.STAIRCASE_LEVELS
    lines = [
        "# Neural estimators: measured targets",
        "",
        f"`python benchmarks/neural_targets.py{' --quick' if args.quick else ''}`; {os.cpu_count()} CPU cores, torch "
        f"{__import__('torch').__version__}, load average (1 min) before each run in the `load` column.",
        "",
    ]

    def emit(text: str = "") -> None:
        print(text, flush=True)
        lines.append(text)

    emit("## 5+5-d Gaussian, rho = 0.8 per pair (true MI 2.554 nats), N = 10^4")
    emit()
    emit("| method | seed | estimate | error | std. error | wall s | CPU s | load |")
    emit("|---|---|---|---|---|---|---|---|")
    smile_wall, errors = [], []
    for seed in seeds:
        x, y, truth = mi.datasets.gaussian(10_000, dim=5, rho=0.8, random_state=seed)
        r, wall, cpu, ld, _ = timed(lambda: NeuralEstimator("smile", random_state=seed).fit(x, y).result_)
        smile_wall.append(wall)
        errors.append(r.value - truth)
        emit(f"| smile | {seed} | {r.value:.3f} | {r.value - truth:+.3f} | {r.std_error:.3f} | {wall:.2f} | {cpu:.2f} | {ld} |")
    for seed in seeds:
        x, y, truth = mi.datasets.gaussian(10_000, dim=5, rho=0.8, random_state=seed)
        est, wall, cpu, ld, _ = timed(lambda: mi.estimate(x, y, random_state=seed, ci=None))
        emit(
            f"| auto -> {est.method} | {seed} | {est.value:.3f} | {est.value - truth:+.3f} "
            f"({100 * (est.value - truth) / truth:+.1f}%) | | {wall:.2f} | {cpu:.2f} | {ld} |"
        )
    x, y, truth = mi.datasets.gaussian(10_000, dim=5, rho=0.8, random_state=0)
    for bound in ("infonce", "dv", "mine", "nwj", "js", "club"):
        r, wall, cpu, ld, _ = timed(lambda: NeuralEstimator(bound, random_state=0).fit(x, y).result_)
        emit(f"| {bound} | 0 | {r.value:.3f} | {r.value - truth:+.3f} | {r.std_error:.3f} | {wall:.2f} | {cpu:.2f} | {ld} |")
    peers = peer_estimators()
    for name in ("torch-mist:smile", "torch-mist:infonce", "benchmark-mi:infonce"):
        if name not in peers:
            emit(f"| {name} | | not installed | | | | | |")
            continue
        r0, w0, c0, l0, _ = timed(lambda: NeuralEstimator("smile", random_state=0).fit(x, y).result_)
        budget = (r0.steps, r0.batch_size)  # the peer trains as many steps of the same batch size as mutinfo's SMILE did
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            value, wall, cpu, ld, _ = timed(lambda: peers[name](x, y, 0, budget=budget))
        emit(
            f"| {name} | 0 | {value:.3f} | {value - truth:+.3f} | | {wall:.2f} | {cpu:.2f} | {ld} |"
            f" (budget: at most {budget[0]} steps of batch {budget[1]}, the steps mutinfo's smile ran; "
            f"mutinfo smile in the same run: {w0:.2f} s wall, {c0:.2f} s CPU, load {l0}; "
            f"time ratio peer / mutinfo = {wall / w0:.1f})"
        )
    emit()
    emit(
        f"SMILE over {len(errors)} seeds: mean error {np.mean(errors):+.3f} ± {np.std(errors, ddof=1) / np.sqrt(len(errors)):.3f} nats "
        f"(± standard error of the mean), max |error| {np.max(np.abs(errors)):.3f}, "
        f"mean wall time {np.mean(smile_wall):.2f} s."
    )
    emit()

    for cubic in (False, True):
        group = "cubic staircase" if cubic else "Gaussian staircase"
        emit(f"## 20-d {group}, N = 2 x 10^4, SMILE (tau = 5)")
        emit()
        emit("| true MI | estimate | relative error | std. error | wall s | CPU s | load |")
        emit("|---|---|---|---|---|---|---|")
        for x, y, truth in mi.datasets.staircase(20_000, levels=levels, cubic=cubic, random_state=0):
            r, wall, cpu, ld, _ = timed(lambda: NeuralEstimator("smile", random_state=0).fit(x, y).result_)
            emit(
                f"| {truth:g} | {r.value:.3f} | {100 * (r.value - truth) / truth:+.1f}% | {r.std_error:.3f} "
                f"| {wall:.1f} | {cpu:.1f} | {ld} |"
            )
        emit()

    emit("## InfoNCE at batch 128 on the 20-d Gaussian staircase (log 128 = 4.852 nats)")
    emit()
    emit("| true MI | estimate | below log 128 | warned | wall s | load |")
    emit("|---|---|---|---|---|---|")
    for x, y, truth in mi.datasets.staircase(20_000, levels=levels, random_state=0):
        r, wall, cpu, ld, caught = timed(lambda: NeuralEstimator("infonce", batch_size=128, random_state=0).fit(x, y).result_)
        warned = any("log(batch_size)" in c for c in caught)
        emit(
            f"| {truth:g} | {r.value:.3f} | {'yes' if r.value < math.log(128) else 'NO'} | {'yes' if warned else 'no'} "
            f"| {wall:.1f} | {ld} |"
        )
    emit()
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text("\n".join(lines) + "\n")
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
