"""Golden cases and references for the frameworks' newer optimizers
(core/optim/framework_optimizers.hpp), imported by gen_optim.py, which runs
them with its problems, gradients, LR rules and file format.

  radam, rprop, asgd   the real torch.optim.RAdam / Rprop / ASGD of PyTorch
                       1.13 (foreach=False), like every convention=pytorch
                       case.  ASGD's average ax never reaches the parameters,
                       so its cases also record state['ax'].
  lion, lamb,          an independent NumPy implementation of Keras 3's
  adafactor, ftrl      keras/src/optimizers/{lion,lamb,adafactor,ftrl}.py,
                       with gen_optim.py's dtype rules (T(x) = dtype scalar;
                       hyperparameters Keras casts first combine in the
                       dtype; Keras' clipping and weight decay first).

Keras leaves the summation order of LAMB's norms and Adafactor's means to
the backend.  These references use lrbench's documented order
(framework_optimizers.hpp), written out here from that description, so
float64 and float32 agree to the bit: whole-tensor sums in chunks of 4096
from the tensor's start, 8 interleaved lanes per chunk, chunks added in
order, under 16 elements left to right; a factored Adafactor tensor's row
sums and RMS sums one row at a time (8 lanes over the row), rows added in
order; its column sums and mean of r left to right over the rows.  Powers:
n^0.5 is sqrt(n) (NumPy, XLA and ATen all rewrite power(x, 0.5) so), any
other power is the C library's pow/powf (called through ctypes, not NumPy,
whose scalar fast paths would hide which function ran).
"""
import ctypes

import numpy as np

# ---------------------------------------------------------------------------
# Problems: a 20-parameter quadratic in four tensors of rank 2, 1, 3 and 2,
# so that Adafactor factors matrices (2x3), a batched rank-3 tensor (2, 2, 2)
# and a one-row matrix (1x3), and leaves a vector unfactored; LAMB gets four
# trust ratios.  FACTOR_DIMS: per tensor (rows, cols) of its last two axes,
# (0, 0) for rank < 2 (core/optim FactorDims).

Q20 = "quadratic20"
PROBLEMS = {
    Q20: ("quadratic:dim=20,cond=100",
          [0.5, -1.0, 2.0, 0.0, 1.5, -0.5, 0.25, 3.0, -2.0, 1.0,
           0.75, -1.5, 2.5, 0.0, 0.125, -0.375, 1.25, 0.875, -0.75, 0.375],
          [0, 6, 9, 17]),
}
FACTOR_DIMS = {
    Q20: [[2, 3], [0, 0], [2, 2], [1, 3]],
    "quadratic5": [[1, 2], [0, 0]],  # a one-row matrix and a vector
}

TORCH_NAMES = ("radam", "rprop", "asgd")
KERAS_NAMES = ("lion", "lamb", "adafactor", "ftrl")

# State recorded besides the parameters (torch state key), per optimizer.
TORCH_STATE = {"asgd": "ax"}

KERAS_DEFAULTS = {
    "lion": dict(lr=1e-3, beta_1=0.9, beta_2=0.99),
    "lamb": dict(lr=1e-3, beta_1=0.9, beta_2=0.999, epsilon=1e-7),
    "adafactor": dict(lr=1e-3, beta_2_decay=-0.8, epsilon_1=1e-30, epsilon_2=1e-3,
                      clip_threshold=1.0, relative_step=True),
    "ftrl": dict(lr=1e-3, learning_rate_power=-0.5, initial_accumulator_value=0.1,
                 l1_regularization_strength=0.0, l2_regularization_strength=0.0,
                 l2_shrinkage_regularization_strength=0.0, beta=0.0),
}


def torch_classes(torch):
    return {"radam": torch.optim.RAdam, "rprop": torch.optim.Rprop, "asgd": torch.optim.ASGD}


def torch_kwargs(kw):
    """lrbench list values -> the tuples torch expects."""
    for k in ("etas", "step_sizes"):
        if k in kw:
            kw[k] = tuple(kw[k])
    return kw


# ---------------------------------------------------------------------------
# Fixed-order sums (the order stated in the module docstring).

CHUNK, SEQ_MAX = 4096, 16


def _lanes(vals, T):
    if len(vals) < SEQ_MAX:
        s = T(0)
        for x in vals:
            s = T(s + x)
        return s
    lane = [T(0)] * 8
    for i, x in enumerate(vals):
        lane[i % 8] = T(lane[i % 8] + x)
    return T(T(T(lane[0] + lane[1]) + T(lane[2] + lane[3])) +
             T(T(lane[4] + lane[5]) + T(lane[6] + lane[7])))


