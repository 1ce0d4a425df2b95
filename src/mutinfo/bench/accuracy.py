"""The accuracy benchmark behind ``mutinfo bench accuracy``.

Every registered method that applies to a task (by the kinds of data it accepts) is
run on the same samples of distributions with known MI (:mod:`mutinfo.datasets`),
and the estimate is compared with the truth. Installed peer libraries (torch-mist,
benchmark-mi) run their estimators on the same samples, side by side. The method
list is read from the registry at run time, so new methods join automatically.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import time
import warnings
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from .. import _registry
from .._errors import MutualInfoWarning
from .._progress import progress

__all__ = ["Task", "suite", "run", "write_outputs", "format_table", "peer_estimators"]

Sample = tuple[np.ndarray, np.ndarray, float]


@dataclass(frozen=True)
class Task:
    """One distribution with known MI, at one sample size.

    ``kind`` is "continuous", "discrete" or "mixed" (discrete x, continuous y);
    ``group`` is "suite", "staircase" or "cubic staircase" (staircase tasks are
    also drawn in the staircase figure); ``peers`` says whether installed peer
    libraries run on it too (suite tasks only: benchmark-mi's InfoNCE alone takes
    about a minute per task on a CPU).
    """

    name: str
    kind: str
    dims: str
    n: int
    make: Callable[[int, int], Sample] = field(repr=False, compare=False)
    group: str = "suite"
    peers: bool = True

    @property
    def discrete(self) -> Any:
        return {"continuous": False, "discrete": True, "mixed": (True, False)}[self.kind]


def suite(quick: bool = False, n: int | None = None) -> list[Task]:
    """The benchmark tasks; ``quick`` is the reduced CI preset; ``n`` overrides every sample size."""
    from .. import datasets as ds

    big = 2_000 if quick else 10_000
    stairs_n = 5_000 if quick else 20_000

    def size(default: int) -> int:
        return n if n is not None else default

    tasks = [
        Task("gaussian rho=0.8", "continuous", "1+1", size(big), lambda m, s: ds.gaussian(m, dim=1, rho=0.8, random_state=s)),
        Task("gaussian rho=0.8", "continuous", "5+5", size(big), lambda m, s: ds.gaussian(m, dim=5, rho=0.8, random_state=s)),
        Task(
            "student-t df=3 rho=0.5",
            "continuous",
            "2+2",
            size(big),
            lambda m, s: ds.student_t(m, dim=2, df=3.0, rho=0.5, random_state=s),
        ),
        Task(
            "half-cube gaussian rho=0.8",
            "continuous",
            "5+5",
            size(big),
            lambda m, s: ds.transform(ds.gaussian(m, dim=5, rho=0.8, random_state=s), x=ds.half_cube, y=ds.half_cube),
        ),
        Task(
            "binary symmetric channel e=0.1",
            "discrete",
            "1+1",
            size(big),
            lambda m, s: ds.symmetric_channel(m, k=2, error=0.1, random_state=s),
        ),
        Task(
            "mixed: 4 classes, sigma=0.5",
            "mixed",
            "1+1",
            size(big),
            lambda m, s: ds.mixed_gaussian(m, n_classes=4, sigma=0.5, random_state=s),
        ),
    ]
    if not quick:
        tasks += [
            Task(
                "gaussian dense rho=0.8",
                "continuous",
                "5+5",
                size(big),
                lambda m, s: ds.gaussian(m, dim=5, rho=0.8, interaction="dense", random_state=s),
            ),
            Task("gaussian rho=0.5", "continuous", "3+3", size(big), lambda m, s: ds.gaussian(m, dim=3, rho=0.5, random_state=s)),
            Task(
                "asinh student-t df=3 rho=0.5",
                "continuous",
                "2+2",
                size(big),
                lambda m, s: ds.transform(ds.student_t(m, dim=2, df=3.0, rho=0.5, random_state=s), x=ds.asinh, y=ds.asinh),
            ),
            Task(
                "spiral gaussian rho=0.8",
                "continuous",
                "3+3",
                size(big),
                lambda m, s: ds.transform(ds.gaussian(m, dim=3, rho=0.8, random_state=s), x=ds.spiral),
            ),
            Task(
                "normal-cdf gaussian rho=0.8",
                "continuous",
                "5+5",
                size(big),
                lambda m, s: ds.transform(ds.gaussian(m, dim=5, rho=0.8, random_state=s), x=ds.normal_cdf, y=ds.normal_cdf),
            ),
            Task("gaussian mixture", "continuous", "1+1", size(big), lambda m, s: ds.gaussian_mixture(m, random_state=s)),
            Task(
                "8-ary symmetric channel e=0.3",
                "discrete",
                "1+1",
                size(big),
                lambda m, s: ds.symmetric_channel(m, k=8, error=0.3, random_state=s),
            ),
            Task(
                "64-ary symmetric channel e=0.5, n=500",
                "discrete",
                "1+1",
                500 if n is None else n,
                lambda m, s: ds.symmetric_channel(m, k=64, error=0.5, random_state=s),
            ),
        ]
    if quick:
        # Peers (slow: benchmark-mi's InfoNCE trains 10^4 steps) run on the 5+5-d Gaussian only.
        tasks = [replace(t, peers=(t.name, t.dims) == ("gaussian rho=0.8", "5+5")) for t in tasks]
    levels = (2.0, 6.0) if quick else ds.STAIRCASE_LEVELS
    for cubic in (False, True):
        if quick and cubic:
            continue
        group = "cubic staircase" if cubic else "staircase"
        for level in levels:
            tasks.append(
                Task(
                    f"{group} {level:g} nats",
                    "continuous",
                    "20+20",
                    size(stairs_n),
                    lambda m, s, level=level, cubic=cubic: ds.staircase(m, levels=(level,), dim=20, cubic=cubic, random_state=s)[
                        0
                    ],
                    group=group,
                    peers=False,
                )
            )
    return tasks


def applicable(info: _registry.MethodInfo, task: Task) -> bool:
    """Whether a registered method estimates MI on this task's kind of data."""
    return "mi" in info.quantities and task.kind in info.data


