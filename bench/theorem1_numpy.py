#!/usr/bin/python3
"""Time a plain NumPy implementation of the Theorem 1 iteration and check it against sgverify.

The iteration is Theorem 1 of Czarnecki et al., "Understanding Synthetic Gradients and
Decoupled Neural Interfaces" (ICML 2017): linear regression trained through a linear
synthetic-gradient module, computed sample by sample in double precision:

    p = W Xbar,  xi = alpha p - beta y + gamma,  grad = A^T xi = (p.xi, -y.xi, sum xi)
    nu = |A^T xi|^2 / |A A^T xi|^2  (0 when xi = 0)
    W -= mu (p - y + xi) Xbar^T,  omega -= nu grad

The instance, the start, mu and the number of steps come from a trace that
`sgverify theorem1 --arith double --mu fixed:VALUE --nu line-search` wrote, and the script
compares its W with the W recorded there. Run it with Debian's /usr/bin/python3, whose
python3-numpy package provides NumPy.
"""

import argparse
import json
import platform
import sys
import time
from fractions import Fraction

import numpy as np

# Both implementations run in double precision but sum in different orders, so they differ
# by rounding error only. A deviation above this, relative to max(1, |W*|), is a real mismatch.
AGREEMENT_TOLERANCE = 1e-10
# The trajectory check follows the first steps, while W is still far from W*. After them both
# runs stay within rounding error of W*, so only the final state is compared.
CHECKED_STEPS = 1000


def parse_rationals(texts):
    """Convert exact rational strings such as "-18469/65536" to doubles, correctly rounded."""
    return np.array([float(Fraction(text)) for text in texts])


def load_trace(path):
    """Read the header and the recorded steps of a sgverify theorem1 trace."""
    with open(path, encoding="utf-8") as trace_file:
        lines = [json.loads(line) for line in trace_file if line.strip()]
    if not lines or lines[0].get("format") != "sgverify-trace":
        raise ValueError(f"{path} is not a sgverify trace, because its first line has no format 'sgverify-trace'")
    header = lines[0]
    parameters = header["parameters"]
    if parameters["arithmetic"] != "double":
        raise ValueError(f"{path}: arithmetic is {parameters['arithmetic']}. Rerun sgverify theorem1 with --arith double")
    if not parameters["mu"].startswith("fixed:"):
        raise ValueError(f"{path}: mu is {parameters['mu']}, but this baseline implements fixed:VALUE only")
    if parameters["nu"] != "line-search":
        raise ValueError(f"{path}: nu is {parameters['nu']}, but this baseline implements line-search only")

    instance = header["instance"]
    X = np.array([parse_rationals(sample) for sample in instance["X"]]).T  # d x S
    return {
        "X_bar": np.vstack([X, np.ones(X.shape[1])]),
        "y": parse_rationals(instance["y"]),
        "W0": parse_rationals(parameters["W0"]),
        "omega0": parse_rationals(parameters["omega0"]),
        "mu": float(Fraction(parameters["mu"][len("fixed:"):])),
        "steps": parameters["steps"],
        "recorded_W": {step["k"]: np.array([float(text) for text in step["W"]]) for step in lines[1:]},
        "final_weights_error": lines[-1]["weights_error"],
        "final_step": lines[-1]["k"],
    }


def rescaled_to_unit_power_of_two(v):
    """Return v times the power of two that brings max |v_i| into [1/2, 1), or v when it is 0.

    nu is invariant under omega -> c omega, and omega decays to subnormal values during a
    run. Computed from omega itself, |A^T xi|^2 would underflow to 0 and nu would be 0/0, so
    nu is computed from this rescaled copy. sgverify rescales the same way for double.
    """
    largest = np.max(np.abs(v))
    if largest == 0 or not np.isfinite(largest):
        return v
    _, exponent = np.frexp(largest)
    return np.ldexp(v, -exponent)


def iterate(X_bar, y, W, omega, mu, steps, checkpoints=frozenset()):
    """Run `steps` steps from (W, omega). Return the final W and omega, and W at each checkpoint."""
    X_bar_t = X_bar.T.copy()
    saved = {}
    for k in range(steps):
        if k in checkpoints:
            saved[k] = W.copy()
        p = W @ X_bar
        xi = omega[0] * p - omega[1] * y + omega[2]
        gradient = np.array([p @ xi, -(y @ xi), xi.sum()])

        direction = rescaled_to_unit_power_of_two(omega)
        direction_xi = direction[0] * p - direction[1] * y + direction[2]
        direction_gradient = np.array([p @ direction_xi, -(y @ direction_xi), direction_xi.sum()])
        image = direction_gradient[0] * p - direction_gradient[1] * y + direction_gradient[2]
        nu = 0.0 if direction_xi @ direction_xi == 0 else (direction_gradient @ direction_gradient) / (image @ image)

        # Both updates use p_k: the SG output g_hat = dL/dp + xi = p - y + xi.
        W = W - mu * ((p - y + xi) @ X_bar_t)
        omega = omega - nu * gradient
    if steps in checkpoints:
        saved[steps] = W.copy()
    return W, omega, saved


