"""Training of a critic: minibatch gradient ascent with a warm-up and cosine schedule, validation
checks and early stopping, and the divergence and still-rising checks of the run."""

from __future__ import annotations

import copy
import math
import time
from typing import Any, Callable, Mapping

import torch
from torch import nn

from .. import functional as F
from .._errors import EstimationError
from .._progress import progress as progress_bar
from ._readout import _heldout

# Training objective of each bound. JS and SMILE train the critic with the Jensen-Shannon
# objective (their gradient); their reported values are computed on held-out data only.
_TRAIN_OBJECTIVES: dict[str, Callable[[Any], Any]] = {
    "infonce": F.infonce,
    "nwj": F.nwj,
    "dv": F.dv,
    "js": F.js_fgan,
    "smile": F.js_fgan,
}
# Early stopping watches the training objective on the validation split. For js and smile
# that is the Jensen-Shannon objective, not the reported bound: the clipped SMILE value is
# not shift-invariant, and an uncalibrated critic early in training (scores offset upwards)
# can show a spuriously high clipped value; the exponentiated js read-out is too noisy at high
# MI to tell when training has converged (selected on it, js read 4.4 of 10 and 1.3 of 8 nats
# on the 20-d staircases instead of 8.0 and 6.9). Neither choice tames that read-out on heavy
# tails: on a 2+2-d Student-t (df=3) one held-out pair of extreme values can dominate exp(f)
# whichever critic is kept, which the large-standard-error warning reports.
_CRITERION = {"js": "js_fgan", "smile": "js_fgan"}
# Training length when epochs="auto": at least this many optimiser steps ...
AUTO_MIN_STEPS = 600
# ... and at least this many epochs, at most that many.
AUTO_MIN_EPOCHS = 20
AUTO_MAX_EPOCHS = 1000
# Validation happens every epoch, or every whole number of epochs spanning at least this many steps.
MIN_STEPS_BETWEEN_CHECKS = 40
# Share of training spent on the linear learning-rate warm-up (then cosine decay to 0).
WARMUP_FRACTION = 0.1
# Starting learning rate of the warm-up, as a fraction of lr.
WARMUP_START = 0.04
# Warn that training stopped too early when the validation bound rose by more than
# max(this many nats, 2 validation standard errors) over the last quarter of training.
RISING_MIN_GAIN = 0.05
# Block size of the validation checks (negatives are the other rows of a block).
VAL_BLOCK = 512


def _adamw(critic: nn.Module, lr: float, weight_decay: float, device: torch.device) -> torch.optim.Optimizer:
    """AdamW with the fused kernel where this torch has one for the device (fewer, larger ops per step)."""
    params = list(critic.parameters())
    try:
        return torch.optim.AdamW(params, lr=lr, weight_decay=weight_decay, fused=True)
    except (RuntimeError, TypeError, ValueError):
        return torch.optim.AdamW(params, lr=lr, weight_decay=weight_decay, foreach=device.type == "cuda" or None)