def ordered_sum(vals, T):
    total = T(0)
    for c0 in range(0, len(vals), CHUNK):
        total = T(total + _lanes(vals[c0:c0 + CHUNK], T))
    return total


def ordered_sumsq(v, T):
    return ordered_sum([T(x * x) for x in v], T)


def rms(v, T):
    return np.sqrt(T(ordered_sumsq(v, T) / T(len(v))))


def row_rms(v, C, T):
    """RMS of a factored tensor: each row of C lane-summed, rows added in order."""
    total = T(0)
    for r0 in range(0, len(v), C):
        total = T(total + _lanes([T(x * x) for x in v[r0:r0 + C]], T))
    return np.sqrt(T(total / T(len(v))))


_libm = ctypes.CDLL("libm.so.6")
_libm.powf.argtypes = (ctypes.c_float, ctypes.c_float)
_libm.powf.restype = ctypes.c_float
_libm.pow.argtypes = (ctypes.c_double, ctypes.c_double)
_libm.pow.restype = ctypes.c_double


def power(a, e, T):
    """Elementwise a^e in T (e a T scalar)."""
    if e == T(0.5):
        return np.sqrt(a)
    f = _libm.powf if T == np.float32 else _libm.pow
    return np.array([f(float(x), float(e)) for x in a], dtype=T)


# ---------------------------------------------------------------------------
# Keras 3 update steps.  ref: gen_optim.KerasRef (dtype, hp, segs, iterations,
# factor dims); p already clipped-for / weight-decayed by KerasRef.step.

def keras_step(ref, name, p, g, lrT, t, momentum):
    T, hp = ref.dt, ref.hp
    if not hasattr(ref, "fw_state"):
        ref.fw_state = init_state(ref, name)
    S = ref.fw_state
    if name == "lion":
        b1 = hp["beta_1"] if momentum is None else momentum
        b1T, b2T = T(b1), T(hp["beta_2"])
        c = S["m"] * b1T + g * (T(1) - b1T)
        p = p - lrT * np.sign(c)
        S["m"] = S["m"] * b2T + g * (T(1) - b2T)
        return p
    if name == "lamb":
        b1 = hp["beta_1"] if momentum is None else momentum
        b2 = hp["beta_2"]
        ls = T(t)
        b1p, b2p = np.power(T(b1), ls), np.power(T(b2), ls)
        S["m"] = S["m"] + (g - S["m"]) * T(1 - b1)
        S["v"] = S["v"] + (g * g - S["v"]) * T(1 - b2)
        u = (S["m"] / (T(1) - b1p)) / (np.sqrt(S["v"] / (T(1) - b2p)) + T(hp["epsilon"]))
        out = p.copy()
        for a, b in ref.segs:
            w = np.sqrt(ordered_sumsq(p[a:b], T))
            n = np.sqrt(ordered_sumsq(u[a:b], T))
            ratio = T(w / n) if (w > 0 and n > 0) else T(1)
            out[a:b] = p[a:b] - (ratio * lrT) * u[a:b]
        return out
    if name == "adafactor":
        one, ls = T(1), T(t)
        lr2 = np.minimum(lrT, one / np.sqrt(ls)) if hp["relative_step"] else lrT
        rho = np.minimum(lr2, one / np.sqrt(ls))
        bh = one - np.power(ls, T(hp["beta_2_decay"]))
        out = p.copy()
        for k, (a, b) in enumerate(ref.segs):
            x, gg = p[a:b], g[a:b]
            G = gg * gg + T(hp["epsilon_1"])
            R, C = ref.factor_dims[k] if ref.factor_dims else (0, 0)
            # RMS over the whole tensor; a factored one sums row by row.
            rms_ = (lambda a_: rms(a_, T)) if R == 0 else (lambda a_: row_rms(a_, C, T))
            alpha = np.maximum(T(hp["epsilon_2"]), rms_(x)) * rho
            if R == 0:
                S["v"][k] = bh * S["v"][k] + (one - bh) * G
                v = S["v"][k]
            else:
                B = (b - a) // (R * C)
                G3 = G.reshape(B, R, C)
                rowmean = np.array([[_lanes(list(G3[bb, i, :]), T) / T(C)
                                     for i in range(R)] for bb in range(B)], dtype=T)
                colsum = np.zeros((B, C), dtype=T)
                for i in range(R):  # left to right over the rows
                    colsum = colsum + G3[:, i, :]
                S["r"][k] = bh * S["r"][k] + (one - bh) * rowmean
                S["c"][k] = bh * S["c"][k] + (one - bh) * (colsum / T(R))
                rsum = np.zeros(B, dtype=T)
                for i in range(R):
                    rsum = rsum + S["r"][k][:, i]
                rmean = rsum / T(R)
                v = ((S["r"][k] / rmean[:, None])[:, :, None] * S["c"][k][:, None, :]).reshape(-1)
            u = gg / np.sqrt(v)
            den = np.maximum(one, rms_(u) / T(hp["clip_threshold"]))
            out[a:b] = x - alpha * (u / den)
        return out
    if name == "ftrl":
        e = T(-hp["learning_rate_power"])
        l2p = T(hp["l2_regularization_strength"]) + T(hp["beta"]) / (T(2) * lrT)
        gs = g + T(2 * hp["l2_shrinkage_regularization_strength"]) * p
        n = S["n"]
        nn = n + g * g
        pn = power(nn, e, T)
        S["z"] = S["z"] + (gs - ((pn - power(n, e, T)) / lrT) * p)
        q = pn / lrT + T(2) * l2p
        l1 = hp["l1_regularization_strength"]
        p = (np.clip(S["z"], T(-l1), T(l1)) - S["z"]) / q
        S["n"] = nn
        return p
    raise ValueError(name)


