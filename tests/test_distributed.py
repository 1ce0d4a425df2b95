"""Every loss under torch.distributed (2 gloo processes on CPU) equals one process on the whole batch."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

import mutinfo.distributed as mdist

TOL = 1e-10  # float64 throughout; only summation order differs


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    if not torch.distributed.is_available() or not torch.distributed.is_gloo_available():
        pytest.skip("torch.distributed with the gloo backend is not available in this torch build")
    tmp = tmp_path_factory.mktemp("ddp")
    worker = Path(__file__).with_name("_ddp_worker.py")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(Path(__file__).parents[1] / "src"), os.environ.get("PYTHONPATH", "")]))
    env.setdefault("OMP_NUM_THREADS", "1")
    env["PYTHONWARNINGS"] = "error::FutureWarning"  # as in the test suite: a FutureWarning fails the run
    out = tmp / "report.json"
    procs = [
        subprocess.Popen([sys.executable, str(worker), str(r), "2", str(tmp / "init"), str(out)], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for r in range(2)
    ]
    logs = []
    for p in procs:
        try:
            logs.append(p.communicate(timeout=240)[0])
        except subprocess.TimeoutExpired:
            for q in procs:
                q.kill()
            pytest.fail("distributed workers timed out")
    assert all(p.returncode == 0 for p in procs), "\n".join(logs)
    return json.loads(out.read_text())


EXPECTED = ["DiscreteMILoss(labels)", "DiscreteMILoss(two logits)", "IICLoss(2 sub-heads)", "InfoNCELoss", "VIB",
            "MINELoss", "NWJLoss", "SMILELoss", "JSLoss", "CLUBLoss"]


def test_two_ranks_ran(report):
    assert report["world_size"] == 2
    assert len(report["ranks"]) == 2


@pytest.mark.parametrize("name", EXPECTED)
def test_value_and_gradients_equal_single_process(report, name):
    for rank_report in report["ranks"]:
        r = rank_report[name]
        assert r["finite"]
        assert r["value_diff"] < TOL, r
        assert r["param_grad_scale"] > 1e-6  # the comparison is not between zeros
        assert r["param_grad_diff"] < TOL, r
        assert r["input_grad_diff"] < TOL, r


def test_helpers_are_identity_without_process_group():
    x = torch.randn(3, 2)
    assert mdist.world_size() == 1 and mdist.rank() == 0 and not mdist.is_distributed()
    assert mdist.gather(x) is x
    assert mdist.all_reduce_sum(x) is x
    assert torch.allclose(mdist.global_mean(x), x.mean(0))
