"""Run the `iic-fashion` training demo: `python examples/iic_fashion.py [--quick] [--epochs N] [--device cpu|cuda] [--out DIR]`.

The same as `mutinfo train iic-fashion`; metrics.json and a PNG figure go to --out (default runs/iic-fashion).
"""

import sys

from mutinfo.cli import main

if __name__ == "__main__":
    sys.exit(main(["train", "iic-fashion", *sys.argv[1:]]))
