"""The Beyond-Normal benchmark behind ``mutinfo bench bmi``.

The 40 tasks of Czyz et al. (2023), as the package ``benchmark-mi`` defines and samples
them (``bmi.benchmark.BENCHMARK_TASKS``): 1-D pairs, Gaussians up to 50 + 50 dimensions,
Student-t distributions, and Gaussians seen through monotone (normal CDF, half-cube) and
non-monotone (spiral, Swiss roll) maps, each with its true MI. ``method="auto"``, one
method of each mutinfo family and benchmark-mi's own estimators (CCA, KSG, a neural
critic) run on the same samples; the summary counts, per method and seed, the tasks
within 10% of the truth and within a factor of 1.5 (the paper's criterion), the mean
absolute error, the worst factor ``max(estimate / truth, truth / estimate)`` and the
wall-clock and CPU seconds.

benchmark-mi needs ``jax < 0.4.34`` and so ``numpy < 2``: install the ``bench-neural``
extra in an environment of its own. Any task source with the same shape (see
:class:`BenchTask`) runs through the same code, which is how the tests exercise it.

Reference: Czyz, Grabowski, Vogt, Beerenwinkel & Marx (2023), "Beyond normality: learning
the mutual information of non-Gaussian distributions", NeurIPS 36.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from .._errors import MutualInfoWarning
from .._progress import progress

__all__ = [
    "BenchTask",
    "MissingBenchmark",
    "DEFAULT_METHODS",
    "PEER_METHODS",
    "QUICK_TASKS",
    "bmi_tasks",
    "estimators",
    "run",
    "summary",
    "format_summary",
    "format_tasks",
    "write_outputs",
    "run_tasks",
]

Pair = tuple[np.ndarray, np.ndarray]

# mutinfo methods run by default: auto and one of each family (parametric, k-NN, neural).
DEFAULT_METHODS = ("auto", "gaussian", "ksg", "smile")
# benchmark-mi's own estimators: CCA (Gaussian), KSG (k=5, its ensemble estimator with one k), a neural critic.
PEER_METHODS = ("bmi:cca", "bmi:ksg", "bmi:infonce", "bmi:nwj", "bmi:dv", "bmi:mine")
DEFAULT_PEERS = ("bmi:cca", "bmi:ksg", "bmi:infonce")
# --quick: a few tasks that cover each kind (1-D, heavy tails, high-dimensional, monotone and non-monotone maps).
QUICK_TASKS = (
    "1v1-additive-0.1",
    "student-identity-2-2-1",
    "multinormal-sparse-5-5-2-2.0",
    "half_cube-multinormal-sparse-3-3-2-2.0",
    "spiral-multinormal-sparse-3-3-2-2.0",
    "asinh-student-identity-3-3-2",
)
# Relative and factor criteria of the summary.
WITHIN_RELATIVE = 0.10
WITHIN_FACTOR = 1.5


class MissingBenchmark(ImportError):
    """benchmark-mi (the ``bench-neural`` extra) is not installed."""


@dataclass(frozen=True)
class BenchTask:
    """One distribution with known MI.

    Attributes
    ----------
    id : str
        benchmark-mi's task id, e.g. ``"student-identity-5-5-2"``.
    dim_x, dim_y : int
    true_mi : float
        In nats.
    sample : callable (n, seed) -> (x, y)
        Arrays of shape (n, dim_x) and (n, dim_y).
    """

    id: str
    dim_x: int
    dim_y: int
    true_mi: float
    sample: Callable[[int, int], Pair] = field(repr=False, compare=False)

    @property
    def dims(self) -> str:
        return f"{self.dim_x}+{self.dim_y}"


_INSTALL = (
    "benchmark-mi is not installed; `mutinfo bench bmi` samples its tasks with it. Install the extra in an "
    "environment of its own (it pins numpy<2 and jax<0.4.34): pip install -e \".[bench-neural]\""
)


def _import_bmi() -> Any:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import bmi
            import bmi.benchmark
    except Exception as exc:  # ImportError, or a jax/numpy version clash inside the package
        raise MissingBenchmark(_INSTALL + f" ({type(exc).__name__}: {str(exc).splitlines()[0][:120]})") from None
    return bmi


def bmi_tasks(ids: Sequence[str] | None = None) -> list[BenchTask]:
    """The tasks of benchmark-mi's ``BENCHMARK_TASKS`` (all 40 in its order, or those in ``ids``)."""
    bmi = _import_bmi()
    table = bmi.benchmark.BENCHMARK_TASKS
    names = list(table) if ids is None else list(ids)
    unknown = [t for t in names if t not in table]
    if unknown:
        raise KeyError(f"unknown benchmark-mi task(s) {unknown}; known: {', '.join(table)}")

    def sampler(task: Any) -> Callable[[int, int], Pair]:
        def sample(n: int, seed: int) -> Pair:
            x, y = task.sample(n, seed=seed)
            return np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)

        return sample

    return [
        BenchTask(t, table[t].dim_x, table[t].dim_y, float(table[t].mutual_information), sampler(table[t])) for t in names
    ]


