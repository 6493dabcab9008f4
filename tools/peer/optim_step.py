#!/usr/bin/python3
"""Times PyTorch's optimizer.step() on the same work as bench/optim.

Same sizes (1 Mi and 16 Mi float32 parameters, one tensor), same optimizers
at PyTorch defaults (those PyTorch 1.13 has: not Keras' lion, lamb,
adafactor, ftrl), same thread count (torch.set_num_threads), gradients set
once outside the timed region.  PyTorch 1.13's default implementation is used
(foreach=None resolves to the single-tensor loop on CPU), i.e. what a user
gets.  Prints JSON: one record per (optimizer, n) with the median of `reps`
timed steps.

usage: /usr/bin/python3 tools/peer/optim_step.py [--threads T] [--reps R] [--sizes 1048576,16777216]
"""
import argparse
import json
import platform
import statistics
import sys
import time

import torch

# lrbench spec -> (torch class, kwargs); keep in step with bench/optim/bench_optim.cpp.
CASES = {
    "gd:lr=0.01": (torch.optim.SGD, dict(lr=0.01)),
    "sgd:lr=0.01,momentum=0.9": (torch.optim.SGD, dict(lr=0.01, momentum=0.9)),
    "sgd:lr=0.01,momentum=0.9,nesterov=true": (torch.optim.SGD, dict(lr=0.01, momentum=0.9, nesterov=True)),
    "rmsprop": (torch.optim.RMSprop, dict()),
    "adagrad": (torch.optim.Adagrad, dict()),
    "adam": (torch.optim.Adam, dict()),
    "adamw": (torch.optim.AdamW, dict()),
    "nadam": (torch.optim.NAdam, dict()),
    "adamax": (torch.optim.Adamax, dict()),
    "adadelta": (torch.optim.Adadelta, dict()),
    "radam": (torch.optim.RAdam, dict()),
    "rprop": (torch.optim.Rprop, dict()),
    "asgd": (torch.optim.ASGD, dict()),
}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--reps", type=int, default=9)
    ap.add_argument("--sizes", default="1048576,16777216")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    sizes = [int(s) for s in args.sizes.split(",")]
    out = {
        "context": {
            "torch_version": torch.__version__,
            "threads": torch.get_num_threads(),
            "python": platform.python_version(),
            "machine": platform.machine(),
        },
        "benchmarks": [],
    }
    for spec, (cls, kw) in CASES.items():
        for n in sizes:
            i = torch.arange(n, dtype=torch.float32)
            p = torch.nn.Parameter(0.5 + 1e-3 * torch.remainder(i, 997))
            p.grad = 1e-2 * (torch.remainder(i, 89) - 44.0)
            opt = cls([p], **kw)
            opt.step()  # allocate state outside the timed region
            times = []
            with torch.no_grad():
                for _ in range(args.reps):
                    t0 = time.perf_counter()
                    opt.step()
                    times.append(time.perf_counter() - t0)
            out["benchmarks"].append({"spec": spec, "n": n, "median_s": statistics.median(times),
                                      "reps": args.reps})
            print(f"torch {spec:45s} n={n:>9d} {statistics.median(times)*1e3:9.3f} ms",
                  file=sys.stderr)
    json.dump(out, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
