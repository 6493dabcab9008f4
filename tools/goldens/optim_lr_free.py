"""Schedule-free and learning-rate-free optimizers: independent NumPy references
and golden cases (imported by gen_optim.py; run alone with --official to
compare the references with the authors' own code).

    sgd_schedule_free, adamw_schedule_free
        Defazio, Yang, Mehta, Mishchenko, Khaled, Cutkosky, "The Road Less
        Scheduled", NeurIPS 2024 (arXiv 2405.15682): the recurrences of
        section 2 (eq. 1-3: y = (1-b) z + b x, z -= lr g(y), x = (1-c) x + c z)
        and Algorithm 1 (Schedule-Free AdamW).  Followed as the authors'
        package schedulefree 1.4.1 (github.com/facebookresearch/schedule_free,
        commit 70785b5) computes it in SGDScheduleFree / AdamWScheduleFree,
        the classes the package recommends (single-tensor path, foreach=False):
          * the parameters hold y; x is never stored: y is moved by
            y <- lerp(y, z, c) + lr (b (1 - c) - 1) g, and the evaluation
            point is x = lerp(y, z, 1 - 1/b) (the classes' eval());
          * the averaging weight is c = w_t / sum_{i<=t} w_i with
            w_t = t^r * lr_max^weight_lr_power, lr_max the running maximum of
            the warmed-up LR (Algorithm 1 line 10 is c = lr_t^2 / sum lr_i^2:
            the same while the LR does not decrease, r = 0, power 2);
          * AdamW: the LR is lr * min(1, t / warmup_steps) and the Adam bias
            correction divides v inside the root (sqrt(v / (1 - b2^t)) + eps)
            -- Algorithm 1 line 8 puts sqrt(1 - b2^t) into the LR instead
            (package <= 1.2, kept there as AdamWScheduleFreePaper): the same
            step with eps scaled by sqrt(1 - b2^t), but averaging weights
            that grow with the bias correction during the first ~1/(1-b2)
            steps.  Weight decay is added to the normalised gradient at y
            (Algorithm 1 line 9: z -= lr wd y).
          * not implemented: AdamWScheduleFree's inner_momentum (an addition
            of 2026, default 0, absent from the paper).
    d_adapt_adam, d_adapt_sgd
        Defazio & Mishchenko, "Learning-Rate-Free Learning by D-Adaptation",
        ICML 2023 (arXiv 2301.07733): Algorithm 1 (dual averaging with
        D-Adaptation) and the SGD and Adam variants of its section 6 / the
        appendix.  Followed as dadaptation 3.2 (github.com/facebookresearch/
        dadaptation, commit c984980) computes DAdaptAdam / DAdaptSGD -- the
        v3 algorithms that replaced the preprint's (kept there as
        experimental/dadapt_adam_preprint.py): Adam's s and numerator are
        EMAs with factor sqrt(b2), d_hat = numerator / ((1 - sqrt(b2)) |s|_1);
        SGD's d_hat = 2 numerator / |s|_2 with the step lr d / |g_0|.
        One parameter group (no layer_scale), no logging, no FSDP.
    prodigy
        Mishchenko & Defazio, "Prodigy: An Expeditiously Adaptive
        Parameter-Free Learner", ICML 2024 (arXiv 2306.06101), Algorithm 2
        (Prodigy, Adam version).  Followed as prodigyopt 1.1.2
        (github.com/konstmish/prodigy, commit 3efb213): the numerator is
        sum <g, x0 - x> weighted by (d / d0) d lr, d = max(d, d_hat) only
        while d == d0, then d = min(d_max, d * growth_rate), the eps term is
        d * eps with the new d.  slice_p = 1 only (slice_p > 1 approximates
        the statistics on every p-th element; not implemented).

Arithmetic (what "the authors' code computes" means in bits): scalars are
Python floats (double) and become the parameter dtype T once, element ops in
T in the order of the single-tensor code, with the two fusions PyTorch 1.13's
CPU kernels make (gen_optim.py --probe, and _probe() here):
    x.add_(y, alpha=a), x.sub_(y, alpha=a)  -> fma(+-a, y, x)
    x.addcmul_(y, z, value=a)               -> fma(a * y, z, x)
    x.lerp_(y, w), w < 0.5                  -> fma(w, y - x, x)
                   w >= 0.5                 -> fma(w - 1, y - x, y)   (w - 1 in T)
(1.13 tests w < 0.5, not |w| < 0.5 as 2.x does: the evaluation point's weight
1 - 1/b is negative, and below -0.5 for b < 2/3.)
    x.div(s), x.addcdiv_(...)               -> plain x / T(s), x + (a * y) / z
The global sums of D-Adaptation and Prodigy (the official code: torch.dot /
.sum() per tensor, an order PyTorch does not specify, added up in double) are
defined here as lrbench computes them, over the whole parameter vector: each
term rounded to T, accumulated in double over fixed 4096-element chunks
(8 interleaved lanes, ((l0+l1)+(l2+l3))+((l4+l5)+(l6+l7)); under 16
elements left to right), chunk partials added in order.  The scaling of a
sum (dlr * dot) multiplies the total once, as for a single tensor.

Deviations from the official code, beyond that summation order (also in
core/optim/lr_free_optimizers.hpp):
  * D-Adapt SGD: a first gradient of norm 0 makes the official code divide by
    zero (ZeroDivisionError); here that step is skipped (no update, k stays
    0).  A later step whose |s|_2 is 0 (every coordinate of s cancelling
    exactly) also divides by zero there; here d is then left unchanged.
  * D-Adapt Adam: once some step has had |s|_1 > 0, the official early
    return (|s|_1 == 0: no parameter update, k unchanged) would need every
    s_i to cancel to exactly 0 at once; lrbench's fused pass has updated the
    parameters by then.  Before that (while every s_i is 0) it is exact.

Golden cases record, besides the parameters (y for schedule-free), the
evaluation point x (`eval_params`) and the scalar state (`scalars`: the
official names) after each recorded step; `zero_grad_steps` lists 0-based
steps whose gradient is replaced by zeros (the early-return paths).
"""
from fractions import Fraction
import math

