#!/usr/bin/python3
"""Golden trajectories for the chain optimizer (core/optim/chain.hpp).

    /usr/bin/python3 tools/goldens/gen_optim_chain.py [--out tests/goldens/optim]

Writes tests/goldens/optim/chain.json in gen_optim.py's format (schema
lrbench.optim_golden/1, same problems, steps, record steps and LR rule), read
by tests/optim/test_optim.cpp's Golden test like every other optimizer's.

Reference: an independent NumPy implementation of each transform from its
definition -- optax's (google-deepmind/optax: optax/_src/transform.py
scale_by_adam, scale_by_rms, scale_by_rss, trace, scale_by_lion,
add_decayed_weights, scale, scale_by_schedule, scale_by_learning_rate;
optax/_src/clipping.py clip, clip_by_global_norm), Kingma & Ba, "Adam",
ICLR 2015, Algorithm 1, and Chen et al., "Symbolic Discovery of Optimization
Algorithms", NeurIPS 2023, Algorithm 2 (Lion) -- composed as optax.chain
composes them: u = g, each transform in order, then p = p + u.  Written
in lrbench's arithmetic (chain.hpp): scalars in Python floats (double), one
rounding to the dtype; element ops in the dtype; fma where chain.hpp says
fma, computed exactly with fractions (NumPy has no fma); per-tensor sums of
squares left to right (the problems' tensors are under 16 elements, where
lrbench's chunked sum is left to right too), tensors added in order.  So the
comparison is exact up to the libm pow in the bias corrections.

Cases cover every transform, norm clips first and after stateful transforms:
the one with clipping the issue asks for
(clip_by_global_norm + scale_by_adam + add_decayed_weights + scale_by_lr),
and clip / trace (nesterov) / clip_by_norm / scale_by_rms / scale /
scale_by_rss / scale_by_lion / scale_by_sign / scale_by_schedule chains, some
under the LR drop (lr * drop_factor from drop_step on).
"""
import argparse
import math
import os
import sys
from fractions import Fraction

import numpy as np

import gen_optim as go  # problems, gradients, steps, record steps, LR rule

CASES = [
    # label, chain spec after lr (transforms list), lr per problem, extra (LR drop)
    ("clip_adamw",
     "transforms=[clip_by_global_norm(max_norm=1),scale_by_adam(b1=0.9,b2=0.999,eps=1e-08,"
     "eps_root=0),add_decayed_weights(weight_decay=0.01),scale_by_lr]",
     {"quadratic5": 0.05, "rosenbrock": 0.01}, {"drop_step": 100, "drop_factor": 0.1}),
    ("clip_adam_l2_eps_root",
     "transforms=[clip_by_global_norm(max_norm=5),add_decayed_weights(weight_decay=0.001),"
     "scale_by_adam(b1=0.8,b2=0.99,eps=1e-06,eps_root=1e-08),scale_by_lr]",
     {"quadratic5": 0.02, "rosenbrock": 0.01}, {}),
    ("clip_nesterov",
     "transforms=[clip(max_delta=0.5),trace(decay=0.9,nesterov=true),scale_by_lr]",
     {"quadratic5": 0.01, "rosenbrock": 1e-3}, {"drop_step": 150, "drop_factor": 0.5}),
    ("clip_by_norm_rms_scale",
     "transforms=[clip_by_norm(max_norm=2),scale_by_rms(decay=0.9,eps=1e-08,initial_scale=0),"
     "scale(step_size=0.5),scale_by_lr]",
     {"quadratic5": 0.01, "rosenbrock": 1e-3}, {}),
    ("rss",
     "transforms=[scale_by_rss(initial_accumulator_value=0.1,eps=1e-07),scale_by_lr]",
     {"quadratic5": 0.1, "rosenbrock": 0.01}, {}),
    ("lion_decay",
     "transforms=[scale_by_lion(b1=0.9,b2=0.99),add_decayed_weights(weight_decay=0.1),"
     "scale_by_lr]",
     {"quadratic5": 0.01, "rosenbrock": 1e-3}, {"drop_step": 120, "drop_factor": 0.3}),
    # Norm clips after a stateful transform: lrbench stores u and sums it.
    ("trace_then_clips",
     "transforms=[trace(decay=0.9,nesterov=false),clip_by_global_norm(max_norm=0.5),"
     "scale_by_rms(decay=0.99,eps=1e-08,initial_scale=0),clip_by_norm(max_norm=0.3),scale_by_lr]",
     {"quadratic5": 0.05, "rosenbrock": 0.01}, {"drop_step": 80, "drop_factor": 0.5}),
    ("sign_schedule",
     "transforms=[scale_by_sign,scale_by_schedule(schedule=exponential_lr(gamma=0.99)),"
     "scale_by_lr]",
     {"quadratic5": 0.01, "rosenbrock": 1e-3}, {}),
]
PROBLEMS = ["quadratic5", "rosenbrock"]


