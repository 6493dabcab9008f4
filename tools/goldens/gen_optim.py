#!/usr/bin/python3
"""Golden trajectories for core/optim (STYLE.md 13).

    /usr/bin/python3 tools/goldens/gen_optim.py [--out tests/goldens/optim] [--probe]

Writes one JSON file per optimizer (tests/goldens/optim/<name>.json).  Each
case runs one optimizer spec on one built-in problem (core/problems) for
STEPS steps and records the parameters after selected steps.

References
  convention=pytorch  the real torch.optim.<Class> (foreach=False: the
                      single-tensor code path) and torch.nn.utils.clip_grad_*_
                      called before optimizer.step().  Parameters are split into
                      several tensors (`tensor_offsets`) so per-tensor and
                      multi-tensor code paths run.
  convention=keras    an independent NumPy implementation of Keras 3's
                      formulas (keras/src/optimizers/*.py, read op by op),
                      cast to the dtype as Keras does: the LR and Python-float
                      hyperparameters become dtype scalars; hyperparameters
                      Keras casts first combine in the dtype.  Keras itself
                      cannot run here.
  tutorial variants   NumPy, the formula as printed in the tutorial
                      (ema_momentum, rmsprop_tutorial001, adam_tutorial000).
                      gd is torch.optim.SGD (pytorch) and Keras' SGD without
                      momentum (keras): p - g*lr, tutorial 000/002's formula.
  sgd_schedule_free ... prodigy
                      the schedule-free and LR-free optimizers: NumPy
                      references from the papers' algorithms, cases and
                      deviations in optim_lr_free.py (which also records the
                      evaluation point and the scalar state).
  radam ... ftrl      the frameworks' newer optimizers: cases and Keras
                      references in optim_framework.py (same rules).

Gradients are the analytic formulas of core/problems/problems.cpp evaluated
with NumPy scalars of the dtype in the same op order (IEEE, no fused ops), so
C++ and the reference see bit-identical gradients at identical parameters.

The LR for step k (0-based) is lr, or lr * drop_factor for k >= drop_step
(computed in double, as a Python float).  A momentum override (CyclicLR-like)
for step k is lo + (hi - lo) * (k % period) / period, set as group['momentum']
or group['betas'][0] before the step.

Deterministic: no randomness; torch runs single-threaded.
"""
import argparse
import json
import math
import os
import sys

import numpy as np
import torch

import optim_lr_free as lf  # sgd/adamw_schedule_free, d_adapt_adam/sgd, prodigy
import optim_framework as fw  # radam, rprop, asgd, lion, lamb, adafactor, ftrl

SCHEMA = "lrbench.optim_golden/1"
STEPS = 250
RECORD = sorted(set(list(range(1, 11)) + list(range(20, STEPS + 1, 10))))

torch.set_num_threads(1)


# ---------------------------------------------------------------------------
# Problems (core/problems/problems.cpp, same op order, dtype scalars)

PROBLEMS = {
    # name: (spec, x0, tensor_offsets)
    "quadratic5": ("quadratic:dim=5,cond=100", [0.5, -1.0, 2.0, 0.0, 1.5], [0, 2]),
    "quadratic4": ("quadratic:dim=4,cond=10", [0.0, 0.0, 0.0, 0.0], []),
    "rosenbrock": ("rosenbrock", [-1.5, 2.0], [0, 1]),
    **fw.PROBLEMS,
}


def quad_coeffs(dim, cond):
    if dim == 1:
        return [1.0]
    return [cond ** (i / (dim - 1)) for i in range(dim)]


def make_grad_fn(problem, dt):
    spec = PROBLEMS[problem][0]
    if spec.startswith("quadratic"):
        kv = dict(a.split("=") for a in spec.split(":")[1].split(","))
        dim, cond = int(kv["dim"]), float(kv["cond"])
        a = [dt(c) for c in quad_coeffs(dim, cond)]

        def grad(x):
            return np.array([a[i] * (x[i] - dt(1)) for i in range(dim)], dtype=dt)
        return grad

    def grad(x):
        u = dt(1) - x[0]
        w = x[1] - x[0] * x[0]
        g0 = dt(-2) * u - dt(400) * x[0] * w
        g1 = dt(200) * w
        return np.array([g0, g1], dtype=dt)
    return grad


def lr_for(case, k):
    lr = case["lr"]
    if "drop_step" in case and k >= case["drop_step"]:
        return lr * case["drop_factor"]
    return lr