import numpy as np

NAMES = ("sgd_schedule_free", "adamw_schedule_free", "d_adapt_adam", "d_adapt_sgd", "prodigy")

REFERENCE = {
    "sgd_schedule_free": "numpy: Defazio et al. 2024 eq. 1-3 as schedulefree 1.4.1 SGDScheduleFree",
    "adamw_schedule_free": "numpy: Defazio et al. 2024 Algorithm 1 as schedulefree 1.4.1 "
                           "AdamWScheduleFree",
    "d_adapt_adam": "numpy: Defazio & Mishchenko 2023 as dadaptation 3.2 DAdaptAdam",
    "d_adapt_sgd": "numpy: Defazio & Mishchenko 2023 as dadaptation 3.2 DAdaptSGD",
    "prodigy": "numpy: Mishchenko & Defazio 2024 Algorithm 2 as prodigyopt 1.1.2 Prodigy",
}

# The authors' defaults (lrbench's presets; checked against the code above).
DEFAULTS = {
    "sgd_schedule_free": dict(lr=1.0, momentum=0.9, weight_decay=0.0, warmup_steps=0, r=0.0,
                              weight_lr_power=2.0),
    "adamw_schedule_free": dict(lr=0.0025, betas=[0.9, 0.999], eps=1e-8, weight_decay=0.0,
                                warmup_steps=0, r=0.0, weight_lr_power=2.0),
    "d_adapt_adam": dict(lr=1.0, betas=[0.9, 0.999], eps=1e-8, weight_decay=0.0, decouple=False,
                         use_bias_correction=False, d0=1e-6, growth_rate=math.inf),
    "d_adapt_sgd": dict(lr=1.0, momentum=0.0, weight_decay=0.0, d0=1e-6, growth_rate=math.inf),
    "prodigy": dict(lr=1.0, betas=[0.9, 0.999], beta3=None, eps=1e-8, weight_decay=0.0,
                    decouple=True, use_bias_correction=False, safeguard_warmup=False, d0=1e-6,
                    d_coef=1.0, growth_rate=math.inf),
}


# ---------------------------------------------------------------------------
# Element arithmetic in dtype T (PyTorch 1.13 CPU, see the module docstring)