# ---------------------------------------------------------------------------
# Peer libraries, run on the same samples when installed.


# The training a neural peer gets when no budget is handed to it; the accuracy table states it.
PEER_BUDGETS = {
    "torch-mist": "torch-mist: 10 epochs at its default batch size, early-stopped on its 10% validation split",
    "benchmark-mi": "benchmark-mi: InfoNCE with the library's default steps and batch size",
}


def _torch_mist(name: str) -> Callable[..., float] | None:
    try:
        import torch_mist  # noqa: F401
    except Exception:
        return None

    def run(x: np.ndarray, y: np.ndarray, seed: int, budget: tuple[int, int] | None = None) -> float:
        import torch
        from torch_mist import estimate_mi

        # The same 70/30 split into training (of which torch-mist validates on 10%) and test rows as mutinfo's 60/10/30.
        order = np.random.default_rng(seed).permutation(x.shape[0])
        cut = int(round(0.7 * x.shape[0]))
        train, test = order[:cut], order[cut:]
        x32, y32 = x.astype(np.float32), y.astype(np.float32)
        torch.manual_seed(seed)
        length = {"max_epochs": 10} if budget is None else {"max_iterations": int(budget[0]), "batch_size": int(budget[1])}
        value = estimate_mi(
            data=(x32[train], y32[train]),
            test_data=(x32[test], y32[test]),
            estimator=name,
            hidden_dims=[128, 64],
            verbose=False,
            **length,
        )
        return float(value[0] if isinstance(value, tuple) else value)

    return run