def momentum_for(case, k):
    mo = case.get("momentum_override")
    if mo is None:
        return None
    return mo["lo"] + (mo["hi"] - mo["lo"]) * (k % mo["period"]) / mo["period"]


def segments(offsets, n):
    if not offsets:
        return [(0, n)]
    ends = list(offsets[1:]) + [n]
    return list(zip(offsets, ends))


# ---------------------------------------------------------------------------
# PyTorch reference

TORCH_CLASS = {
    "sgd": torch.optim.SGD, "rmsprop": torch.optim.RMSprop, "adagrad": torch.optim.Adagrad,
    "adam": torch.optim.Adam, "adamw": torch.optim.AdamW, "nadam": torch.optim.NAdam,
    "adamax": torch.optim.Adamax, "adadelta": torch.optim.Adadelta, "gd": torch.optim.SGD,
    **fw.torch_classes(torch),
}


def run_torch(name, args, case, problem, dt):
    tdt = torch.float64 if dt == np.float64 else torch.float32
    x0 = [dt(v) for v in PROBLEMS[problem][1]]
    n = len(x0)
    segs = segments(PROBLEMS[problem][2], n)
    params = [torch.tensor(np.array(x0[a:b], dtype=dt), dtype=tdt, requires_grad=True)
              for a, b in segs]
    kw = {k: v for k, v in args.items() if k not in ("clip_grad_norm", "clip_grad_value")}
    if "betas" in kw:
        kw["betas"] = tuple(kw["betas"])
    kw = fw.torch_kwargs(kw)
    kw["foreach"] = False
    opt = TORCH_CLASS[name](params, lr=case["lr"], **kw)
    grad = make_grad_fn(problem, dt)
    traj, state_traj = [], []
    state_key = fw.TORCH_STATE.get(name)
    for k in range(STEPS):
        x = np.concatenate([p.detach().numpy() for p in params]).astype(dt)
        g = grad(x)
        for p, (a, b) in zip(params, segs):
            p.grad = torch.tensor(g[a:b], dtype=tdt)
        if "clip_grad_norm" in args:
            torch.nn.utils.clip_grad_norm_(params, args["clip_grad_norm"])
        if "clip_grad_value" in args:
            torch.nn.utils.clip_grad_value_(params, args["clip_grad_value"])
        for group in opt.param_groups:
            group["lr"] = lr_for(case, k)
            m = momentum_for(case, k)
            if m is not None:
                if "betas" in group:
                    group["betas"] = (m, group["betas"][1])
                else:
                    group["momentum"] = m
        opt.step()
        if k + 1 in RECORD:
            traj.append([float(v) for v in
                         np.concatenate([p.detach().numpy() for p in params])])
            if state_key:
                state_traj.append([float(v) for v in np.concatenate(
                    [opt.state[p][state_key].numpy() for p in params])])
    return traj, ({state_key: state_traj} if state_key else {})


# ---------------------------------------------------------------------------
# Keras 3 reference (NumPy).  T(x) = dtype scalar.  Per-step order, as
# BaseOptimizer.apply: clip -> decoupled weight decay -> update_step.

KERAS_DEFAULTS = {
    "gd": dict(lr=0.01),
    "sgd": dict(lr=0.01, momentum=0.0, nesterov=False),
    "rmsprop": dict(lr=1e-3, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False),
    "adagrad": dict(lr=1e-3, initial_accumulator_value=0.1, epsilon=1e-7),
    "adam": dict(lr=1e-3, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False),
    "adamw": dict(lr=1e-3, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False,
                  weight_decay=0.004),
    "nadam": dict(lr=1e-3, beta_1=0.9, beta_2=0.999, epsilon=1e-7),
    "adamax": dict(lr=1e-3, beta_1=0.9, beta_2=0.999, epsilon=1e-7),
    "adadelta": dict(lr=1e-3, rho=0.95, epsilon=1e-7),
    **fw.KERAS_DEFAULTS,
}


def sumsq(v, dt):
    s = dt(0)
    for x in v:
        s = dt(s + x * x)
    return s