def fma(a, b, c, dt):
    """a*b + c with one rounding to dt (exact rational arithmetic, then one
    rounding; float32 goes through double, exact here: a*b of two floats is
    exact in double, and the sum's double rounding to float is only possible
    for ties, which this data does not produce)."""
    return dt(float(Fraction(float(a)) * Fraction(float(b)) + Fraction(float(c))))


def sign(x, dt):
    if x != x:
        return x
    return dt(0) if x == 0 else dt(math.copysign(1.0, x))


def parse_transforms(text):
    """transforms=[name(k=v,...),name,...] -> [(name, {k: v})] (this file's
    own cases only: no nesting beyond scale_by_schedule's one level)."""
    body = text[len("transforms=["):-1]
    out, depth, cur = [], 0, ""
    for ch in body + ",":
        if ch == "," and depth == 0:
            out.append(cur)
            cur = ""
            continue
        depth += ch == "("
        depth -= ch == ")"
        cur += ch
    res = []
    for item in out:
        if "(" not in item:
            res.append((item, {}))
            continue
        name, args = item[:-1].split("(", 1)
        kv = {}
        if name == "scale_by_schedule":
            gamma = float(args.split("gamma=")[1].rstrip(")"))
            kv["gamma"] = gamma  # exponential_lr, base LR 1: gamma^t
        else:
            for a in args.split(","):
                k, v = a.split("=")
                kv[k] = v == "true" if v in ("true", "false") else float(v)
        res.append((name, kv))
    return res


