"""The design notes' workflow in Keras 3: a dense network trained on I(Y; Y_hat), then evaluated with MI.

Run: ``python examples/keras_seed_mlp.py [--epochs 60] [--out runs/keras-seed-mlp] [--backend torch|jax]``.

The first design note proposes J(theta) = I(Y; Y_hat) between labels and a network's
predictions, optimised by gradient descent with the probabilities taken from the model's
outputs, on a small Keras network of Dense(10) layers. Done here on scikit-learn's digits
(1797 8x8 images, 10 classes; 1200 for training, 597 held out):

* ``mi``: Dense(10, relu) - Dense(10, relu) - Dense(10) trained with
  :class:`mutinfo.keras.DiscreteMILoss` alone (minus the plug-in MI of the batch joint
  table of softmax outputs and labels, batches of 64, Adam 3e-3);
* ``ce``: the same network trained with cross-entropy, for comparison.

After every epoch the held-out I(Y; Y_hat) of the predicted class (plug-in, bits; at most
log2 10 = 3.32) is measured with :func:`mutinfo.mutual_information`; at the end,
:class:`mutinfo.monitor.MutualInformationMetric` gives the one-vs-rest information
I(1[Y=c]; 1[Y_hat=c]) of each digit, which shows the classes a network merges (the
relabelling below matches each output unit to its best digit). An MI objective does not know
which output unit should mean which digit, so accuracy is reported after the best
one-to-one relabelling of the outputs (Hungarian matching on the training set). Writes
``metrics.json`` and ``keras_seed_mlp.png`` to ``--out``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=60)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--backend", default=None, help="Keras backend (default: KERAS_BACKEND, else torch)")
    parser.add_argument("--out", default="runs/keras-seed-mlp")
    args = parser.parse_args(argv)
    if args.backend is not None:
        if "keras" in sys.modules:
            raise SystemExit("--backend must be chosen before Keras is imported")
        os.environ["KERAS_BACKEND"] = args.backend

    import numpy as np
    from scipy.optimize import linear_sum_assignment

    import mutinfo as mi
    from mutinfo.datasets import load_digits
    from mutinfo.keras import DiscreteMILoss
    from mutinfo.monitor import MutualInformationMetric

    import keras  # after mutinfo.keras, which picks the torch backend when none is set

    x, y = load_digits()
    x = x.reshape(len(x), -1)
    rng = np.random.default_rng(args.seed)
    order = rng.permutation(len(x))
    train, test = order[:1200], order[1200:]
    x_train, y_train, x_test, y_test = x[train], y[train], x[test], y[test]

    def network() -> keras.Model:
        inputs = keras.Input(shape=(64,))
        h1 = keras.layers.Dense(10, activation="relu", name="dense_1")(inputs)
        h2 = keras.layers.Dense(10, activation="relu", name="dense_2")(h1)
        return keras.Model(inputs, keras.layers.Dense(10, name="logits")(h2))

    class HeldOutMI(keras.callbacks.Callback):
        """I(Y; Y_hat) of the predicted class on the held-out digits (plug-in, bits), after every epoch."""

        def __init__(self) -> None:
            super().__init__()
            self.values: list[float] = []

        def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
            pred = np.asarray(keras.ops.convert_to_numpy(self.model.predict(x_test, verbose=0))).argmax(1)
            value = mi.mutual_information(y_test, pred, method="plugin", discrete=True, base=2)
            self.values.append(float(value))
            if logs is not None:
                logs["held_out_I_Y_Yhat_bits"] = value

    def relabelled(model: keras.Model) -> np.ndarray:
        """Held-out predicted digits after the best one-to-one relabelling of output units found on the training set."""
        pred_train = np.asarray(keras.ops.convert_to_numpy(model.predict(x_train, verbose=0))).argmax(1)
        counts = np.zeros((10, 10))
        np.add.at(counts, (pred_train, y_train), 1)
        rows, cols = linear_sum_assignment(-counts)
        relabel = dict(zip(rows, cols))
        pred = np.asarray(keras.ops.convert_to_numpy(model.predict(x_test, verbose=0))).argmax(1)
        return np.array([relabel[p] for p in pred])

    results: dict = {"backend": keras.backend.backend(), "epochs": args.epochs, "seed": args.seed}
    curves, per_class = {}, {}
    for name, loss in (("mi", DiscreteMILoss()), ("ce", keras.losses.SparseCategoricalCrossentropy(from_logits=True))):
        keras.utils.set_random_seed(args.seed)
        model = network()
        model.compile(optimizer=keras.optimizers.Adam(3e-3), loss=loss)
        held_out = HeldOutMI()
        model.fit(x_train, y_train, epochs=args.epochs, batch_size=64, shuffle=True, verbose=0, callbacks=[held_out])
        curves[name] = held_out.values
        pred = relabelled(model)  # a relabelling changes neither I(Y; Y_hat) nor the NMI
        metric = MutualInformationMetric(10, base=2)
        metric.update(pred, y_test)
        values = metric.compute_all()
        per_class[name] = values["per_class"].tolist()
        results[name] = {"held_out_mi_bits": held_out.values[-1], "nmi": float(values["nmi"]), "relabelled_accuracy": float(np.mean(pred == y_test)),
                         "per_class_bits": per_class[name]}
        print(f"{name}: held-out I(Y; Y_hat) = {held_out.values[-1]:.3f} bits (cap {np.log2(10):.3f}), "
              f"accuracy after relabelling = {results[name]['relabelled_accuracy']:.3f}")

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    results["curves"] = curves
    (out / "metrics.json").write_text(json.dumps(results, indent=2, default=float))
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: no figure (pip install 'mutinfo[plot]')")
        return results
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
    epochs = np.arange(1, args.epochs + 1)
    ax1.plot(epochs, curves["mi"], label="trained on I(Y; Ŷ) (DiscreteMILoss)")
    ax1.plot(epochs, curves["ce"], label="trained on cross-entropy")
    ax1.axhline(np.log2(10), color="grey", ls=":", label="log2 10")
    ax1.set(xlabel="epoch", ylabel="held-out I(Y; Ŷ) (bits)", title=f"Dense 10-10-10 on digits, Keras ({results['backend']})")
    ax1.legend(fontsize=8)
    digits = np.arange(10)
    ax2.bar(digits - 0.2, per_class["mi"], width=0.4, label="DiscreteMILoss")
    ax2.bar(digits + 0.2, per_class["ce"], width=0.4, label="cross-entropy")
    ax2.set(xlabel="digit c", ylabel="I(1[Y=c]; 1[Ŷ=c]) (bits)", xticks=digits, title="held-out one-vs-rest information per digit")
    ax2.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "keras_seed_mlp.png", dpi=110)
    print(f"wrote {out / 'metrics.json'} and {out / 'keras_seed_mlp.png'}")
    return results


if __name__ == "__main__":
    main()