class KerasRef:
    def __init__(self, name, hp, n, dt, offsets):
        self.name, self.hp, self.dt, self.n = name, hp, dt, n
        self.segs = segments(offsets, n)
        z = lambda: np.zeros(n, dtype=dt)
        self.iterations = 0
        if name == "sgd" and hp["momentum"] != 0:
            self.m = z()
        if name == "rmsprop":
            self.v = z()
            if hp["momentum"] > 0:
                self.mom = z()
            if hp["centered"]:
                self.avg = z()
        if name == "adagrad":
            self.acc = np.full(n, dt(hp["initial_accumulator_value"]), dtype=dt)
        if name in ("adam", "adamw", "nadam", "adamax"):
            self.m, self.v = z(), z()
            if hp.get("amsgrad"):
                self.vhat = z()
        if name == "nadam":
            self.u_product = dt(1.0)
        if name == "adadelta":
            self.ag, self.ad = z(), z()

    def clip(self, g):
        T, hp = self.dt, self.hp
        if hp.get("clipnorm"):
            out = g.copy()
            c = T(hp["clipnorm"])
            for a, b in self.segs:
                l2sum = sumsq(g[a:b], T)
                l2norm = np.sqrt(l2sum) if l2sum > 0 else l2sum
                out[a:b] = (g[a:b] * c) / np.maximum(l2norm, c)
            return out
        if hp.get("global_clipnorm"):
            c = hp["global_clipnorm"]
            ss = T(0)
            for a, b in self.segs:
                ss = T(ss + sumsq(g[a:b], T))
            use_norm = np.sqrt(ss)
            scale = T(c) * np.minimum(T(1) / use_norm, T(1.0 / c))
            scale = scale + (use_norm - use_norm)
            return g * scale
        if hp.get("clipvalue"):
            v = hp["clipvalue"]
            return np.clip(g, T(-v), T(v))
        return g

    def step(self, p, g, lr, momentum):
        T, hp = self.dt, self.hp
        g = self.clip(g)
        lrT = T(lr)
        if hp.get("weight_decay"):
            p = p - p * T(hp["weight_decay"]) * lrT
        t = self.iterations + 1
        name = self.name
        if name == "gd" or (name == "sgd" and not hasattr(self, "m")):
            p = p - g * lrT
        elif name == "sgd":
            mu = T(hp["momentum"] if momentum is None else momentum)
            self.m = self.m * mu - g * lrT
            if hp["nesterov"]:
                p = p + (self.m * mu - g * lrT)
            else:
                p = p + self.m
        elif name == "rmsprop":
            rho = hp["rho"]
            mom = hp["momentum"] if momentum is None else momentum
            self.v = T(rho) * self.v + T(1 - rho) * (g * g)
            if hp["centered"]:
                self.avg = T(rho) * self.avg + T(1 - rho) * g
                den = self.v - self.avg * self.avg + T(hp["epsilon"])
            else:
                den = self.v + T(hp["epsilon"])
            inc = (lrT * g) / np.sqrt(den)
            if hp["momentum"] > 0:
                self.mom = T(mom) * self.mom + inc
                p = p - self.mom
            else:
                p = p - inc
        elif name == "adagrad":
            self.acc = self.acc + g * g
            p = p - (lrT * g) / np.sqrt(self.acc + T(hp["epsilon"]))
        elif name in ("adam", "adamw"):
            b1 = hp["beta_1"] if momentum is None else momentum
            b2 = hp["beta_2"]
            ls = T(t)
            b1p = np.power(T(b1), ls)
            b2p = np.power(T(b2), ls)
            alpha = lrT * np.sqrt(T(1) - b2p) / (T(1) - b1p)
            self.m = self.m + (g - self.m) * T(1 - b1)
            self.v = self.v + (g * g - self.v) * T(1 - b2)
            v = self.v
            if hp.get("amsgrad"):
                self.vhat = np.maximum(self.vhat, self.v)
                v = self.vhat
            p = p - (self.m * alpha) / (np.sqrt(v) + T(hp["epsilon"]))
        elif name == "nadam":
            b1 = hp["beta_1"] if momentum is None else momentum
            b1T, b2T = T(b1), T(hp["beta_2"])
            one, half, decay = T(1), T(0.5), T(0.96)
            # _backend_update_step, before update_step:
            self.u_product = (self.u_product * b1T) * (one - half * np.power(decay, T(t)))
            u_t = b1T * (one - half * np.power(decay, T(t)))
            u_t1 = b1T * (one - half * np.power(decay, T(t + 1)))
            U = self.u_product
            U1 = U * u_t1
            b2p = np.power(b2T, T(t))
            self.m = self.m + (g - self.m) * (one - b1T)
            self.v = self.v + (g * g - self.v) * (one - b2T)
            m_hat = (u_t1 * self.m) / (one - U1) + ((one - u_t) * g) / (one - U)
            v_hat = self.v / (one - b2p)
            p = p - (m_hat * lrT) / (np.sqrt(v_hat) + T(hp["epsilon"]))
        elif name == "adamax":
            b1 = hp["beta_1"] if momentum is None else momentum
            b1p = np.power(T(b1), T(t))
            self.m = self.m + (g - self.m) * T(1 - b1)
            self.v = np.maximum(T(hp["beta_2"]) * self.v, np.abs(g))
            p = p - (lrT * self.m) / ((T(1) - b1p) * (self.v + T(hp["epsilon"])))
        elif name == "adadelta":
            rho, eps = hp["rho"], T(hp["epsilon"])
            self.ag = T(rho) * self.ag + T(1 - rho) * (g * g)
            delta = -((np.sqrt(self.ad + eps) * g) / np.sqrt(self.ag + eps))
            self.ad = T(rho) * self.ad + T(1 - rho) * (delta * delta)
            p = p + lrT * delta
        elif name in fw.KERAS_NAMES:
            p = fw.keras_step(self, name, p, g, lrT, t, momentum)
        else:
            raise ValueError(name)
        self.iterations += 1
        return p.astype(T)


