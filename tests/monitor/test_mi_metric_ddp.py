"""MutualInformationMetric under torch.distributed: 2 CPU processes (gloo) give the whole-data value."""

from __future__ import annotations


import pytest

torch = pytest.importorskip("torch")
dist = pytest.importorskip("torch.distributed")

import mutinfo as mi  # noqa: E402
from mutinfo.monitor import MutualInformationMetric  # noqa: E402

from _ddp_metric_worker import C, _data, _worker  # noqa: E402  (importable by name in spawned processes)


@pytest.mark.skipif(not dist.is_available(), reason="torch.distributed is not available")
def test_two_process_metric_equals_one_process_on_all_data(tmp_path):
    import torch.multiprocessing as mp

    mp.spawn(_worker, args=(2, str(tmp_path)), nprocs=2, join=True)
    y, yhat = _data()
    single = MutualInformationMetric(C, base=2)
    single.update(yhat, y)
    ref = single.compute_all()
    offline = mi.mutual_information(y, yhat, method="plugin", base=2)
    totals = []
    for rank in range(2):
        got = torch.load(tmp_path / f"rank{rank}.pt")
        assert float(got["mi"]) == pytest.approx(float(ref["mi"]), abs=1e-12)
        assert float(got["mi"]) == pytest.approx(offline, abs=1e-12)
        assert float(got["mi_compute"]) == pytest.approx(offline, abs=1e-12)  # torchmetrics' sync of the state
        assert float(got["nmi"]) == pytest.approx(float(ref["nmi"]), abs=1e-12)
        torch.testing.assert_close(got["per_class"], ref["per_class"], rtol=0, atol=1e-12)
        assert torch.equal(got["table"], single.table)
        assert got["local_unchanged"]
        totals.append(got["local_total"])
    assert totals == [500, 500]