def run_chain(transforms, case_lr, extra, problem, dt):
    spec, x0, offsets = go.PROBLEMS[problem]
    x = np.array([dt(v) for v in x0], dtype=dt)
    n = len(x)
    segs = go.segments(offsets, n)
    grad = go.make_grad_fn(problem, dt)
    state = [np.full(n, dt(kv.get("initial_scale", kv.get("initial_accumulator_value", 0.0))),
                     dtype=dt) if name in ("scale_by_rms", "scale_by_rss")
             else [np.zeros(n, dtype=dt), np.zeros(n, dtype=dt)] if name == "scale_by_adam"
             else np.zeros(n, dtype=dt)
             for name, kv in transforms]
    case = {"lr": case_lr, **extra}
    traj = []
    for k in range(go.STEPS):
        g = grad(x)
        t = k + 1
        lr = go.lr_for(case, k)
        u = g.copy()
        applied = False
        for j, (name, kv) in enumerate(transforms):
            st = state[j]
            if name == "clip":
                c = kv["max_delta"]
                u = np.array([min(max(v, dt(-c)), dt(c)) for v in u], dtype=dt)
            elif name in ("clip_by_norm", "clip_by_global_norm"):
                cT = dt(kv["max_norm"])
                sums = []
                for a, b in segs:
                    s = dt(0)
                    for v in u[a:b]:
                        s = dt(s + v * v)
                    sums.append(s)
                if name == "clip_by_norm":
                    groups = [(a, b, dt(np.sqrt(s))) for (a, b), s in zip(segs, sums)]
                else:
                    tot = dt(0)
                    for s in sums:
                        tot = dt(tot + s)
                    groups = [(0, n, dt(np.sqrt(tot)))]
                for a, b, N in groups:
                    if not N < cT:
                        u[a:b] = [dt(dt(v / N) * cT) for v in u[a:b]]
            elif name == "trace":
                d = dt(kv["decay"])
                for i in range(n):
                    st[i] = dt(st[i] * d + u[i])
                    u[i] = fma(d, st[i], u[i], dt) if kv.get("nesterov") else st[i]
            elif name == "scale_by_rms":
                d, omd, eps = dt(kv["decay"]), dt(1.0 - kv["decay"]), dt(kv["eps"])
                for i in range(n):
                    st[i] = fma(dt(omd * u[i]), u[i], dt(st[i] * d), dt)
                    u[i] = dt(u[i] / dt(np.sqrt(dt(st[i] + eps))))
            elif name == "scale_by_adam":
                m, v = st
                b1, b2 = kv.get("b1", 0.9), kv.get("b2", 0.999)
                b1T, omb1, b2T, omb2 = dt(b1), dt(1.0 - b1), dt(b2), dt(1.0 - b2)
                eps, eps_root = dt(kv.get("eps", 1e-8)), dt(kv.get("eps_root", 0.0))
                bc1, bc2 = dt(1 - b1 ** t), dt(1 - b2 ** t)
                for i in range(n):
                    m[i] = fma(omb1, u[i], dt(m[i] * b1T), dt)
                    v[i] = fma(dt(omb2 * u[i]), u[i], dt(v[i] * b2T), dt)
                    den = dt(dt(np.sqrt(dt(dt(v[i] / bc2) + eps_root))) + eps)
                    u[i] = dt(dt(m[i] / bc1) / den)
            elif name == "scale_by_rss":
                eps = dt(kv["eps"])
                for i in range(n):
                    st[i] = fma(u[i], u[i], st[i], dt)
                    u[i] = dt(u[i] / dt(np.sqrt(dt(st[i] + eps)))) if st[i] > 0 else dt(0)
            elif name == "scale_by_sign":
                u = np.array([sign(v, dt) for v in u], dtype=dt)
            elif name == "scale_by_lion":
                b1T, b2T = dt(kv["b1"]), dt(kv["b2"])
                omb1, omb2 = dt(dt(1) - b1T), dt(dt(1) - b2T)
                for i in range(n):
                    c = dt(dt(st[i] * b1T) + dt(u[i] * omb1))
                    st[i] = dt(dt(st[i] * b2T) + dt(u[i] * omb2))
                    u[i] = sign(c, dt)
            elif name == "add_decayed_weights":
                wd = dt(kv["weight_decay"])
                u = np.array([fma(wd, x[i], u[i], dt) for i in range(n)], dtype=dt)
            elif name in ("scale", "scale_by_schedule", "scale_by_lr"):
                f = (kv["step_size"] if name == "scale"
                     else kv["gamma"] ** (t - 1) if name == "scale_by_schedule" else -lr)
                fT = dt(f)
                if name == "scale_by_lr" and j + 1 == len(transforms):
                    x = np.array([fma(fT, u[i], x[i], dt) for i in range(n)], dtype=dt)
                    applied = True
                else:
                    u = np.array([dt(v * fT) for v in u], dtype=dt)
            else:
                raise SystemExit(f"unknown transform {name}")
        if not applied:
            x = np.array([dt(x[i] + u[i]) for i in range(n)], dtype=dt)
        if t in go.RECORD:
            traj.append([float(v) for v in x])
    return traj


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--out", default=os.path.join(here, "..", "..", "tests", "goldens", "optim"))
    a = ap.parse_args()
    cases = []
    for label, transforms_text, lrs, extra in CASES:
        transforms = parse_transforms(transforms_text)
        for problem in PROBLEMS:
            for dt in (np.float64, np.float32):
                lr = lrs[problem]
                traj = run_chain(transforms, lr, extra, problem, dt)
                if not all(math.isfinite(v) for row in traj for v in row):
                    raise SystemExit(f"non-finite trajectory: {label} {problem}")
                rec = {
                    "id": f"chain/lrbench/{label}/{problem}/{np.dtype(dt).name}",
                    "spec": f"chain:lr={lr!r},{transforms_text}",
                    "reference": "numpy: optax's transform definitions, lrbench arithmetic",
                    "problem": go.PROBLEMS[problem][0],
                    "x0": go.PROBLEMS[problem][1],
                    "tensor_offsets": go.PROBLEMS[problem][2],
                    "dtype": np.dtype(dt).name,
                    "steps": go.STEPS,
                    "lr": lr,
                    **extra,
                    "params": traj,
                }
                cases.append(rec)
    doc = {
        "schema": go.SCHEMA,
        "generator": "tools/goldens/gen_optim_chain.py",
        "numpy_version": np.__version__,
        "optimizer": "chain",
        "record_steps": go.RECORD,
        "lr_rule": "lr_k = lr * drop_factor if k >= drop_step else lr (k = 0-based step)",
        "cases": cases,
    }
    go.write_golden(a.out, "chain", doc)
    return 0


if __name__ == "__main__":
    sys.exit(main())