# ---------------------------------------------------------------------------
# Tutorial variants (NumPy, as printed), wrapped in either convention's
# optimizer-wide options (only Keras' weight decay / clipping are used here).

class TutorialRef:
    def __init__(self, name, hp, n, dt, offsets, conv):
        self.name, self.hp, self.dt = name, hp, dt
        self.keras = KerasRef("gd", hp, n, dt, offsets) if conv == "keras" else None
        self.a = np.zeros(n, dtype=dt)
        self.b = np.zeros(n, dtype=dt)

    def step(self, p, g, lr, momentum):
        T, hp = self.dt, self.hp
        lrT = T(lr)
        if self.keras is not None:
            g = self.keras.clip(g)
            if hp.get("weight_decay"):
                p = p - p * T(hp["weight_decay"]) * lrT
        if self.name == "gd":
            p = p - g * lrT
        elif self.name == "ema_momentum":
            b = hp["beta"] if momentum is None else momentum
            self.a = T(b) * self.a + T(1 - b) * g
            p = p - lrT * self.a
        elif self.name == "rmsprop_tutorial001":
            rho = hp["rho"]
            self.a = T(rho) * self.a + T(1 - rho) * (g * g)
            p = p - lrT / np.sqrt(self.a + T(hp["eps"]))
        elif self.name == "adam_tutorial000":
            b1 = hp["betas"][0] if momentum is None else momentum
            b2 = hp["betas"][1]
            self.a = T(b1) * self.a + T(1 - b1) * g
            self.b = T(b2) * self.b + T(1 - b2) * (g * g)
            p = p - (lrT * self.a) / (np.sqrt(self.b) + T(hp["eps"]))
        return p.astype(T)


TUTORIAL_DEFAULTS = {
    "ema_momentum": dict(beta=0.9),
    "rmsprop_tutorial001": dict(rho=0.9, eps=1e-7),
    "adam_tutorial000": dict(betas=[0.9, 0.999], eps=1e-7),
}

# spec key -> Keras constructor key
KERAS_KEY = {"eps": "epsilon", "alpha": "rho"}


def run_numpy(ref, case, problem, dt):
    x = np.array([dt(v) for v in PROBLEMS[problem][1]], dtype=dt)
    grad = make_grad_fn(problem, dt)
    traj = []
    for k in range(STEPS):
        g = grad(x)
        x = ref.step(x, g, lr_for(case, k), momentum_for(case, k))
        if k + 1 in RECORD:
            traj.append([float(v) for v in x])
    return traj


def keras_hp(name, args):
    hp = dict(KERAS_DEFAULTS[name])
    for k, v in args.items():
        if k == "betas":
            hp["beta_1"], hp["beta_2"] = v
        else:
            hp[KERAS_KEY.get(k, k)] = v
    return hp


# ---------------------------------------------------------------------------
# The case table.  Each entry: (optimizer, convention, label, spec args, lr per
# problem, extras).  Spec args use lrbench's canonical keys.

Q, R, Q4 = "quadratic5", "rosenbrock", "quadratic4"


def C(name, conv, label, args, lr_q, lr_r, problems=(Q, R), **extra):
    return dict(optimizer=name, convention=conv, label=label, args=args,
                lr={Q: lr_q, Q4: lr_q, fw.Q20: lr_q, R: lr_r}, problems=list(problems),
                extra=extra)


DROP = dict(drop_step=50, drop_factor=0.1)
MOMC = dict(momentum_override=dict(lo=0.8, hi=0.95, period=20))
MOMC_B1 = dict(momentum_override=dict(lo=0.85, hi=0.95, period=20))

