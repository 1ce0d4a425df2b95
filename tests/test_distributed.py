"""Every loss under torch.distributed (2 gloo processes on CPU) equals one process on the whole batch."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

import mutinfo._errors as mi_errors
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


EXPECTED = ["DiscreteMILoss(labels)", "DiscreteMILoss(two logits)", "IICLoss(2 sub-heads)", "InfoNCELoss",
            "InfoNCELoss(critic)", "NTXentLoss", "VIB", "MINELoss", "NWJLoss", "SMILELoss", "JSLoss", "CLUBLoss",
            "CLUBLoss.learning_loss"]


def test_two_ranks_ran(report):
    assert report["world_size"] == 2
    assert len(report["ranks"]) == 2


@pytest.mark.parametrize("name", EXPECTED)
def test_value_and_gradients_equal_single_process(report, name):
    for rank_report in report["ranks"]:
        r = rank_report[name]
        assert r["default"] == "auto"  # constructed without `distributed=`: exact by default
        assert r["finite"]
        assert r["value_diff"] < TOL, r
        assert r["param_grad_scale"] > 1e-6  # the comparison is not between zeros
        assert r["param_grad_diff"] < TOL, r
        assert r["input_grad_diff"] < TOL, r


@pytest.mark.parametrize("name", ["InfoNCELoss(critic)", "MINELoss", "NWJLoss", "SMILELoss", "JSLoss", "CLUBLoss"])
def test_critic_gradients_of_gathered_losses_are_global_before_averaging(report, name):
    """Losses that gather their inputs give their critic the global-batch gradient on every rank already."""
    for rank_report in report["ranks"]:
        assert rank_report[name]["loss_param_grad_diff_before_averaging"] < TOL


@pytest.mark.parametrize("name", ["CLUBLoss.learning_loss", "VIB"])
def test_gradients_of_global_means_need_averaging(report, name):
    """Global means give each rank its own share of the gradient: DDP (or an all-reduce) must average them."""
    for rank_report in report["ranks"]:
        assert rank_report[name]["loss_param_grad_diff_before_averaging"] > 1e-3


def test_losses_inside_ddp_get_single_process_gradients(report):
    """The README pattern: model, InfoNCELoss(critic) and CLUBLoss in one DDP module, no hand-made all-reduce."""
    for rank_report in report["ranks"]:
        r = rank_report["DDP(model + InfoNCELoss(critic) + CLUBLoss)"]
        assert r["value_diff"] < TOL, r
        assert r["param_grad_scale"] > 1e-6
        assert r["param_grad_diff"] < TOL, r
        assert r["critic_grad_diff"] < TOL, r
        # Why the loss must be inside DDP: without it, the q network's gradients differ between ranks.
        assert r["q_grad_rank_spread_without_ddp"] > 1e-3, r


def test_default_is_auto_and_validated():
    from mutinfo import losses

    for make in (lambda: losses.DiscreteMILoss(), lambda: losses.IICLoss(), lambda: losses.InfoNCELoss(), lambda: losses.NTXentLoss(),
                 lambda: losses.NWJLoss(lambda a, b: a @ b.T), lambda: losses.CLUBLoss(2, 2), lambda: losses.VIB(2, 2)):
        assert make().distributed == "auto"
    with pytest.raises(mi_errors.ParameterError, match=r"The `distributed` parameter of IICLoss must be \"auto\", True or False. Got 'yes'"):
        losses.IICLoss(distributed="yes")


def test_helpers_are_identity_without_process_group():
    x = torch.randn(3, 2)
    assert mdist.world_size() == 1 and mdist.rank() == 0 and not mdist.is_distributed()
    assert mdist.gather(x) is x
    assert mdist.all_reduce_sum(x) is x
    assert torch.allclose(mdist.global_mean(x), x.mean(0))
