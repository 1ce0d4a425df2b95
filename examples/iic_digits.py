"""Run the `iic-digits` training demo: `python examples/iic_digits.py [--quick] [--epochs N] [--device cpu|cuda] [--out DIR]`.

The same as `mutinfo train iic-digits`; metrics.json and a PNG figure go to --out (default runs/iic-digits).
"""

import sys

from mutinfo.cli import main

if __name__ == "__main__":
    sys.exit(main(["train", "iic-digits", *sys.argv[1:]]))