CASES = [
    # gd ------------------------------------------------------------------
    C("gd", "pytorch", "default", {}, 0.01, 1e-3, (Q, R, Q4)),
    C("gd", "pytorch", "clip_grad_norm", {"clip_grad_norm": 1.0}, 0.01, 1e-3),
    C("gd", "pytorch", "clip_grad_value", {"clip_grad_value": 0.5}, 0.01, 1e-3),
    C("gd", "keras", "default", {}, 0.01, 1e-3, (Q, R, Q4)),
    C("gd", "keras", "weight_decay", {"weight_decay": 0.05}, 0.01, 1e-3),
    C("gd", "keras", "clipnorm", {"clipnorm": 1.0}, 0.01, 1e-3),
    C("gd", "keras", "clipvalue", {"clipvalue": 0.5}, 0.01, 1e-3),
    C("gd", "keras", "global_clipnorm", {"global_clipnorm": 1.0}, 0.01, 1e-3),
    # sgd -----------------------------------------------------------------
    C("sgd", "pytorch", "momentum", {"momentum": 0.9}, 0.002, 1e-4, (Q, R, Q4)),
    C("sgd", "pytorch", "nesterov", {"momentum": 0.9, "nesterov": True}, 0.002, 1e-4),
    C("sgd", "pytorch", "dampening", {"momentum": 0.9, "dampening": 0.5}, 0.002, 1e-4),
    C("sgd", "pytorch", "weight_decay", {"momentum": 0.9, "weight_decay": 0.05}, 0.002, 1e-4),
    C("sgd", "pytorch", "maximize", {"momentum": 0.5, "maximize": True}, 1e-4, 1e-5, (Q,)),
    C("sgd", "pytorch", "clip_grad_norm", {"momentum": 0.9, "clip_grad_norm": 1.0}, 0.002, 1e-3),
    C("sgd", "pytorch", "lr_drop", {"momentum": 0.9}, 0.002, 1e-4, **DROP),
    C("sgd", "pytorch", "momentum_override", {"momentum": 0.9}, 0.002, 1e-4, **MOMC),
    C("sgd", "keras", "momentum", {"momentum": 0.9}, 0.002, 1e-4, (Q, R, Q4)),
    C("sgd", "keras", "nesterov", {"momentum": 0.9, "nesterov": True}, 0.002, 1e-4),
    C("sgd", "keras", "weight_decay", {"momentum": 0.9, "weight_decay": 0.05}, 0.002, 1e-4),
    C("sgd", "keras", "clipnorm", {"momentum": 0.9, "clipnorm": 1.0}, 0.002, 1e-3),
    C("sgd", "keras", "lr_drop", {"momentum": 0.9}, 0.002, 1e-4, **DROP),
    C("sgd", "keras", "momentum_override", {"momentum": 0.9}, 0.002, 1e-4, **MOMC),
    # ema_momentum (tutorial 000) -------------------------------------------
    C("ema_momentum", "pytorch", "default", {}, 0.01, 1e-3, (Q, R, Q4)),
    C("ema_momentum", "pytorch", "lr_drop", {"beta": 0.8}, 0.01, 1e-3, **DROP),
    C("ema_momentum", "keras", "weight_decay", {"weight_decay": 0.05}, 0.01, 1e-3),
    # rmsprop ---------------------------------------------------------------
    C("rmsprop", "pytorch", "default", {}, 0.01, 1e-3, (Q, R, Q4)),
    C("rmsprop", "pytorch", "momentum", {"momentum": 0.9}, 0.001, 1e-4),
    C("rmsprop", "pytorch", "centered", {"centered": True}, 0.01, 1e-3),
    C("rmsprop", "pytorch", "centered_momentum", {"centered": True, "momentum": 0.5}, 0.005, 1e-3),
    C("rmsprop", "pytorch", "weight_decay", {"weight_decay": 0.05, "alpha": 0.9, "eps": 1e-6}, 0.01, 1e-3),
    C("rmsprop", "pytorch", "maximize", {"maximize": True}, 1e-3, 1e-4, (Q,)),
    C("rmsprop", "pytorch", "lr_drop", {"momentum": 0.9}, 0.001, 1e-4, **DROP),
    C("rmsprop", "keras", "default", {}, 0.01, 1e-3, (Q, R, Q4)),
    C("rmsprop", "keras", "momentum", {"momentum": 0.9}, 0.001, 1e-4),
    C("rmsprop", "keras", "centered", {"centered": True}, 0.01, 1e-3),
    C("rmsprop", "keras", "centered_momentum", {"centered": True, "momentum": 0.5}, 0.005, 1e-3),
    C("rmsprop", "keras", "weight_decay", {"weight_decay": 0.05}, 0.01, 1e-3),
    C("rmsprop", "keras", "lr_drop", {"momentum": 0.9}, 0.001, 1e-4, **DROP),
    # rmsprop_tutorial001 -----------------------------------------------------
    C("rmsprop_tutorial001", "pytorch", "default", {}, 1e-3, 1e-3),
    C("rmsprop_tutorial001", "keras", "clipvalue", {"clipvalue": 0.5}, 1e-3, 1e-3),
    # adagrad ---------------------------------------------------------------
    C("adagrad", "pytorch", "default", {}, 0.1, 0.05, (Q, R, Q4)),
    C("adagrad", "pytorch", "lr_decay", {"lr_decay": 0.01}, 0.1, 0.05),
    C("adagrad", "pytorch", "initial_accumulator_value", {"initial_accumulator_value": 0.1, "eps": 1e-6}, 0.1, 0.05),
    C("adagrad", "pytorch", "weight_decay", {"weight_decay": 0.05}, 0.1, 0.05),
    C("adagrad", "pytorch", "maximize", {"maximize": True}, 0.01, 1e-3, (Q,)),
    C("adagrad", "keras", "default", {}, 0.1, 0.05, (Q, R, Q4)),
    C("adagrad", "keras", "accumulator_0", {"initial_accumulator_value": 0.0, "eps": 1e-3}, 0.1, 0.05),
    C("adagrad", "keras", "global_clipnorm", {"global_clipnorm": 2.0}, 0.1, 0.05),
    # adam ------------------------------------------------------------------
    C("adam", "pytorch", "default", {}, 0.05, 0.01, (Q, R, Q4)),
    C("adam", "pytorch", "amsgrad", {"amsgrad": True}, 0.05, 0.01),
    C("adam", "pytorch", "weight_decay", {"weight_decay": 0.05}, 0.05, 0.01),
    C("adam", "pytorch", "maximize", {"maximize": True}, 0.01, 0.001, (Q,)),
    C("adam", "pytorch", "betas_eps", {"betas": [0.8, 0.95], "eps": 1e-6}, 0.05, 0.01),
    C("adam", "pytorch", "clip_grad_norm", {"clip_grad_norm": 0.5}, 0.05, 0.01),
    C("adam", "pytorch", "clip_grad_value", {"clip_grad_value": 0.5}, 0.05, 0.01),
    C("adam", "pytorch", "lr_drop", {}, 0.05, 0.01, **DROP),
    C("adam", "pytorch", "momentum_override", {}, 0.05, 0.01, **MOMC_B1),
    C("adam", "keras", "default", {}, 0.05, 0.01, (Q, R, Q4)),
    C("adam", "keras", "amsgrad", {"amsgrad": True}, 0.05, 0.01),
    C("adam", "keras", "weight_decay", {"weight_decay": 0.05}, 0.05, 0.01),
    C("adam", "keras", "betas_eps", {"betas": [0.8, 0.95], "eps": 1e-6}, 0.05, 0.01),
    C("adam", "keras", "clipnorm", {"clipnorm": 0.5}, 0.05, 0.01),
    C("adam", "keras", "global_clipnorm", {"global_clipnorm": 0.5}, 0.05, 0.01),
    C("adam", "keras", "clipvalue", {"clipvalue": 0.5}, 0.05, 0.01),
    C("adam", "keras", "lr_drop", {}, 0.05, 0.01, **DROP),
    C("adam", "keras", "momentum_override", {}, 0.05, 0.01, **MOMC_B1),
    # adamw -----------------------------------------------------------------
    C("adamw", "pytorch", "default", {}, 0.05, 0.01, (Q, R, Q4)),
    C("adamw", "pytorch", "amsgrad_wd", {"amsgrad": True, "weight_decay": 0.1}, 0.05, 0.01),
    C("adamw", "pytorch", "maximize", {"maximize": True}, 0.01, 0.001, (Q,)),
    C("adamw", "keras", "default", {}, 0.05, 0.01, (Q, R, Q4)),
    C("adamw", "keras", "amsgrad_wd", {"amsgrad": True, "weight_decay": 0.1}, 0.05, 0.01),
    # nadam -----------------------------------------------------------------
    C("nadam", "pytorch", "default", {}, 0.05, 0.01, (Q, R, Q4)),
    C("nadam", "pytorch", "weight_decay", {"weight_decay": 0.05}, 0.05, 0.01),
    C("nadam", "pytorch", "momentum_decay", {"momentum_decay": 0.05, "betas": [0.8, 0.99]}, 0.05, 0.01),
    C("nadam", "pytorch", "momentum_override", {}, 0.05, 0.01, **MOMC_B1),
    C("nadam", "keras", "default", {}, 0.05, 0.01, (Q, R, Q4)),
    C("nadam", "keras", "betas_eps", {"betas": [0.8, 0.99], "eps": 1e-5}, 0.05, 0.01),
    # adamax ----------------------------------------------------------------
    C("adamax", "pytorch", "default", {}, 0.05, 0.01, (Q, R, Q4)),
    C("adamax", "pytorch", "weight_decay", {"weight_decay": 0.05}, 0.05, 0.01),
    C("adamax", "pytorch", "maximize", {"maximize": True}, 0.01, 0.001, (Q,)),
    C("adamax", "keras", "default", {}, 0.05, 0.01, (Q, R, Q4)),
    C("adamax", "keras", "betas_eps", {"betas": [0.8, 0.99], "eps": 1e-3}, 0.05, 0.01),
    # adadelta --------------------------------------------------------------
    C("adadelta", "pytorch", "default", {}, 1.0, 1.0, (Q, R, Q4)),
    C("adadelta", "pytorch", "rho_eps", {"rho": 0.95, "eps": 1e-5}, 1.0, 1.0),
    C("adadelta", "pytorch", "weight_decay", {"weight_decay": 0.05}, 1.0, 1.0),
    C("adadelta", "pytorch", "maximize", {"maximize": True}, 0.1, 0.1, (Q,)),
    C("adadelta", "keras", "default", {}, 1.0, 1.0, (Q, R, Q4)),
    C("adadelta", "keras", "rho_eps", {"rho": 0.9, "eps": 1e-5}, 1.0, 1.0),
    # adam_tutorial000 --------------------------------------------------------
    C("adam_tutorial000", "pytorch", "default", {}, 0.05, 0.01, (Q, R, Q4)),
    C("adam_tutorial000", "keras", "global_clipnorm", {"global_clipnorm": 1.0}, 0.05, 0.01),
    # schedule-free and LR-free (optim_lr_free.py) ------------------------------
    *lf.cases(C, Q, R, Q4, DROP, MOMC_B1),
    # the frameworks' newer optimizers (optim_framework.py) --------------------
    *fw.cases(C, Q, R, Q4, DROP, MOMC_B1),
]