def fma(a, b, c, T):
    """a*b + c with one rounding to T, elementwise (exact rationals)."""
    a, b, c = np.broadcast_arrays(np.asarray(a, dtype=T), np.asarray(b, dtype=T),
                                  np.asarray(c, dtype=T))
    out = np.empty(a.shape, dtype=T)
    for i in np.ndindex(a.shape):
        x, y, z = float(a[i]), float(b[i]), float(c[i])
        if not (math.isfinite(x) and math.isfinite(y) and math.isfinite(z)):
            out[i] = T(x * y + z)  # non-finite: no rounding question
        else:
            out[i] = T(float(Fraction(x) * Fraction(y) + Fraction(z)))
    return out


def lerp(a, b, w, T):
    """torch.lerp(a, b, w) for a Python-float weight (ATen 1.13's fused kernel)."""
    wT = T(w)
    if wT < 0.5:
        return fma(wT, b - a, a, T)
    return fma(wT - T(1), b - a, b, T)


KCHUNK, KSEQMAX = 4096, 16


def fixed_sum(terms):
    """Sum of T terms in double, in lrbench's fixed order (module docstring)."""
    vals = [float(v) for v in terms]
    total = 0.0
    for b in range(0, len(vals), KCHUNK):
        ch = vals[b:b + KCHUNK]
        if len(ch) < KSEQMAX:
            part = 0.0
            for v in ch:
                part = part + v
        else:
            lane = [0.0] * 8
            for i, v in enumerate(ch):
                lane[i % 8] = lane[i % 8] + v
            part = ((lane[0] + lane[1]) + (lane[2] + lane[3])) + \
                   ((lane[4] + lane[5]) + (lane[6] + lane[7]))
        total = total + part
    return total


# ---------------------------------------------------------------------------
# References.  step(p, g, lr) -> new p (g already clipped as PyTorch would);
# eval_point(p) -> the point to evaluate at; scalars() -> dict of floats.

class ScheduleFree:
    """SGDScheduleFree / AdamWScheduleFree (adam=True), params = y, slot z (+ v)."""

    def __init__(self, hp, n, T, adam):
        self.hp, self.T, self.adam = hp, T, adam
        self.beta = hp["betas"][0] if adam else hp["momentum"]
        self.z = None  # torch.clone(p) at the first step
        self.v = np.zeros(n, dtype=T)
        self.k, self.weight_sum, self.lr_max = 0, 0.0, -1.0

    def step(self, p, g, lr):
        T, hp, k = self.T, self.hp, self.k
        if self.z is None:
            self.z = p.copy()
        W = hp["warmup_steps"]
        sched = (k + 1) / W if k < W else 1.0
        lr = lr * sched
        self.lr_max = max(lr, self.lr_max)
        weight = ((k + 1) ** hp["r"]) * (self.lr_max ** hp["weight_lr_power"])
        self.weight_sum = self.weight_sum + weight
        ckp1 = weight / self.weight_sum if self.weight_sum != 0 else 0.0
        y, z = p, self.z
        wd = hp["weight_decay"]
        if self.adam:
            b2 = hp["betas"][1]
            bc2 = 1 - b2 ** (k + 1)
            self.v = fma(T(1 - b2) * g, g, self.v * T(b2), T)
            denom = np.sqrt(self.v / T(bc2)) + T(hp["eps"])
            g = g / denom                       # grad.div_(denom)
            if wd != 0:
                g = fma(T(wd), y, g, T)         # grad_normalized.add_(y, alpha=decay)
        elif wd != 0:
            g = fma(T(wd), y, g, T)             # grad.add_(y, alpha=weight_decay)
        y = lerp(y, z, ckp1, T)
        y = fma(T(lr * (self.beta * (1 - ckp1) - 1)), g, y, T)
        self.z = fma(T(-lr), g, z, T)           # z.sub_(grad, alpha=lr)
        self.k = k + 1
        return y

    def eval_point(self, p):
        if self.z is None:
            return p.copy()
        return lerp(p, self.z, 1 - 1 / self.beta, self.T)

    def scalars(self):
        return {"k": float(self.k), "weight_sum": self.weight_sum, "lr_max": self.lr_max}