def _bmi(name: str) -> Callable[..., float] | None:
    try:
        import bmi  # noqa: F401
    except Exception:
        return None

    def run(x: np.ndarray, y: np.ndarray, seed: int, budget: tuple[int, int] | None = None) -> float:
        import bmi

        length = {} if budget is None else {"max_n_steps": int(budget[0]), "batch_size": int(budget[1])}
        factories = {
            "ksg": lambda: bmi.estimators.KSGEnsembleFirstEstimator(neighborhoods=(5,)),
            "infonce": lambda: bmi.estimators.InfoNCEEstimator(seed=seed, verbose=False, **length),
        }
        return float(factories[name]().estimate(x, y))

    return run


def peer_estimators() -> dict[str, Callable[[np.ndarray, np.ndarray, int], float]]:
    """Peer estimators that are installed, by display name (``library:method``), with their default settings.

    torch-mist (Federici et al.): SMILE, InfoNCE and MINE with a [128, 64] critic, 10
    epochs, on a 70/30 train/test split. benchmark-mi (Czyz et al. 2023): KSG (k=5)
    and InfoNCE with the library's defaults. Each callable is ``fn(x, y, seed, budget=None)``;
    ``budget=(steps, batch_size)`` trains a neural peer for that many optimiser steps of
    that batch size instead (``benchmarks/neural_targets.py`` passes mutinfo's own).
    """
    out = {}
    for name in ("smile", "infonce", "mine"):
        fn = _torch_mist(name)
        if fn is not None:
            out[f"torch-mist:{name}"] = fn
    for name in ("ksg", "infonce"):
        fn = _bmi(name)
        if fn is not None:
            out[f"benchmark-mi:{name}"] = fn
    return out


# ---------------------------------------------------------------------------
# Running.


def run(
    tasks: Sequence[Task],
    methods: Sequence[str] | None = None,
    *,
    seed: int = 0,
    peers: bool = True,
    method_params: Callable[[_registry.MethodInfo], dict[str, Any]] | None = None,
    show_progress: bool | None = None,
) -> list[dict[str, Any]]:
    """Run every applicable method (and installed peer) on every task; one row per (task, method).

    Parameters
    ----------
    tasks : sequence of Task
    methods : sequence of method names, optional
        Registered methods to run (aliases accepted); default: all of them.
    seed : int
        Seeds the samples (the same for every method) and the methods.
    peers : bool
        Also run installed peer libraries on continuous tasks.
    method_params : callable, optional
        Extra keyword parameters per method, e.g. shorter training for neural ones.
    show_progress : bool or None

    Returns
    -------
    list of dict
        Keys: task, group, kind, dims, n, method, source, true_mi, estimate, error,
        seconds, note (the error message when a method failed, else "").
    """
    import mutinfo as mi

    if methods is None:
        infos = list(_registry.REGISTRY)
    else:
        infos = [_registry.get_method(m, "bench accuracy") for m in methods]
    peer_fns = peer_estimators() if peers else {}
    jobs: list[tuple[Task, str, Any]] = []
    for task in tasks:
        jobs += [(task, info.name, info) for info in infos if applicable(info, task)]
        if task.kind == "continuous" and task.peers:
            jobs += [(task, name, fn) for name, fn in peer_fns.items()]
    rows = []
    samples: dict[int, Sample] = {}
    for task, name, impl in progress(jobs, desc="bench accuracy", enabled=show_progress):
        key = id(task)
        if key not in samples:
            samples.clear()
            samples[key] = task.make(task.n, seed)
        x, y, truth = samples[key]
        note = ""
        start = time.perf_counter()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", MutualInfoWarning)
                if isinstance(impl, _registry.MethodInfo):
                    params = method_params(impl) if method_params else {}
                    value = mi.mutual_information(x, y, method=name, discrete=task.discrete, random_state=seed, **params)
                else:
                    warnings.simplefilter("ignore")
                    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                        value = impl(np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64), seed)
        except Exception as exc:  # a failing method is a result, not a crash of the benchmark
            value, note = math.nan, f"{type(exc).__name__}: {exc}".splitlines()[0][:200]
        seconds = time.perf_counter() - start
        rows.append(
            {
                "task": task.name,
                "group": task.group,
                "kind": task.kind,
                "dims": task.dims,
                "n": task.n,
                "method": name,
                "source": "mutinfo" if isinstance(impl, _registry.MethodInfo) else name.split(":")[0],
                "true_mi": truth,
                "estimate": value,
                "error": value - truth,
                "seconds": seconds,
                "note": note,
            }
        )
    return rows