TUTORIAL = set(TUTORIAL_DEFAULTS)


def spec_text(case, lr):
    parts = ["lr=" + repr(lr)]
    for k, v in case["args"].items():
        if isinstance(v, bool):
            v = "true" if v else "false"
        elif isinstance(v, list):
            v = "[" + ",".join(repr(x) for x in v) + "]"
        else:
            v = repr(v)
        parts.append(f"{k}={v}")
    parts.append("convention=" + case["convention"])
    return case["optimizer"] + ":" + ",".join(parts)


def run_case(case, problem, dt):
    name, conv, args = case["optimizer"], case["convention"], case["args"]
    full = dict(lr=case["lr"][problem], **case["extra"])
    n = len(PROBLEMS[problem][1])
    offsets = PROBLEMS[problem][2]
    if name in lf.NAMES:
        return lf.run_case(case, problem, dt, PROBLEMS[problem][1], offsets,
                           make_grad_fn(problem, dt), lr_for, momentum_for, segments, STEPS,
                           RECORD)
    if name in TUTORIAL:
        hp = dict(TUTORIAL_DEFAULTS[name], **args)
        ref = TutorialRef(name, hp, n, dt, offsets, conv)
        return run_numpy(ref, full, problem, dt), "numpy: tutorial formula as printed", {}
    if conv == "pytorch":
        traj, state = run_torch(name, args, full, problem, dt)
        return (traj, f"torch.optim.{TORCH_CLASS[name].__name__} {torch.__version__} "
                      "(foreach=False)", state)
    ref = KerasRef(name, keras_hp(name, args), n, dt, offsets)
    ref.factor_dims = fw.FACTOR_DIMS.get(problem) if name == "adafactor" else None
    return run_numpy(ref, full, problem, dt), "numpy: Keras 3 formulas", {}


