"""Run the `imbalance-fashion` training demo: `python examples/imbalance_fashion.py [--quick] [--epochs N] [--device cpu|cuda] [--out DIR]`.

The same as `mutinfo train imbalance-fashion`; metrics.json and a PNG figure go to --out (default runs/imbalance-fashion).
"""

import sys

from mutinfo.cli import main

if __name__ == "__main__":
    sys.exit(main(["train", "imbalance-fashion", *sys.argv[1:]]))