class _Training:
    """The training loop of :class:`~mutinfo.neural.estimator.NeuralEstimator` (uses its ``bound`` and ``params``)."""

    def _schedule(self, total: int) -> Callable[[int], float]:
        warm = max(1, int(WARMUP_FRACTION * total))

        def factor(step: int) -> float:
            if step < warm:
                return WARMUP_START + (1.0 - WARMUP_START) * step / warm
            t = (step - warm) / max(1, total - warm)
            return 0.5 * (1.0 + math.cos(math.pi * min(t, 1.0)))

        return factor

    def _train(
        self,
        critic: nn.Module,
        data: Mapping[str, tuple[torch.Tensor, torch.Tensor]],
        gen: torch.Generator,
        device: torch.device,
        start: float,
    ) -> dict[str, Any]:
        p = self.params
        x_tr, y_tr = data["train"]
        x_va, y_va = data["val"]
        n_train = x_tr.shape[0]
        batch = min(p["batch_size"], n_train)
        per_epoch = max(1, n_train // batch)
        if p["epochs"] == "auto":
            epochs = min(AUTO_MAX_EPOCHS, max(AUTO_MIN_EPOCHS, math.ceil(AUTO_MIN_STEPS / per_epoch)))
        else:
            epochs = p["epochs"]
        total = epochs * per_epoch if p["max_steps"] is None else min(epochs * per_epoch, p["max_steps"])
        check_every = per_epoch * max(1, math.ceil(MIN_STEPS_BETWEEN_CHECKS / per_epoch))
        optimizer = _adamw(critic, p["lr"], p["weight_decay"], device)
        scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, self._schedule(total))
        clip = p.get("clip")
        criterion = {"js": "JS objective", "smile": "JS objective", "club": "log-likelihood"}.get(self.bound, self.bound)
        mine_state = None
        best, best_step, best_weights = -math.inf, 0, copy.deepcopy(critic.state_dict())
        history: list[tuple[int, float]] = []
        val_se: list[float] = []
        notes: list[str] = []
        since_best, step, stopped_early, diverged = 0, 0, False, False
        bar = progress_bar(total=total, desc=f"{self.bound} critic", enabled=p["progress"])
        try:
            done = False
            while not done:
                perm = torch.randperm(n_train, generator=gen).to(device)
                for b in range(per_epoch):
                    rows = perm[b * batch : (b + 1) * batch]
                    critic.train()
                    objective, mine_state = self._objective(critic, x_tr[rows], y_tr[rows], mine_state)
                    if not torch.isfinite(objective):
                        diverged = (step, float(objective.detach()))
                        done = True
                        break
                    optimizer.zero_grad(set_to_none=True)
                    (-objective).backward()
                    if p["grad_clip"] is not None:
                        nn.utils.clip_grad_norm_(critic.parameters(), p["grad_clip"], foreach=True)
                    optimizer.step()
                    scheduler.step()
                    step += 1
                    bar.update(1)
                    if step % check_every == 0 or step == total:
                        critic.eval()
                        if self.bound == "club":
                            with torch.no_grad():
                                held_val, se = float(critic.log_likelihood(x_va, y_va).mean()), 0.0
                        else:
                            h = _heldout(
                                critic,
                                x_va,
                                y_va,
                                _CRITERION.get(self.bound, self.bound),
                                batch_size=batch,
                                clip=clip,
                                block=VAL_BLOCK,
                            )
                            held_val, se = h.value, h.std_error
                        history.append((step, held_val))
                        val_se.append(se)
                        bar.set_postfix_str(f"val {criterion} {held_val:.3f}")
                        if not p["early_stopping"]:
                            # Keep the last critic with a finite validation value: the one reported if training diverges.
                            if math.isfinite(held_val):
                                best, best_step = held_val, step
                                best_weights = copy.deepcopy(critic.state_dict())
                        elif math.isfinite(held_val) and held_val > best:
                            best, best_step, since_best = held_val, step, 0
                            best_weights = copy.deepcopy(critic.state_dict())
                        else:
                            since_best += 1
                        if p["early_stopping"] and since_best >= p["patience"]:
                            stopped_early = done = True
                            break
                    if step >= total:
                        done = True
                        break
                    if p["max_time"] is not None and time.perf_counter() - start > p["max_time"]:
                        notes.append(
                            f"Training stopped at the time limit max_time={p['max_time']:g} s after {step} of {total} steps."
                        )
                        done = True
                        break
        finally:
            bar.close()
        if diverged and best_step == 0:
            raise EstimationError(
                f"Training of the {self.bound} critic diverged at step {diverged[0]} (the objective became {diverged[1]}) "
                "before any validation check gave a finite value, so there is no trained critic to report. "
                "A smaller lr, or method='smile', trains more stably."
            )
        if best_step > 0 and (diverged or p["early_stopping"]):
            # Early stopping: the best critic on validation. Divergence: the last finite one checked.
            critic.load_state_dict(best_weights)
        if diverged:
            kept = "the best on validation" if p["early_stopping"] else "the last with a finite validation value"
            notes.append(
                f"Training diverged at step {diverged[0]} (the {self.bound} objective became {diverged[1]}); the critic of "
                f"step {best_step}, {kept}, is reported. A smaller lr, or method='smile', trains more stably."
            )
        critic.eval()
        val_value = _heldout(critic, x_va, y_va, self.bound, batch_size=batch, clip=clip).value
        if len(history) >= 4 and not stopped_early and self.bound != "club":
            quarter = history[-max(1, len(history) // 4) - 1][1]
            gain = history[-1][1] - quarter
            if gain > max(RISING_MIN_GAIN, 2 * val_se[-1]):
                notes.append(
                    f"The validation objective was still rising at the end of training (+{gain:.3f} nats over the last quarter); "
                    "the estimate is probably low. Train longer (epochs=...) or with more samples."
                )
        return {
            "val_value": val_value,
            "best_step": best_step,
            "steps": step,
            "epochs": math.ceil(step / per_epoch),
            "history": history,
            "stopped_early": stopped_early,
            "notes": notes,
        }

    def _objective(self, critic: nn.Module, x: torch.Tensor, y: torch.Tensor, mine_state: Any) -> tuple[torch.Tensor, Any]:
        """The training objective on one minibatch (to maximise), and MINE's updated state."""
        if self.bound == "club":
            return critic.log_likelihood(x, y).mean(), None  # fit q(y|x) by maximum likelihood
        scores = critic(x, y)
        if self.bound == "mine":
            return F.mine(scores, mine_state, self.params["momentum"])
        return _TRAIN_OBJECTIVES[self.bound](scores), None