# ---------------------------------------------------------------------------
# Output.

_COLUMNS = ("task", "dims", "n", "true MI", "method", "estimate", "error", "seconds")


def _cells(row: dict[str, Any]) -> tuple[str, ...]:
    est = "failed" if not math.isfinite(row["estimate"]) else f"{row['estimate']:.3f}"
    err = "" if not math.isfinite(row["error"]) else f"{row['error']:+.3f}"
    return (row["task"], row["dims"], str(row["n"]), f"{row['true_mi']:.3f}", row["method"], est, err, f"{row['seconds']:.2f}")


def format_table(rows: Sequence[dict[str, Any]]) -> str:
    """A plain-text table of the rows (MI in nats)."""
    body = [_cells(r) for r in rows]
    widths = [max(len(c) for c in col) for col in zip(_COLUMNS, *body)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(_COLUMNS, widths)), "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in body]
    return "\n".join(lines)


def format_markdown(rows: Sequence[dict[str, Any]], header: str = "") -> str:
    lines = [header, ""] if header else []
    lines += ["| " + " | ".join(_COLUMNS) + " |", "|" + "---|" * len(_COLUMNS)]
    lines += ["| " + " | ".join(_cells(r)) + " |" for r in rows]
    peers = sorted({r["source"] for r in rows if r.get("source", "mutinfo") != "mutinfo" and r["source"] in PEER_BUDGETS})
    if peers:
        lines += ["", "Training budgets differ: mutinfo's neural methods train with their own settings (epochs='auto': at least "
                  "20 epochs and 600 steps, early-stopped, unless shortened); peers with theirs, not mutinfo's: "
                  + "; ".join(PEER_BUDGETS[p] for p in peers) + ". `benchmarks/neural_targets.py` compares them at equal steps."]
    failed = [r for r in rows if r["note"]]
    if failed:
        lines += ["", "Failures:", ""] + [f"- {r['method']} on {r['task']} ({r['dims']}): {r['note']}" for r in failed]
    return "\n".join(lines) + "\n"