def _peer(name: str, seed: int, neural_steps: int | None) -> Callable[[np.ndarray, np.ndarray], float]:
    bmi = _import_bmi()
    est = bmi.estimators
    kind = name.split(":", 1)[1]
    if kind == "cca":
        return lambda x, y: float(est.CCAMutualInformationEstimator().estimate(x, y))
    if kind == "ksg":
        return lambda x, y: float(est.KSGEnsembleFirstEstimator(neighborhoods=(5,)).estimate(x, y))
    cls = {"infonce": est.InfoNCEEstimator, "nwj": est.NWJEstimator, "dv": est.DonskerVaradhanEstimator, "mine": est.MINEEstimator}[kind]
    params: dict[str, Any] = {"verbose": False, "seed": seed}
    if neural_steps is not None:
        params["max_n_steps"] = neural_steps
    return lambda x, y: float(cls(**params).estimate(x, y))


def estimators(
    methods: Sequence[str], seed: int, neural_steps: int | None = None
) -> dict[str, Callable[[np.ndarray, np.ndarray], float]]:
    """Callables (x, y) -> MI in nats, by display name: mutinfo methods by name, benchmark-mi's as ``bmi:NAME``."""
    import mutinfo as mi

    from .. import _registry

    out: dict[str, Callable[[np.ndarray, np.ndarray], float]] = {}
    for name in methods:
        if name.startswith("bmi:"):
            out[name] = _peer(name, seed, neural_steps)
            continue
        params: dict[str, Any] = {}
        if name != "auto" and _registry.get_method(name, "mutinfo bench bmi --methods").family == "neural":
            params["progress"] = False
            if neural_steps is not None:
                params["max_steps"] = neural_steps

        def run_one(x: np.ndarray, y: np.ndarray, name: str = name, params: dict[str, Any] = params) -> float:
            return float(mi.mutual_information(x, y, method=name, discrete=False, random_state=seed, **params))

        out[name] = run_one
    return out


def run(
    tasks: Sequence[BenchTask],
    methods: Sequence[str] = DEFAULT_METHODS + DEFAULT_PEERS,
    *,
    n: int = 5000,
    seeds: Sequence[int] = (0, 1, 2),
    neural_steps: int | None = None,
    show_progress: bool | None = None,
) -> list[dict[str, Any]]:
    """Every method on every task and seed, on the same samples; one row per (seed, task, method).

    Returns
    -------
    list of dict
        Keys: task, dims, n, seed, method, true_mi, estimate (NaN when the method
        failed), seconds (wall clock), cpu_seconds (CPU time of this process, all
        threads), note (the error message of a failure, else "").
    """
    fns: dict[int, dict[str, Callable[[np.ndarray, np.ndarray], float]]] = {}

    def estimate(seed: int, task: BenchTask, method: str, x: np.ndarray, y: np.ndarray) -> float:
        if seed not in fns:
            fns[seed] = estimators(methods, seed, neural_steps)
        if method.startswith("bmi:"):
            warnings.simplefilter("ignore")  # inside run_tasks' catch_warnings: benchmark-mi's own warnings
        return fns[seed][method](x, y)

    return run_tasks(tasks, methods, estimate, n=n, seeds=seeds, desc="bench bmi", show_progress=show_progress)


