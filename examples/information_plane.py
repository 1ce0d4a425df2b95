"""Information plane of tanh vs ReLU networks on the 12-bit task (Saxe et al. 2018).

Run:  python examples/information_plane.py [--quick] [--out runs/information-plane]
Same as `mutinfo train information-plane`.
"""

import argparse
import json

from mutinfo.demos.information_plane import run

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="short run (150 epochs)")
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="runs/information-plane")
    args = parser.parse_args()
    metrics = run(args.out, device="cpu", epochs=args.epochs, quick=args.quick, seed=args.seed)
    print(json.dumps({k: v for k, v in metrics.items() if k != "networks"}, indent=2))
