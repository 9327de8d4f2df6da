#!/usr/bin/python3
"""PyTorch CPU reference for one deep row of Table 2 (Czarnecki et al., "Understanding Synthetic
Gradients and Decoupled Neural Interfaces", ICML 2017, appendix D), timed against
bench/table2_bench.cpp, which runs the same computation in sgverify.

The computation: k = 100, S = 1000 Gaussian samples with a constant 1 appended, labels of a random
hyperplane with 10% swapped, 10 hidden linear layers of width 10 and 2 softmax outputs (log loss),
a linear SG C h + D y + c after every hidden layer, zero at the start, trained on the mean of
1/2 ||SG - dl/dh||^2. Adam with learning rate 3e-5 for everything, full batch, float64, one thread,
2000 steps with backpropagation and 2000 with the SGs. It is a plain per-sample autograd
implementation, not a tuned one. Debian 12's python3-torch (1.13) is enough; it is not a
dependency of the suite.

Usage: bench/table2_torch.py [--steps N]
"""
import argparse
import time

import torch

INPUT_DIM, SAMPLES, HIDDEN_LAYERS, WIDTH, CLASSES = 100, 1000, 10, 10, 2
LEARNING_RATE = 3e-5


def make_data(generator):
    x = torch.randn(SAMPLES, INPUT_DIM, generator=generator, dtype=torch.float64)
    normal = torch.randn(INPUT_DIM, generator=generator, dtype=torch.float64)
    labels = (x @ normal > 0).long()
    swapped = torch.randperm(SAMPLES, generator=generator)[: SAMPLES // 10]
    labels[swapped] = 1 - labels[swapped]
    x_bar = torch.cat([x, torch.ones(SAMPLES, 1, dtype=torch.float64)], dim=1)
    one_hot = torch.nn.functional.one_hot(labels, CLASSES).double()
    return x_bar, labels, one_hot


def make_weights(generator):
    widths = [INPUT_DIM + 1] + [WIDTH] * HIDDEN_LAYERS + [CLASSES]
    return [
        (torch.randn(widths[i + 1], widths[i], generator=generator, dtype=torch.float64) / widths[i] ** 0.5).requires_grad_()
        for i in range(len(widths) - 1)
    ]


def train_backprop(x_bar, labels, weights, steps):
    optimiser = torch.optim.Adam(weights, lr=LEARNING_RATE)
    for _ in range(steps):
        h = x_bar
        for w in weights:
            h = h @ w.T
        loss = torch.nn.functional.cross_entropy(h, labels)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    return loss.item()


def train_synthetic(x_bar, labels, one_hot, weights, steps):
    sg = []
    for _ in range(HIDDEN_LAYERS):
        sg += [torch.zeros(WIDTH, WIDTH, dtype=torch.float64, requires_grad=True),
               torch.zeros(WIDTH, CLASSES, dtype=torch.float64, requires_grad=True),
               torch.zeros(WIDTH, dtype=torch.float64, requires_grad=True)]
    optimiser = torch.optim.Adam(weights + sg, lr=LEARNING_RATE)
    for _ in range(steps):
        # The true per-sample gradients dl/dh_j, the SG modules' targets.
        hidden = [x_bar]
        for w in weights:
            hidden.append(hidden[-1] @ w.T)
        loss = torch.nn.functional.cross_entropy(hidden[-1], labels)
        targets = torch.autograd.grad(loss * SAMPLES, hidden[1:-1])
        # Each hidden layer follows the SG above it, with its input cut from the graph; the output
        # layer follows the loss. The SG modules follow their own MSE.
        surrogate = torch.nn.functional.cross_entropy(hidden[-2].detach() @ weights[-1].T, labels)
        for j in range(HIDDEN_LAYERS):
            c_matrix, d_matrix, c_vector = sg[3 * j: 3 * j + 3]
            h = hidden[j + 1].detach()
            predicted = h @ c_matrix.T + one_hot @ d_matrix.T + c_vector
            local = hidden[j].detach() @ weights[j].T
            surrogate = surrogate + (local * predicted.detach()).sum() / SAMPLES
            surrogate = surrogate + 0.5 * ((predicted - targets[j]) ** 2).sum(dim=1).mean()
        optimiser.zero_grad()
        surrogate.backward()
        optimiser.step()
    return loss.item()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=2000, help="steps per method (default 2000)")
    steps = parser.parse_args().steps
    torch.set_num_threads(1)
    generator = torch.Generator().manual_seed(1)
    x_bar, labels, one_hot = make_data(generator)
    start = make_weights(generator)

    for name, train in [("backprop", lambda w: train_backprop(x_bar, labels, w, steps)),
                        ("synthetic gradients", lambda w: train_synthetic(x_bar, labels, one_hot, w, steps))]:
        weights = [w.detach().clone().requires_grad_() for w in start]
        began, began_cpu = time.perf_counter(), time.process_time()
        loss = train(weights)
        seconds, cpu_seconds = time.perf_counter() - began, time.process_time() - began_cpu
        print(f"torch {torch.__version__} {name}: {steps} steps in {seconds:.3f} s wall, {cpu_seconds:.3f} s CPU "
              f"({1e3 * seconds / steps:.4f} ms a step wall), final loss {loss:.6f}")


if __name__ == "__main__":
    main()
