#!/usr/bin/env python3
"""Train a small MLP on sklearn's offline digits dataset and export it to ONNX.

Output protocol (stdout):
  * chart points, one JSON object per line:
      {"chart": "loss", "x": <global step>, "y": <float>}
      {"chart": "accuracy", "x": <epoch>, "y": <test accuracy 0..1>}
  * everything else is plain human-readable log text.

Artifacts (written to $INCLINE_ARTIFACTS_DIR, default ./artifacts):
  * model.onnx   input "input" FP32 [N, 64] raw pixel values 0..16,
                 output "scores" FP32 [N, 10] logits
  * metrics.json {"accuracy": ..., "loss": ..., "epochs": ...}
"""
import argparse
import inspect
import json
import os
import sys
import time

try:
    import numpy as np
    import torch
    from torch import nn
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
except ImportError as exc:  # pragma: no cover - environment problem
    print(
        "error: missing dependency ({}). This script needs PyTorch, scikit-learn "
        "and NumPy, e.g. on Debian: apt-get install python3-torch python3-sklearn "
        "python3-numpy python3-onnx".format(exc),
        file=sys.stderr,
    )
    sys.exit(2)

SEED = 0
LOSS_EVERY = 5  # emit a loss chart point every N batches


def _env_default(name, cast, fallback):
    value = os.environ.get(name)
    if value is None or value == "":
        return fallback
    try:
        return cast(value)
    except ValueError:
        print("error: environment variable {}={!r} is not a valid {}".format(
            name, value, cast.__name__), file=sys.stderr)
        sys.exit(2)


def parse_args():
    p = argparse.ArgumentParser(description="Train an MLP on sklearn digits and export ONNX.")
    p.add_argument("--epochs", type=int, default=_env_default("EPOCHS", int, 3),
                   help="number of epochs (default: $EPOCHS or 3)")
    p.add_argument("--lr", type=float, default=_env_default("LR", float, 0.01),
                   help="Adam learning rate (default: $LR or 0.01)")
    p.add_argument("--batch-size", type=int, default=16, help="mini-batch size (default: 16)")
    args = p.parse_args()
    if args.epochs < 1 or args.batch_size < 1 or args.lr <= 0:
        p.error("--epochs and --batch-size must be >= 1 and --lr must be > 0")
    return args


def chart(name, x, y):
    print(json.dumps({"chart": name, "x": int(x), "y": float(y)}), flush=True)


def log(msg):
    print(msg, flush=True)


class Scale(nn.Module):
    """Maps raw digit pixels (0..16) to 0..1, so the exported model takes raw features."""

    def __init__(self, factor):
        super().__init__()
        self.register_buffer("factor", torch.tensor(factor, dtype=torch.float32))

    def forward(self, x):
        return x * self.factor


def build_model():
    return nn.Sequential(
        Scale(1.0 / 16.0),
        nn.Linear(64, 64),
        nn.ReLU(),
        nn.Linear(64, 10),
    )


def evaluate(model, x, y, loss_fn):
    model.eval()
    with torch.no_grad():
        logits = model(x)
        loss = loss_fn(logits, y).item()
        acc = (logits.argmax(dim=1) == y).float().mean().item()
    return loss, acc


def export_onnx(model, path):
    model.eval()
    dummy = torch.zeros(1, 64, dtype=torch.float32)
    kwargs = dict(
        input_names=["input"],
        output_names=["scores"],
        dynamic_axes={"input": {0: "batch"}, "scores": {0: "batch"}},
        opset_version=13,
    )
    # Newer torch releases default to the dynamo exporter, which needs the
    # onnxscript package; force the legacy TorchScript exporter where the
    # keyword exists (torch < 2.x does not have it and always uses legacy).
    if "dynamo" in inspect.signature(torch.onnx.export).parameters:
        kwargs["dynamo"] = False
    torch.onnx.export(model, (dummy,), path, **kwargs)

    import onnx  # imported lazily: only needed for the export check

    onnx.checker.check_model(onnx.load(path))


def main():
    args = parse_args()
    started = time.time()
    torch.manual_seed(SEED)
    np.random.seed(SEED)
    torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))

    digits = load_digits()  # bundled with scikit-learn, no download
    x_train, x_test, y_train, y_test = train_test_split(
        digits.data.astype(np.float32), digits.target.astype(np.int64),
        test_size=0.2, random_state=SEED, stratify=digits.target)
    x_train, y_train = torch.from_numpy(x_train), torch.from_numpy(y_train)
    x_test, y_test = torch.from_numpy(x_test), torch.from_numpy(y_test)
    log("torch {} | digits: {} train / {} test samples | epochs={} lr={} batch_size={}".format(
        torch.__version__, len(x_train), len(x_test), args.epochs, args.lr, args.batch_size))

    model = build_model()
    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    gen = torch.Generator().manual_seed(SEED)

    step = 0
    test_loss, test_acc = float("nan"), 0.0
    for epoch in range(1, args.epochs + 1):
        model.train()
        perm = torch.randperm(len(x_train), generator=gen)
        running, batches = 0.0, 0
        for i in range(0, len(perm), args.batch_size):
            idx = perm[i:i + args.batch_size]
            optimizer.zero_grad()
            loss = loss_fn(model(x_train[idx]), y_train[idx])
            loss.backward()
            optimizer.step()
            step += 1
            batches += 1
            running += loss.item()
            if step % LOSS_EVERY == 0:
                chart("loss", step, loss.item())
        test_loss, test_acc = evaluate(model, x_test, y_test, loss_fn)
        chart("accuracy", epoch, test_acc)
        log("epoch {}/{} train_loss={:.4f} test_loss={:.4f} acc={:.4f}".format(
            epoch, args.epochs, running / max(batches, 1), test_loss, test_acc))

    artifacts = os.environ.get("INCLINE_ARTIFACTS_DIR", "artifacts")
    os.makedirs(artifacts, exist_ok=True)
    onnx_path = os.path.join(artifacts, "model.onnx")
    try:
        export_onnx(model, onnx_path)
    except ImportError as exc:
        print("error: ONNX export/check needs the onnx package ({})".format(exc), file=sys.stderr)
        return 2
    log("wrote {} (input 'input' FP32 [N,64] raw 0..16 -> output 'scores' FP32 [N,10])".format(
        onnx_path))

    metrics = {"accuracy": test_acc, "loss": test_loss, "epochs": args.epochs}
    with open(os.path.join(artifacts, "metrics.json"), "w") as fh:
        json.dump(metrics, fh, indent=2)
        fh.write("\n")
    log("wrote {}".format(os.path.join(artifacts, "metrics.json")))
    log("final test accuracy {:.3f} (train+export {:.1f}s)".format(test_acc, time.time() - started))
    return 0


if __name__ == "__main__":
    sys.exit(main())