# ---------------------------------------------------------------------------
# Probe: the fused-op facts the C++ kernels rely on (optim.hpp, "Arithmetic").

def probe():
    from fractions import Fraction as F
    rng = np.random.default_rng(0)
    facts = {}
    for dt, tdt in ((np.float64, torch.float64), (np.float32, torch.float32)):
        def fma(a, b, c):
            return np.array([dt(float(F(float(x)) * F(float(y)) + F(float(z))))
                             for x, y, z in zip(a, b, c)], dtype=dt)
        ok = {"add_alpha_fma": True, "addcmul_fma": True, "addcdiv_plain": True}
        for n in (2, 3, 5, 17, 1000):
            a = rng.standard_normal(n).astype(dt)
            b = rng.standard_normal(n).astype(dt)
            d = (np.abs(rng.standard_normal(n)) + 0.5).astype(dt)
            cc = 0.1234567
            cT = dt(cc)
            t = torch.tensor(a).add_(torch.tensor(b), alpha=cc).numpy()
            ok["add_alpha_fma"] &= bool(np.all(t == fma(np.full(n, cT), b, a)))
            t = torch.tensor(a).addcmul_(torch.tensor(b), torch.tensor(d), value=cc).numpy()
            ok["addcmul_fma"] &= bool(np.all(t == fma(cT * b, d, a)))
            t = torch.tensor(a).addcdiv_(torch.tensor(b), torch.tensor(d), value=cc).numpy()
            ok["addcdiv_plain"] &= bool(np.all(t == a + (cT * b) / d))
        facts[np.dtype(dt).name] = ok
    return facts