class DAdaptAdam:
    def __init__(self, hp, n, T):
        self.hp, self.T = hp, T
        self.s, self.m, self.v = (np.zeros(n, dtype=T) for _ in range(3))
        self.d, self.k, self.numerator_weighted = hp["d0"], 0, 0.0

    def step(self, p, g, lr, b1=None):
        T, hp, k = self.T, self.hp, self.k
        b1, b2 = hp["betas"][0] if b1 is None else b1, hp["betas"][1]
        eps, wd, decouple = hp["eps"], hp["weight_decay"], hp["decouple"]
        if lr == 0:  # group_lr == 0: nothing accumulates, sk_l1 == 0 -> return
            return p
        bc = ((1 - b2 ** (k + 1)) ** 0.5) / (1 - b1 ** (k + 1)) if hp["use_bias_correction"] else 1
        d = self.d
        dlr = d * lr * bc
        sb = b2 ** 0.5
        if wd != 0 and not decouple:
            g = fma(T(wd), p, g, T)
        denom = np.sqrt(self.v) + T(eps)
        numerator_acum = 0.0 + (1.0 * dlr) * fixed_sum(g * (self.s / denom))
        self.m = fma(T(1.0 * dlr * (1 - b1)), g, self.m * T(b1), T)
        self.v = fma(T(1 - b2) * g, g, self.v * T(b2), T)
        self.s = fma(T(dlr * (1 - sb)), g, self.s * T(sb), T)
        sk_l1 = 0.0 + 1.0 * fixed_sum(np.abs(self.s))
        if sk_l1 == 0:
            return p
        gnw = sb * self.numerator_weighted + (1 - sb) * numerator_acum
        d_hat = gnw / ((1 - sb) * sk_l1)
        d = max(d, min(d_hat, d * hp["growth_rate"]))
        self.numerator_weighted, self.d = gnw, d
        denom = np.sqrt(self.v) + T(eps)
        if wd != 0 and decouple:
            p = fma(T(-wd * dlr), p, p, T)       # p.add_(p, alpha=-decay * dlr)
        p = p + (T(-1) * self.m) / denom         # addcdiv_(exp_avg, denom, value=-1)
        self.k = k + 1
        return p

    def eval_point(self, p):
        return p.copy()

    def scalars(self):
        return {"k": float(self.k), "d": self.d, "numerator_weighted": self.numerator_weighted}


class DAdaptSGD:
    def __init__(self, hp, n, T):
        self.hp, self.T = hp, T
        self.s = np.zeros(n, dtype=T)
        self.x0 = None
        self.d, self.k, self.numerator_weighted, self.g0_norm = hp["d0"], 0, 0.0, 0.0

    def step(self, p, g, lr):
        T, hp, k = self.T, self.hp, self.k
        wd, ck = hp["weight_decay"], 1 - hp["momentum"]
        if lr == 0:
            # group_lr == 0: nothing accumulates, sk_sq == 0 -> return (at k == 0
            # the official code divides by g0_norm = 0 first).
            return p
        if k == 0:
            self.g0_norm = math.sqrt(fixed_sum(g * g))  # weight decay not included
            if self.g0_norm == 0:  # official: ZeroDivisionError; lrbench: step skipped
                return p
        d = self.d
        dlr = d * lr / self.g0_norm
        if self.x0 is None:
            self.x0 = p.copy()
        if wd != 0:
            g = fma(T(wd), p, g, T)              # grad.add_(p, alpha=decay)
        delta = dlr * fixed_sum(g * self.s)
        self.s = fma(T(dlr), g, self.s, T)       # s.add_(grad, alpha=dlr)
        sk_sq = fixed_sum(self.s * self.s)
        nw = self.numerator_weighted + delta
        if sk_sq > 0:  # sk_sq == 0: official ZeroDivisionError; lrbench: d unchanged
            d_hat = 2 * nw / math.sqrt(sk_sq)
            d = max(d, min(d_hat, d * hp["growth_rate"]))
        self.numerator_weighted, self.d = nw, d
        z = self.x0 - self.s                     # z.copy_(x0 - s)
        p = fma(T(ck), z, p * T(1 - ck), T)     # p.mul_(1-ck).add_(z, alpha=ck)
        self.k = k + 1
        return p

    def eval_point(self, p):
        return p.copy()

    def scalars(self):
        return {"k": float(self.k), "d": self.d, "numerator_weighted": self.numerator_weighted,
                "g0_norm": self.g0_norm}