def least_squares_weights(X_bar, y, W0):
    """Return W*: W0 plus the minimum-norm least-squares solution of Xbar^T delta = (y - W0 Xbar)^T."""
    delta, *_ = np.linalg.lstsq(X_bar.T, y - W0 @ X_bar, rcond=None)
    return W0 + delta


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trace", required=True, help="trace.jsonl of a double-precision sgverify theorem1 run")
    parser.add_argument("--repeat", type=int, default=3, help="number of timed runs, each of all the trace's steps (default 3)")
    parser.add_argument("--json", help="also write the figures to this JSON file")
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error(f"invalid --repeat {args.repeat}: use 1 or more")
    try:
        trace = load_trace(args.trace)
    except KeyError as error:
        sys.exit(f"theorem1_numpy: invalid trace {args.trace}: the field {error} is missing")
    except (OSError, ValueError) as error:
        sys.exit(f"theorem1_numpy: invalid trace: {error}")

    X_bar, y, mu, steps = trace["X_bar"], trace["y"], trace["mu"], trace["steps"]
    if steps < 1:
        sys.exit(f"theorem1_numpy: the trace {args.trace} has 0 steps, so there is nothing to time. "
                 "Rerun sgverify theorem1 with --steps 1 or more")
    W_star = least_squares_weights(X_bar, y, trace["W0"])
    scale = max(1.0, float(np.linalg.norm(W_star)))

    # Untimed check of the first steps against every W the trace recorded there.
    checked_steps = min(steps, CHECKED_STEPS)
    checkpoints = frozenset(k for k in trace["recorded_W"] if k <= checked_steps)
    _, _, saved = iterate(X_bar, y, trace["W0"], trace["omega0"], mu, checked_steps, checkpoints)
    trajectory_deviation = max(float(np.linalg.norm(saved[k] - trace["recorded_W"][k])) for k in checkpoints)

    seconds = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        W, _, _ = iterate(X_bar, y, trace["W0"], trace["omega0"], mu, steps)
        seconds.append(time.perf_counter() - started)
    weights_error = float(np.linalg.norm(W - W_star))
    final_deviation = float(np.linalg.norm(W - trace["recorded_W"][trace["final_step"]]))
    error_difference = abs(weights_error - trace["final_weights_error"])

    mean = sum(seconds) / len(seconds)
    runs = "1 run" if len(seconds) == 1 else f"{len(seconds)} runs"
    print(f"numpy {np.__version__}, python {platform.python_version()}: {steps} steps in {mean:.3f} s "
          f"(mean of {runs}, min {min(seconds):.3f} s), {1e6 * mean / steps:.2f} us a step")
    print(f"numpy: ||W - W*|| = {weights_error:.6e} after {steps} steps; the C++ trace has {trace['final_weights_error']:.6e}")
    print(f"numpy: max |W_numpy - W_cpp| = {trajectory_deviation:.3e} over {len(checkpoints)} recorded steps up to "
          f"{checked_steps}, {final_deviation:.3e} at step {steps}")
    figures = {
        "steps": steps,
        "seconds": seconds,
        "seconds_mean": mean,
        "weights_error": weights_error,
        "cpp_weights_error": trace["final_weights_error"],
        "trajectory_deviation": trajectory_deviation,
        "final_deviation": final_deviation,
        "numpy_version": np.__version__,
        "python_version": platform.python_version(),
    }
    if args.json:
        with open(args.json, "w", encoding="utf-8") as output:
            json.dump(figures, output, indent=2)

    bound = AGREEMENT_TOLERANCE * scale
    worst = max(trajectory_deviation, final_deviation, error_difference)
    if worst > bound:
        sys.exit(f"theorem1_numpy: NumPy and C++ disagree: deviation {worst:.3e} exceeds {bound:.1e}")
    print(f"numpy: agrees with the C++ run within {bound:.1e}")


if __name__ == "__main__":
    main()
