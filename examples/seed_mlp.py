"""Run the `seed-mlp` training demo: `python examples/seed_mlp.py [--quick] [--epochs N] [--device cpu|cuda] [--out DIR]`.

The same as `mutinfo train seed-mlp`; metrics.json and a PNG figure go to --out (default runs/seed-mlp).
"""

import sys

from mutinfo.cli import main

if __name__ == "__main__":
    sys.exit(main(["train", "seed-mlp", *sys.argv[1:]]))