class Prodigy:
    def __init__(self, hp, n, T):
        self.hp, self.T = hp, T
        self.s, self.m, self.v = (np.zeros(n, dtype=T) for _ in range(3))
        self.p0 = None
        d0 = hp["d0"]
        self.d, self.d_max, self.d_numerator, self.k = d0, d0, 0.0, 0

    def step(self, p, g, lr, b1=None):
        T, hp, k = self.T, self.hp, self.k
        b1, b2 = hp["betas"][0] if b1 is None else b1, hp["betas"][1]
        b3 = hp["beta3"] if hp["beta3"] is not None else math.sqrt(b2)
        eps, wd, decouple, d0 = hp["eps"], hp["weight_decay"], hp["decouple"], hp["d0"]
        bc = ((1 - b2 ** (k + 1)) ** 0.5) / (1 - b1 ** (k + 1)) if hp["use_bias_correction"] else 1
        d, d_max = self.d, self.d_max
        dlr = d * lr * bc
        d_numerator = self.d_numerator * b3
        if self.p0 is None:
            self.p0 = p.copy()
        if wd != 0 and not decouple:
            g = fma(T(wd), p, g, T)
        if lr == 0:
            return p  # group_lr == 0: d_denom == 0 -> return
        delta_numerator = (d / d0) * dlr * fixed_sum(g * (self.p0 - p))
        if b1 > 0:
            self.m = fma(T(d * (1 - b1)), g, self.m * T(b1), T)
        self.v = fma(T(d * d * (1 - b2)) * g, g, self.v * T(b2), T)
        alpha = (d / d0) * d if hp["safeguard_warmup"] else (d / d0) * dlr
        self.s = fma(T(alpha), g, self.s * T(b3), T)
        d_denom = 0.0 + fixed_sum(np.abs(self.s))
        if d_denom == 0:
            return p
        gdn = d_numerator + delta_numerator
        d_hat = hp["d_coef"] * gdn / d_denom
        if d == d0:
            d = max(d, d_hat)
        d_max = max(d_max, d_hat)
        d = min(d_max, d * hp["growth_rate"])
        self.d_numerator, self.d, self.d_max = gdn, d, d_max
        denom = np.sqrt(self.v) + T(d * eps)
        if wd != 0 and decouple:
            p = fma(T(-wd * dlr), p, p, T)
        if b1 > 0:
            p = p + (T(-dlr) * self.m) / denom
        else:
            p = p + (T(-dlr * d) * g) / denom
        self.k = k + 1
        return p

    def eval_point(self, p):
        return p.copy()

    def scalars(self):
        return {"k": float(self.k), "d": self.d, "d_max": self.d_max,
                "d_numerator": self.d_numerator}


def make_ref(name, args, n, T):
    hp = dict(DEFAULTS[name])
    hp.update({k: v for k, v in args.items() if k not in ("clip_grad_norm", "clip_grad_value")})
    hp.pop("lr")
    if name == "sgd_schedule_free":
        return ScheduleFree(hp, n, T, adam=False)
    if name == "adamw_schedule_free":
        return ScheduleFree(hp, n, T, adam=True)
    if name == "d_adapt_adam":
        return DAdaptAdam(hp, n, T)
    if name == "d_adapt_sgd":
        return DAdaptSGD(hp, n, T)
    return Prodigy(hp, n, T)


# ---------------------------------------------------------------------------
# Running a case (called by gen_optim.run_case)

def torch_clip(g, args, segs, T):
    """torch.nn.utils.clip_grad_*_ on the gradient split into its tensors."""
    if "clip_grad_norm" not in args and "clip_grad_value" not in args:
        return g
    import torch
    tdt = torch.float64 if T == np.float64 else torch.float32
    ps = []
    for a, b in segs:
        p = torch.zeros(b - a, dtype=tdt, requires_grad=True)
        p.grad = torch.tensor(g[a:b], dtype=tdt)
        ps.append(p)
    if "clip_grad_norm" in args:
        torch.nn.utils.clip_grad_norm_(ps, args["clip_grad_norm"])
    else:
        torch.nn.utils.clip_grad_value_(ps, args["clip_grad_value"])
    return np.concatenate([p.grad.numpy() for p in ps]).astype(T)