def run_tasks(
    tasks: Sequence[Any],
    methods: Sequence[str],
    estimate: Callable[[int, Any, str, np.ndarray, np.ndarray], float],
    *,
    n: int,
    seeds: Sequence[int],
    desc: str,
    show_progress: bool | None = None,
    extra: Callable[[Any], dict[str, Any]] = lambda task: {},
) -> list[dict[str, Any]]:
    """``estimate(seed, task, method, x, y)`` on every task's sample of each seed, timed; one row per run.

    Each (seed, task) is sampled once and shared by all methods. A method that raises is
    a NaN row with the error in ``note`` (a failing method is a result, not a crash of
    the benchmark); MutualInfoWarning and printed output are silenced. ``extra(task)``
    adds keys to each row after ``dims``.
    """
    jobs = [(seed, task, m) for seed in seeds for task in tasks for m in methods]
    rows: list[dict[str, Any]] = []
    current: tuple[int, str] | None = None
    x = y = np.empty((0, 0))
    for seed, task, method in progress(jobs, desc=desc, enabled=show_progress):
        if current != (seed, task.id):
            x, y = task.sample(n, seed)
            current = (seed, task.id)
        note = ""
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
                warnings.simplefilter("ignore", MutualInfoWarning)
                value = float(estimate(seed, task, method, x, y))
        except Exception as exc:
            value, note = math.nan, f"{type(exc).__name__}: {exc}".splitlines()[0][:200]
        rows.append(
            {
                "task": task.id,
                "dims": task.dims,
                **extra(task),
                "n": n,
                "seed": seed,
                "method": method,
                "true_mi": task.true_mi,
                "estimate": value,
                "seconds": time.perf_counter() - wall,
                "cpu_seconds": time.process_time() - cpu,
                "note": note,
            }
        )
    return rows


def _factor(estimate: float, truth: float) -> float:
    """max(estimate / truth, truth / estimate); inf for a non-positive or failed estimate."""
    if not math.isfinite(estimate) or estimate <= 0.0:
        return math.inf
    return max(estimate / truth, truth / estimate)


