"""InfoNCE representation learning of the digits under DistributedDataParallel.

Run with ``torchrun --nproc_per_node=2 examples/ddp_infonce.py [--epochs 5]`` (CPU: gloo;
GPUs: nccl, one per process). Each rank encodes its shard of every batch;
``NTXentLoss()`` (``distributed="auto"``) gathers the embeddings of all ranks, so the negatives
come from the global batch and the loss equals the single-process loss on it. The
script checks that on the first batch and prints the InfoNCE bound as training goes,
then a linear-probe accuracy of the learned features (rank 0).
"""

from __future__ import annotations

import argparse
import os

import numpy as np
import torch
import torch.distributed as dist
from torch import nn

from mutinfo import distributed as mdist
from mutinfo.datasets import load_digits
from mutinfo.datasets.augment import Augment
from mutinfo.losses import NTXentLoss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--batch", type=int, default=256, help="global batch size")
    args = parser.parse_args()

    use_cuda = torch.cuda.is_available()
    dist.init_process_group("nccl" if use_cuda else "gloo")
    rank, world = dist.get_rank(), dist.get_world_size()
    device = torch.device(f"cuda:{int(os.environ.get('LOCAL_RANK', '0'))}") if use_cuda else torch.device("cpu")
    torch.manual_seed(0)  # identical initial weights on every rank

    x, y = load_digits()
    x = torch.tensor(x[:, None], device=device)
    encoder = nn.Sequential(nn.Flatten(), nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 64)).to(device)
    model = nn.parallel.DistributedDataParallel(encoder)
    loss_fn = NTXentLoss(temperature=0.2)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    augment = Augment(degrees=10, translate=0.1, noise=0.05, seed=100 + rank, device=device.type)
    local = args.batch // world
    rng = np.random.default_rng(0)  # same permutation on every rank; each takes its slice

    for epoch in range(args.epochs):
        perm = torch.as_tensor(rng.permutation(len(x)), device=device)
        for step, start in enumerate(range(0, len(x) - args.batch + 1, args.batch)):
            idx = perm[start + rank * local : start + (rank + 1) * local]
            z1, z2 = model(augment(x[idx])), model(augment(x[idx]))
            loss = loss_fn(z1, z2)
            if epoch == 0 and step == 0:
                with torch.no_grad():  # the same loss on the gathered global batch, in one process
                    reference = NTXentLoss(temperature=0.2, distributed=False)(mdist.gather(z1), mdist.gather(z2))
                if rank == 0:
                    print(f"world size {world}: distributed loss {loss.item():.6f}, single-process loss on the global batch "
                          f"{reference.item():.6f}, equal: {torch.allclose(loss, reference, atol=1e-6)}")
            opt.zero_grad()
            loss.backward()  # DDP averages the gradients: the single-process gradient of the global batch
            opt.step()
        if rank == 0:
            print(f"epoch {epoch + 1}: InfoNCE bound on I(view1; view2) = {loss_fn.mi_bound.item():.3f} nats")

    if rank == 0:
        from sklearn.linear_model import LogisticRegression

        with torch.no_grad():
            feats = encoder(x).cpu().numpy()
        labels = y
        split = 1200
        probe = LogisticRegression(max_iter=2000).fit(feats[:split], labels[:split])
        print(f"linear probe accuracy on held-out digits: {probe.score(feats[split:], labels[split:]):.3f}")
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