def run_case(case, problem, T, x0, offsets, grad_fn, lr_for, momentum_for, segments, steps,
             record):
    """Returns (params trajectory, reference text, extra record fields)."""
    name, args = case["optimizer"], case["args"]
    n = len(x0)
    ref = make_ref(name, args, n, T)
    segs = segments(offsets, n)
    zero = set(case["extra"].get("zero_grad_steps", []))
    lr = case["lr"][problem]
    full = dict(lr=lr, **case["extra"])
    x = np.array([T(v) for v in x0], dtype=T)
    traj, evals, scal = [], [], {}
    for k in range(steps):
        g = np.zeros(n, dtype=T) if k in zero else grad_fn(x)
        g = torch_clip(g, args, segs, T)
        m = momentum_for(full, k)
        x = (ref.step(x, g, lr_for(full, k)) if m is None else
             ref.step(x, g, lr_for(full, k), m)).astype(T)
        if k + 1 in record:
            traj.append([float(v) for v in x])
            evals.append([float(v) for v in ref.eval_point(x)])
            for key, v in ref.scalars().items():
                scal.setdefault(key, []).append(v)
    extras = {"eval_params": evals, "scalars": scal}
    return traj, REFERENCE[name], extras


# The case table.  C is gen_optim.C: (optimizer, convention, label, args,
# lr on the quadratics, lr on Rosenbrock, problems, extras).

def cases(C, Q, R, Q4, DROP, MOMC_B1):
    P = "pytorch"
    zero2 = dict(zero_grad_steps=[0, 1])
    return [
        # sgd_schedule_free: lr 1 (the default) is far above 2/L on these problems.
        C("sgd_schedule_free", P, "default", {}, 0.01, 1e-3, (Q, R, Q4)),
        C("sgd_schedule_free", P, "warmup", {"warmup_steps": 20}, 0.01, 1e-3),
        C("sgd_schedule_free", P, "r_power0", {"r": 1.0, "weight_lr_power": 0.0}, 0.01, 1e-3),
        C("sgd_schedule_free", P, "weight_decay", {"weight_decay": 0.05}, 0.01, 1e-3),
        C("sgd_schedule_free", P, "momentum_half", {"momentum": 0.5}, 0.01, 1e-3),
        C("sgd_schedule_free", P, "lr_drop", {"warmup_steps": 10}, 0.01, 1e-3, **DROP),
        C("sgd_schedule_free", P, "clip_grad_norm", {"clip_grad_norm": 1.0}, 0.01, 1e-3),
        # adamw_schedule_free
        C("adamw_schedule_free", P, "default", {}, 0.05, 0.01, (Q, R, Q4)),
        C("adamw_schedule_free", P, "warmup_wd", {"warmup_steps": 20, "weight_decay": 0.05},
          0.05, 0.01),
        C("adamw_schedule_free", P, "r_power0", {"r": 2.0, "weight_lr_power": 0.0}, 0.05, 0.01),
        C("adamw_schedule_free", P, "betas_eps", {"betas": [0.5, 0.99], "eps": 1e-6}, 0.05, 0.01),
        C("adamw_schedule_free", P, "lr_drop", {}, 0.05, 0.01, **DROP),
        C("adamw_schedule_free", P, "clip_grad_value", {"clip_grad_value": 0.5}, 0.05, 0.01),
        # d_adapt_adam: lr 1, the default (the LR is a multiplier of the estimate d)
        C("d_adapt_adam", P, "default", {}, 1.0, 0.1, (Q, R, Q4)),
        C("d_adapt_adam", P, "bias_correction", {"use_bias_correction": True}, 1.0, 0.1),
        C("d_adapt_adam", P, "coupled_wd", {"weight_decay": 0.05}, 1.0, 0.1),
        C("d_adapt_adam", P, "decoupled_wd", {"weight_decay": 0.05, "decouple": True}, 1.0, 0.1),
        C("d_adapt_adam", P, "growth_d0", {"growth_rate": 1.02, "d0": 1e-4,
                                           "betas": [0.8, 0.99], "eps": 1e-6}, 1.0, 1.0),
        C("d_adapt_adam", P, "lr_drop", {}, 1.0, 0.1, **DROP),
        C("d_adapt_adam", P, "momentum_override", {}, 1.0, 0.1, **MOMC_B1),
        C("d_adapt_adam", P, "zero_first_grads", {"weight_decay": 0.05, "decouple": True},
          1.0, 1.0, (Q,), **zero2),
        C("d_adapt_adam", P, "clip_grad_norm", {"clip_grad_norm": 20.0}, 1.0, 0.1),
        # d_adapt_sgd
        C("d_adapt_sgd", P, "default", {}, 0.25, 0.1, (Q, R, Q4)),
        C("d_adapt_sgd", P, "momentum", {"momentum": 0.9}, 0.25, 0.1),
        C("d_adapt_sgd", P, "weight_decay", {"weight_decay": 0.05}, 0.25, 0.1),
        C("d_adapt_sgd", P, "growth_d0", {"growth_rate": 1.05, "d0": 1e-3}, 0.25, 0.1),
        C("d_adapt_sgd", P, "lr_drop", {"momentum": 0.5}, 0.25, 0.1, **DROP),
        C("d_adapt_sgd", P, "zero_first_grads", {"momentum": 0.9}, 0.25, 0.1, (Q,), **zero2),
        # prodigy
        C("prodigy", P, "default", {}, 1.0, 0.1, (Q, R, Q4)),
        C("prodigy", P, "beta1_zero", {"betas": [0.0, 0.999]}, 1.0, 0.1, (Q, Q4)),
        C("prodigy", P, "beta3_coef", {"beta3": 0.99, "d_coef": 0.5}, 1.0, 0.1),
        C("prodigy", P, "bias_correction", {"use_bias_correction": True}, 1.0, 0.1),
        C("prodigy", P, "safeguard_warmup", {"safeguard_warmup": True}, 1.0, 0.1, **DROP),
        C("prodigy", P, "coupled_wd", {"weight_decay": 0.05, "decouple": False}, 1.0, 0.1),
        C("prodigy", P, "decoupled_wd", {"weight_decay": 0.05}, 1.0, 0.1),
        C("prodigy", P, "growth_d0", {"growth_rate": 1.05, "d0": 1e-4, "eps": 1e-6}, 1.0, 0.1),
        C("prodigy", P, "zero_first_grads", {"weight_decay": 0.05}, 1.0, 0.1, (Q,), **zero2),
        C("prodigy", P, "clip_grad_value", {"clip_grad_value": 5.0}, 1.0, 0.1, (Q, Q4)),
        C("prodigy", P, "momentum_override", {}, 1.0, 0.1, **MOMC_B1),
    ]