def summary(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per method and seed: tasks, within 10%, within a factor of 1.5, mean |error|, worst factor (and its task), seconds.

    A failed estimate counts as outside both criteria, with an infinite factor, and is
    left out of the mean absolute error (``failed`` counts them).
    """
    out = []
    for method in dict.fromkeys(r["method"] for r in rows):
        for seed in dict.fromkeys(r["seed"] for r in rows):
            mine = [r for r in rows if r["method"] == method and r["seed"] == seed]
            if not mine:
                continue
            ok = [r for r in mine if math.isfinite(r["estimate"])]
            factors = [(_factor(r["estimate"], r["true_mi"]), r["task"]) for r in mine]
            worst = max(factors)
            out.append(
                {
                    "method": method,
                    "seed": seed,
                    "tasks": len(mine),
                    "within_10pct": sum(abs(r["estimate"] - r["true_mi"]) <= WITHIN_RELATIVE * r["true_mi"] for r in ok),
                    "within_factor_1_5": sum(f <= WITHIN_FACTOR for f, _ in factors),
                    "mean_abs_error": float(np.mean([abs(r["estimate"] - r["true_mi"]) for r in ok])) if ok else math.nan,
                    "worst_factor": worst[0],
                    "worst_task": worst[1],
                    "seconds": float(sum(r["seconds"] for r in mine)),
                    "cpu_seconds": float(sum(r["cpu_seconds"] for r in mine)),
                    "failed": len(mine) - len(ok),
                }
            )
    return out


def _per_seed(values: Sequence[Any], fmt: str) -> str:
    return " / ".join(format(v, fmt) for v in values)


def format_summary(rows: Sequence[dict[str, Any]]) -> str:
    """Markdown summary: one column per method, one row per criterion; per-seed values separated by " / "."""
    stats = summary(rows)
    methods = list(dict.fromkeys(s["method"] for s in stats))
    by = {m: [s for s in stats if s["method"] == m] for m in methods}
    seeds = [s["seed"] for s in by[methods[0]]] if methods else []

    def line(label: str, cell: Callable[[list[dict[str, Any]]], str]) -> str:
        return f"| {label} | " + " | ".join(cell(by[m]) for m in methods) + " |"

    lines = [
        f"Per seed ({', '.join(str(s) for s in seeds)}), separated by /.",
        "",
        "| | " + " | ".join(methods) + " |",
        "|---|" + "---|" * len(methods),
        line("within 10%", lambda ss: _per_seed([f"{s['within_10pct']}/{s['tasks']}" for s in ss], "s")),
        line("within a factor of 1.5", lambda ss: _per_seed([f"{s['within_factor_1_5']}/{s['tasks']}" for s in ss], "s")),
        line("mean abs. error (nats)", lambda ss: _per_seed([s["mean_abs_error"] for s in ss], ".3f")),
        line("worst factor", lambda ss: _per_seed([s["worst_factor"] for s in ss], ".2f")),
        line("wall seconds (all tasks)", lambda ss: _per_seed([s["seconds"] for s in ss], ".0f")),
        line("CPU seconds (all tasks)", lambda ss: _per_seed([s["cpu_seconds"] for s in ss], ".0f")),
    ]
    failed = [r for r in rows if r["note"]]
    if failed:
        lines += ["", "Failures:", ""] + [f"- {r['method']} on {r['task']} (seed {r['seed']}): {r['note']}" for r in failed]
    return "\n".join(lines) + "\n"


def format_tasks(rows: Sequence[dict[str, Any]]) -> str:
    """Markdown table per task: true MI and each method's estimate (mean over seeds) with its relative error."""
    methods = list(dict.fromkeys(r["method"] for r in rows))
    tasks = list(dict.fromkeys((r["task"], r["dims"], r["true_mi"]) for r in rows))
    lines = [
        "| task | dims | true MI | " + " | ".join(methods) + " |",
        "|---|---|---|" + "---|" * len(methods),
    ]
    for task, dims, truth in tasks:
        cells = []
        for m in methods:
            vals = [r["estimate"] for r in rows if r["task"] == task and r["method"] == m]
            if not vals or not all(math.isfinite(v) for v in vals):
                cells.append("failed")
                continue
            mean = float(np.mean(vals))
            cells.append(f"{mean:.3f} ({100 * (mean - truth) / truth:+.0f}%)")
        lines.append(f"| {task} | {dims} | {truth:.3f} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _figure(rows: Sequence[dict[str, Any]], path: Path) -> None:
    from .accuracy import _figure_tasks

    methods = list(dict.fromkeys(r["method"] for r in rows))
    tasks = list(dict.fromkeys((r["task"], r["dims"], r["true_mi"]) for r in rows))
    means = []
    for task, dims, truth in tasks:
        for m in methods:
            vals = [r["estimate"] for r in rows if r["task"] == task and r["method"] == m]
            means.append(
                {"task": task, "dims": dims, "true_mi": truth, "method": m, "estimate": float(np.mean(vals)) if vals else math.nan}
            )
    _figure_tasks(means, path)


def write_outputs(rows: Sequence[dict[str, Any]], out: Path, meta: dict[str, Any], figures: bool = True) -> list[Path]:
    """Write bmi.md (summary and per-task tables), bmi.json (every row) and bmi.png (estimates against the truth)."""
    out.mkdir(parents=True, exist_ok=True)
    md = out / "bmi.md"
    md.write_text(
        f"# {meta.get('suite', 'Beyond-Normal benchmark (benchmark-mi tasks)')}\n\n"
        + "\n".join(f"- {k}: {v}" for k, v in meta.items() if k != "suite")
        + "\n\nMI in nats. Worst factor: max(estimate / truth, truth / estimate) over the tasks (inf: an estimate <= 0).\n\n"
        + "## Summary\n\n"
        + format_summary(rows)
        + "\n## Per task (mean over seeds, relative error)\n\n"
        + format_tasks(rows)
    )
    js = out / "bmi.json"

    def clean(v: Any) -> Any:
        return None if isinstance(v, float) and not math.isfinite(v) else v

    js.write_text(json.dumps({"meta": meta, "rows": [{k: clean(v) for k, v in r.items()} for r in rows]}, indent=1))
    written = [md, js]
    if figures:
        png = out / "bmi.png"
        _figure(rows, png)
        written.append(png)
    return written