def init_state(ref, name):
    T, n = ref.dt, ref.n
    z = lambda m=n: np.zeros(m, dtype=T)
    if name == "lion":
        return {"m": z()}
    if name == "lamb":
        return {"m": z(), "v": z()}
    if name == "adafactor":
        S = {"v": {}, "r": {}, "c": {}}
        for k, (a, b) in enumerate(ref.segs):
            R, C = ref.factor_dims[k] if ref.factor_dims else (0, 0)
            if R == 0:
                S["v"][k] = z(b - a)
            else:
                B = (b - a) // (R * C)
                S["r"][k] = np.zeros((B, R), dtype=T)
                S["c"][k] = np.zeros((B, C), dtype=T)
        return S
    if name == "ftrl":
        return {"n": np.full(n, T(ref.hp["initial_accumulator_value"]), dtype=T), "z": z()}
    raise ValueError(name)


# ---------------------------------------------------------------------------
# Cases, with gen_optim.py's C(name, conv, label, args, lr_q, lr_r, problems, **extra).

def cases(C, Q, R, Q4, DROP, MOMC_B1):
    Q20_ = Q20
    T3 = dict(t0=5.0)
    return [
        # radam (PyTorch 1.13) ----------------------------------------------------
        C("radam", "pytorch", "default", {}, 0.05, 0.01, (Q, R, Q4, Q20_)),
        C("radam", "pytorch", "beta2_0.99", {"betas": [0.9, 0.99], "eps": 1e-6}, 0.05, 0.01),
        C("radam", "pytorch", "weight_decay", {"weight_decay": 0.05}, 0.05, 0.01),
        C("radam", "pytorch", "clip_grad_norm", {"clip_grad_norm": 0.5}, 0.05, 0.01),
        C("radam", "pytorch", "lr_drop", {}, 0.05, 0.01, **DROP),
        C("radam", "pytorch", "momentum_override", {}, 0.05, 0.01, **MOMC_B1),
        # rprop: sign flips happen on both problems; lr outside step_sizes is clamped
        # at step 1; an LR drop has no effect (delta is seeded once) ----------------
        C("rprop", "pytorch", "default", {}, 0.01, 1e-3, (Q, R, Q4, Q20_)),
        C("rprop", "pytorch", "etas_step_sizes",
          {"etas": [0.25, 1.5], "step_sizes": [1e-4, 0.02]}, 0.5, 0.5),
        C("rprop", "pytorch", "saturate_min", {"step_sizes": [0.002, 1.0]}, 1e-5, 1e-5),
        C("rprop", "pytorch", "maximize", {"maximize": True}, 0.01, 1e-3, (Q,)),
        C("rprop", "pytorch", "clip_grad_value", {"clip_grad_value": 0.5}, 0.01, 1e-3),
        C("rprop", "pytorch", "lr_drop", {}, 0.01, 1e-3, **DROP),
        # asgd: small t0 so the average starts (ax recorded); lambd, weight decay;
        # an LR drop acts one step late -------------------------------------------
        C("asgd", "pytorch", "default", {}, 0.01, 1e-3, (Q, R, Q4, Q20_)),
        C("asgd", "pytorch", "t0", dict(T3), 0.01, 1e-3, (Q, R, Q20_)),
        C("asgd", "pytorch", "lambd_alpha_wd",
          dict(T3, lambd=0.05, alpha=0.5, weight_decay=0.05), 0.01, 1e-3),
        C("asgd", "pytorch", "maximize", dict(T3, maximize=True), 1e-3, 1e-4, (Q,)),
        C("asgd", "pytorch", "lr_drop", dict(T3, lambd=0.01), 0.01, 1e-3, **DROP),
        # lion (Keras 3) ----------------------------------------------------------
        C("lion", "keras", "default", {}, 0.01, 1e-3, (Q, R, Q4, Q20_)),
        C("lion", "keras", "betas", {"betas": [0.5, 0.9]}, 0.01, 1e-3),
        C("lion", "keras", "weight_decay", {"weight_decay": 0.5}, 0.01, 1e-3),
        C("lion", "keras", "clipnorm", {"clipnorm": 0.5}, 0.01, 1e-3),
        C("lion", "keras", "lr_drop", {}, 0.01, 1e-3, **DROP),
        C("lion", "keras", "momentum_override", {}, 0.01, 1e-3, **MOMC_B1),
        # lamb: a zero start (ratio 1 at step 1), weight decay seen by the ratio -----
        C("lamb", "keras", "default", {}, 0.05, 0.01, (Q, R, Q4, Q20_)),
        C("lamb", "keras", "betas_eps", {"betas": [0.8, 0.95], "eps": 1e-3}, 0.05, 0.01),
        C("lamb", "keras", "weight_decay", {"weight_decay": 0.1}, 0.05, 0.01, (Q, R, Q20_)),
        C("lamb", "keras", "global_clipnorm", {"global_clipnorm": 1.0}, 0.05, 0.01),
        C("lamb", "keras", "momentum_override", {}, 0.05, 0.01, **MOMC_B1),
        # adafactor: factored (quadratic20 and quadratic5 carry factor dims), lr above
        # and below 1/sqrt(t), relative_step false (same result), clipping active ---
        C("adafactor", "keras", "default", {}, 0.05, 0.01, (Q, R, Q4, Q20_)),
        C("adafactor", "keras", "lr_above_cap", {}, 0.5, 0.5, (Q, Q20_)),
        C("adafactor", "keras", "relative_step_false", {"relative_step": False}, 0.5, 0.5,
          (Q, Q20_)),
        C("adafactor", "keras", "options",
          {"beta_2_decay": -0.5, "epsilon_1": 1e-20, "epsilon_2": 0.1,
           "clip_threshold": 0.5}, 0.05, 0.01, (Q, R, Q20_)),
        C("adafactor", "keras", "weight_decay", {"weight_decay": 0.1}, 0.05, 0.01, (Q, Q20_)),
        C("adafactor", "keras", "clipnorm", {"clipnorm": 0.5}, 0.05, 0.01, (Q, Q20_)),
        C("adafactor", "keras", "lr_drop", {}, 0.05, 0.01, (Q, Q20_), **DROP),
        # ftrl: |z| around l1, shrinkage, beta, power 0 and -0.75 ------------------
        C("ftrl", "keras", "default", {}, 0.5, 0.05, (Q, R, Q4, Q20_)),
        C("ftrl", "keras", "l1_l2", {"l1_regularization_strength": 0.05,
                                     "l2_regularization_strength": 0.1}, 0.5, 0.05),
        C("ftrl", "keras", "shrinkage_beta",
          {"l2_shrinkage_regularization_strength": 0.05, "beta": 0.5,
           "initial_accumulator_value": 0.0}, 0.5, 0.05),
        C("ftrl", "keras", "power_0", {"learning_rate_power": 0.0}, 0.01, 1e-3),
        C("ftrl", "keras", "power_0.75", {"learning_rate_power": -0.75}, 0.5, 0.05),
        C("ftrl", "keras", "weight_decay_clipvalue", {"weight_decay": 0.05, "clipvalue": 1.0},
          0.5, 0.05),
        C("ftrl", "keras", "lr_drop", {}, 0.5, 0.05, **DROP),
    ]