# ---------------------------------------------------------------------------
# --official DIR: the same cases through the authors' code (schedulefree,
# dadaptation, prodigyopt importable from DIR's subdirectories), real
# PyTorch, foreach=False.  Prints the largest difference per optimizer.

def official_optimizer(name, params, lr, args):
    kw = {k: v for k, v in dict(DEFAULTS[name], **args).items()
          if k not in ("lr", "clip_grad_norm", "clip_grad_value")}
    if "betas" in kw:
        kw["betas"] = tuple(kw["betas"])
    if name == "sgd_schedule_free":
        from schedulefree import SGDScheduleFree
        opt = SGDScheduleFree(params, lr=lr, foreach=False, **kw)
        opt.train()
        return opt
    if name == "adamw_schedule_free":
        from schedulefree import AdamWScheduleFree
        opt = AdamWScheduleFree(params, lr=lr, foreach=False, **kw)
        opt.train()
        return opt
    if name == "d_adapt_adam":
        from dadaptation import DAdaptAdam
        return DAdaptAdam(params, lr=lr, **kw)
    if name == "d_adapt_sgd":
        from dadaptation import DAdaptSGD
        return DAdaptSGD(params, lr=lr, **kw)
    from prodigyopt import Prodigy as P
    return P(params, lr=lr, **kw)