def cpu_capability():
    for line in torch.__config__.show().splitlines():
        if "CPU capability usage" in line:
            return line.split(":", 1)[1].strip()
    return "unknown"


def write_golden(out_dir, name, doc):
    """OUT_DIR/NAME.json, compact, one trailing newline (the form the C++ tests read)."""
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, f"{name}.json")
    with open(path, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")
    print(f"{path}: {len(doc['cases'])} cases")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--out", default=os.path.join(here, "..", "..", "tests", "goldens", "optim"))
    ap.add_argument("--probe", action="store_true", help="only print the fused-op probe")
    a = ap.parse_args()
    facts = probe()
    if a.probe:
        print(json.dumps({"cpu_capability": cpu_capability(), "facts": facts}, indent=1))
        return 0
    if not all(all(v.values()) for v in facts.values()):
        print("gen_optim: this torch build does not fuse add_/addcmul_ as the C++ kernels "
              f"assume ({facts}); goldens would not match bit-for-bit", file=sys.stderr)
        return 1
    os.makedirs(a.out, exist_ok=True)
    by_opt = {}
    for case in CASES:
        for problem in case["problems"]:
            for dt in (np.float64, np.float32):
                lr = case["lr"][problem]
                traj, ref, state = run_case(case, problem, dt)
                flat = [v for row in traj for v in row]
                if not all(math.isfinite(v) for v in flat):
                    raise SystemExit(f"non-finite trajectory: {case['optimizer']} "
                                     f"{case['convention']} {case['label']} {problem}")
                rec = {
                    "id": f"{case['optimizer']}/{case['convention']}/{case['label']}/"
                          f"{problem}/{np.dtype(dt).name}",
                    "spec": spec_text(case, lr),
                    "reference": ref,
                    "problem": PROBLEMS[problem][0],
                    "x0": PROBLEMS[problem][1],
                    "tensor_offsets": PROBLEMS[problem][2],
                    "dtype": np.dtype(dt).name,
                    "steps": STEPS,
                    "lr": lr,
                }
                if case["optimizer"] == "adafactor" and problem in fw.FACTOR_DIMS:
                    rec["factor_dims"] = fw.FACTOR_DIMS[problem]
                for k, v in case["extra"].items():
                    rec[k] = v
                rec["params"] = traj
                rec.update(state)  # e.g. asgd's averaged "ax", schedule-free's "eval_params"
                by_opt.setdefault(case["optimizer"], []).append(rec)
    for name, cases in sorted(by_opt.items()):
        doc = {
            "schema": SCHEMA,
            "generator": "tools/goldens/gen_optim.py",
            "torch_version": torch.__version__,
            "numpy_version": np.__version__,
            "cpu_capability": cpu_capability(),
            "aten_fused_ops": facts,
            "optimizer": name,
            "record_steps": RECORD,
            "lr_rule": "lr_k = lr * drop_factor if k >= drop_step else lr (k = 0-based step)",
            "momentum_rule": "m_k = lo + (hi - lo) * (k % period) / period",
            "cases": cases,
        }
        write_golden(a.out, name, doc)
    return 0


if __name__ == "__main__":
    sys.exit(main())
