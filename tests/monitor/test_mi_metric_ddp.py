"""MutualInformationMetric under torch.distributed: 2 CPU processes (gloo) give the whole-data value."""

from __future__ import annotations

import os

import numpy as np
import pytest

torch = pytest.importorskip("torch")
dist = pytest.importorskip("torch.distributed")

import mutinfo as mi  # noqa: E402
from mutinfo.monitor import MutualInformationMetric  # noqa: E402

N, C = 1000, 4


def _data():
    rng = np.random.default_rng(7)
    y = rng.integers(0, C, N)
    yhat = np.where(rng.random(N) < 0.6, y, rng.integers(0, C, N))
    return y, yhat


def _worker(rank: int, world: int, folder: str) -> None:
    torch.set_num_threads(1)
    dist.init_process_group("gloo", init_method=f"file://{folder}/store", rank=rank, world_size=world)
    try:
        y, yhat = _data()
        mine = np.arange(N) % world == rank  # an uneven interleaved shard
        metric = MutualInformationMetric(C, base=2)
        ys, ps = torch.tensor(y[mine]), torch.tensor(yhat[mine])
        for start in range(0, len(ys), 64):
            metric.update(ps[start : start + 64], ys[start : start + 64])
        local_before = metric._table.clone()
        out = metric.compute()
        torch.save(
            {
                "mi": out["mi"], "nmi": out["nmi"], "per_class": out["per_class"], "table": metric.table,
                "local_unchanged": torch.equal(local_before, metric._table), "local_total": int(local_before.sum()),
            },
            os.path.join(folder, f"rank{rank}.pt"),
        )
    finally:
        dist.destroy_process_group()


@pytest.mark.skipif(not dist.is_available(), reason="torch.distributed is not available")
def test_two_process_metric_equals_one_process_on_all_data(tmp_path):
    import torch.multiprocessing as mp

    mp.spawn(_worker, args=(2, str(tmp_path)), nprocs=2, join=True)
    y, yhat = _data()
    single = MutualInformationMetric(C, base=2)
    single.update(yhat, y)
    ref = single.compute()
    offline = mi.mutual_information(y, yhat, method="plugin", base=2)
    totals = []
    for rank in range(2):
        got = torch.load(tmp_path / f"rank{rank}.pt")
        assert float(got["mi"]) == pytest.approx(float(ref["mi"]), abs=1e-12)
        assert float(got["mi"]) == pytest.approx(offline, abs=1e-12)
        assert float(got["nmi"]) == pytest.approx(float(ref["nmi"]), abs=1e-12)
        torch.testing.assert_close(got["per_class"], ref["per_class"], rtol=0, atol=1e-12)
        assert torch.equal(got["table"], single.table)
        assert got["local_unchanged"]
        totals.append(got["local_total"])
    assert totals == [500, 500]
