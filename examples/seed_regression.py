"""Run the `seed-regression` training demo: `python examples/seed_regression.py [--quick] [--epochs N] [--device cpu|cuda] [--out DIR]`.

The same as `mutinfo train seed-regression`; metrics.json and a PNG figure go to --out (default runs/seed-regression).
"""

import sys

from mutinfo.cli import main

if __name__ == "__main__":
    sys.exit(main(["train", "seed-regression", *sys.argv[1:]]))