def official_check(dirs):
    import contextlib
    import io
    import sys
    import torch
    import gen_optim as base
    for d in dirs:
        sys.path.insert(0, d)
    torch.set_num_threads(1)
    worst = {}
    for case in cases(base.C, base.Q, base.R, base.Q4, base.DROP, base.MOMC_B1):
        name, args = case["optimizer"], case["args"]
        for problem in case["problems"]:
            for T in (np.float64, np.float32):
                x0, offsets = base.PROBLEMS[problem][1], base.PROBLEMS[problem][2]
                traj, _, _ = run_case(case, problem, T, x0, offsets, base.make_grad_fn(problem, T),
                                      base.lr_for, base.momentum_for, base.segments, base.STEPS,
                                      base.RECORD)
                tdt = torch.float64 if T == np.float64 else torch.float32
                segs = base.segments(offsets, len(x0))
                params = [torch.tensor(np.array(x0[a:b], dtype=T), dtype=tdt, requires_grad=True)
                          for a, b in segs]
                full = dict(lr=case["lr"][problem], **case["extra"])
                with contextlib.redirect_stdout(io.StringIO()):
                    opt = official_optimizer(name, params, full["lr"], args)
                where = f"{case['label']}/{problem}"
                try:
                    err = run_official(opt, params, segs, base.make_grad_fn(problem, T), args,
                                       full, traj, base, T, tdt)
                except ZeroDivisionError as e:
                    print(f"{name} {where} {np.dtype(T).name}: the official code raises "
                          f"ZeroDivisionError ({e}); lrbench skips that step")
                    continue
                key = (name, np.dtype(T).name)
                if err >= worst.get(key, (-1,))[0]:
                    worst[key] = (err, where)
    for (name, dt), (err, where) in sorted(worst.items()):
        print(f"{name:22s} {dt:8s} max |official - reference| / max(1, |x|) = {err:.3g}  ({where})")


def run_official(opt, params, segs, grad, args, full, traj, base, T, tdt):
    """The official optimizer over the case's steps; the largest difference."""
    import torch
    zero = set(full.get("zero_grad_steps", []))
    n = sum(b - a for a, b in segs)
    err, r = 0.0, 0
    for k in range(base.STEPS):
        x = np.concatenate([p.detach().numpy() for p in params]).astype(T)
        g = np.zeros(n, dtype=T) if k in zero else grad(x)
        for p, (a, b) in zip(params, segs):
            p.grad = torch.tensor(g[a:b], dtype=tdt)
        if "clip_grad_norm" in args:
            torch.nn.utils.clip_grad_norm_(params, args["clip_grad_norm"])
        if "clip_grad_value" in args:
            torch.nn.utils.clip_grad_value_(params, args["clip_grad_value"])
        for group in opt.param_groups:
            group["lr"] = base.lr_for(full, k)
            m = base.momentum_for(full, k)
            if m is not None:
                group["betas"] = (m, group["betas"][1])
        opt.step()
        if k + 1 in base.RECORD:
            got = np.concatenate([p.detach().numpy() for p in params])
            want = np.array(traj[r])
            err = max(err, float(np.max(np.abs(got - want) / np.maximum(1, np.abs(want)))))
            r += 1
    return err


def _probe():
    """The torch ops the references emulate, on this machine's torch."""
    import torch
    rng = np.random.default_rng(1)
    ok = True
    for T, tdt in ((np.float64, torch.float64), (np.float32, torch.float32)):
        for n in (2, 3, 5, 17, 1000):
            a = rng.standard_normal(n).astype(T)
            b = rng.standard_normal(n).astype(T)
            for w in (0.1234567, 1 - 1 / 0.9, 0.7654321, 1 - 1 / 0.5, 0.5):
                got = torch.tensor(a).lerp_(torch.tensor(b), w).numpy()
                ok &= bool(np.all(got == lerp(a, b, w, T)))
            got = torch.tensor(a).div(0.987654321).numpy()
            ok &= bool(np.all(got == a / T(0.987654321)))
    return ok


if __name__ == "__main__":
    import argparse
    ap = argparse.ArgumentParser(description="compare the references with the authors' code")
    ap.add_argument("--official", nargs="+", metavar="DIR", required=True,
                    help="directories holding schedulefree/, dadaptation/, prodigyopt/")
    a = ap.parse_args()
    print("torch lerp/div probe:", "as emulated" if _probe() else "DIFFERENT")
    official_check(a.official)