def _figure_tasks(rows: Sequence[dict[str, Any]], path: Path) -> None:
    from ..plot import require_matplotlib

    plt = require_matplotlib()
    tasks = list(dict.fromkeys((r["task"], r["dims"]) for r in rows))
    methods = list(dict.fromkeys(r["method"] for r in rows))
    cmap = plt.get_cmap("tab20")
    fig, ax = plt.subplots(figsize=(10, 0.45 * len(tasks) + 1.5))
    markers = "osD^v<>ph*XP"
    for t, (task, dims) in enumerate(tasks):
        truth = next(r["true_mi"] for r in rows if (r["task"], r["dims"]) == (task, dims))
        ax.plot([truth, truth], [t - 0.4, t + 0.4], color="black", lw=2, zorder=3)
    for m, method in enumerate(methods):
        pts = [
            (r["estimate"], tasks.index((r["task"], r["dims"])))
            for r in rows
            if r["method"] == method and math.isfinite(r["estimate"])
        ]
        if pts:
            xs, ys = zip(*pts)
            offset = (m / max(1, len(methods) - 1) - 0.5) * 0.6
            ax.scatter(
                xs, np.array(ys) + offset, s=18, color=cmap(m % 20), marker=markers[m % len(markers)], label=method, zorder=4
            )
    ax.set_yticks(range(len(tasks)))
    ax.set_yticklabels([f"{task} ({dims})" for task, dims in tasks], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("I(X;Y) [nats]  (black bar: true value)")
    ax.set_title("Estimates against the true MI, per task")
    ax.legend(fontsize=7, ncol=2, loc="center left", bbox_to_anchor=(1.01, 0.5))
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def _figure_staircase(rows: Sequence[dict[str, Any]], path: Path) -> bool:
    stairs = [r for r in rows if r["group"] != "suite"]
    if not stairs:
        return False
    from ..plot import require_matplotlib

    plt = require_matplotlib()
    groups = list(dict.fromkeys(r["group"] for r in stairs))
    fig, axes = plt.subplots(1, len(groups), figsize=(5.5 * len(groups), 4), squeeze=False)
    cmap = plt.get_cmap("tab20")
    methods = list(dict.fromkeys(r["method"] for r in stairs))
    for ax, group in zip(axes[0], groups):
        levels = sorted({r["true_mi"] for r in stairs if r["group"] == group})
        xs = np.arange(len(levels))
        ax.step(np.r_[xs - 0.5, xs[-1] + 0.5], np.r_[levels, levels[-1]], where="post", color="black", lw=2, label="true MI")
        for m, method in enumerate(methods):
            est = {r["true_mi"]: r["estimate"] for r in stairs if r["group"] == group and r["method"] == method}
            if est:
                offset = (m / max(1, len(methods) - 1) - 0.5) * 0.6
                ax.plot(xs + offset, [est.get(lv, np.nan) for lv in levels], "o", ms=5, color=cmap(m % 20), label=method)
        ax.set_xticks(xs)
        ax.set_xticklabels([f"{lv:g}" for lv in levels])
        ax.set_xlabel("level (true MI, nats)")
        ax.set_ylabel("estimate [nats]")
        ax.set_title(f"{group} (20+20-d)")
        ax.set_ylim(bottom=min(-0.5, ax.get_ylim()[0]), top=max(levels) * 1.3)
    axes[0][-1].legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5))
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return True


def write_outputs(rows: Sequence[dict[str, Any]], out: Path, meta: dict[str, Any], figures: bool = True) -> list[Path]:
    """Write accuracy.md, accuracy.json and (when matplotlib is installed) the PNG figures into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    header = (
        "# mutinfo accuracy benchmark\n\n"
        + "\n".join(f"- {k}: {v}" for k, v in meta.items())
        + "\n\nMI in nats; error = estimate - true MI."
    )
    md = out / "accuracy.md"
    md.write_text(format_markdown(rows, header))
    written.append(md)
    js = out / "accuracy.json"

    def clean(v: Any) -> Any:
        return None if isinstance(v, float) and not math.isfinite(v) else v

    js.write_text(json.dumps({"meta": meta, "rows": [{k: clean(v) for k, v in r.items()} for r in rows]}, indent=1))
    written.append(js)
    if figures:
        png = out / "accuracy.png"
        _figure_tasks(rows, png)
        written.append(png)
        stairs = out / "staircase.png"
        if _figure_staircase(rows, stairs):
            written.append(stairs)
    return written


def summary(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per method: tasks run, mean absolute error, mean relative error, total seconds, failures."""
    out = []
    for method in dict.fromkeys(r["method"] for r in rows):
        mine = [r for r in rows if r["method"] == method]
        ok = [r for r in mine if math.isfinite(r["estimate"])]
        rel = [abs(r["error"]) / r["true_mi"] for r in ok if r["true_mi"] > 0]
        out.append(
            {
                "method": method,
                "tasks": len(mine),
                "mean_abs_error": float(np.mean([abs(r["error"]) for r in ok])) if ok else math.nan,
                "mean_rel_error": float(np.mean(rel)) if rel else math.nan,
                "seconds": float(sum(r["seconds"] for r in mine)),
                "failed": len(mine) - len(ok),
            }
        )
    return out
