"""Warmup-stable-decay (wsd): an independent NumPy reference and golden cases
(imported by gen_schedules.py, which writes tests/goldens/schedules/wsd.json).

Written from the paper, not from lrbench's C++:
    Hagele, Bakouch, Kosson, Ben Allal, Von Werra, Jaggi, "Scaling Laws and
    Compute-Optimal Training Beyond Fixed Training Durations", NeurIPS 2024
    (arXiv:2405.18392), section 3, eq. 1 (constant LR with cooldown):

        eta(n) = n / N_warmup * eta_max         if n < N_warmup
               = eta_max                        if N_warmup < n <= N - N_decay
               = f(n, N, N_decay) * eta_max     if n > N - N_decay

    with the cooldown shapes of sec. 3.1 (fig. 4): linear
    f = 1 - (n - (N - N_decay)) / N_decay, the proposed (1 - sqrt)
    f = 1 - sqrt((n - (N - N_decay)) / N_decay), and cosine
    f = (1 + cos(pi (n - (N - N_decay)) / N_decay)) / 2.

Where eq. 1 leaves choices open we take them as the authors' released code
(github.com/epfml/schedules-and-scaling, src/optim/utils.py, wsd_schedule,
used as a PyTorch LambdaLR: n = completed steps): the cooldown starts AT
n = N - N_decay (factor 1 there), N_decay = int(fract_decay * N), a final
factor m (final_lr_factor: f -> m + (1 - m) f, and m from n = N on), and the
warmup from a start factor s (their 1/init_div_factor; eq. 1 is s = 0).

float32: lrbench evaluates its own schedules in double and rounds the LR to
the parameters' dtype (PyTorch's LambdaLR computes in Python floats), so the
float32 golden is the float64 value rounded to float32 -- compared exactly.
"""
import math

import numpy as np


def wsd(n, eta0, total_steps, warmup_steps=0, start_factor=0.0, decay_steps=None,
        decay_fraction=0.2, final_lr_factor=0.0, shape="linear"):
    """Eq. 1 at completed step n, in float64."""
    N = total_steps
    D = decay_steps if decay_steps is not None else int(decay_fraction * N)
    W = warmup_steps
    s, m = np.float64(start_factor), np.float64(final_lr_factor)
    if n < W:
        factor = s + (1 - s) * np.float64(n) / np.float64(W)
    elif n < N - D:
        factor = np.float64(1.0)
    elif n < N:
        p = np.float64(n - (N - D)) / np.float64(D)
        f = {"linear": lambda: 1 - p,
             "cosine": lambda: (1 + np.cos(np.float64(math.pi) * p)) / 2,
             "1-sqrt": lambda: 1 - np.sqrt(p)}[shape]()
        factor = m + (1 - m) * f
    else:
        factor = m
    return float(np.float64(eta0) * factor)


R = lambda a, b: list(range(a, b))  # noqa: E731

# (name, spec, base_lr, steps, keyword arguments of wsd())
CASES = [
    ("wsd_linear_warmup", "wsd:total_steps=100,warmup_steps=10,decay_steps=20", 0.1, R(0, 121),
     dict(total_steps=100, warmup_steps=10, decay_steps=20)),
    ("wsd_cosine_floor", "wsd:total_steps=100,decay_fraction=0.25,final_lr_factor=0.1,shape=cosine",
     0.01, R(0, 111), dict(total_steps=100, decay_fraction=0.25, final_lr_factor=0.1, shape="cosine")),
    ("wsd_1sqrt_defaults", "wsd:total_steps=50,warmup_steps=5,start_factor=0.01,shape=1-sqrt", 1.0,
     R(0, 61), dict(total_steps=50, warmup_steps=5, start_factor=0.01, shape="1-sqrt")),
    ("wsd_1sqrt_fraction_floor",
     "wsd:total_steps=37,warmup_steps=3,start_factor=0.5,decay_fraction=0.3,final_lr_factor=0.05,shape=1-sqrt",
     0.003, R(0, 45), dict(total_steps=37, warmup_steps=3, start_factor=0.5, decay_fraction=0.3,
                           final_lr_factor=0.05, shape="1-sqrt")),
    ("wsd_cooldown_only_cosine", "wsd:total_steps=10,decay_steps=10,shape=cosine", 0.5, R(0, 14),
     dict(total_steps=10, decay_steps=10, shape="cosine")),
    ("wsd_no_stable_phase", "wsd:total_steps=20,warmup_steps=12,decay_steps=8,shape=linear", 0.2,
     R(0, 22), dict(total_steps=20, warmup_steps=12, decay_steps=8)),
    ("wsd_long", "wsd:total_steps=100000,warmup_steps=1000,decay_steps=20000,final_lr_factor=0.01",
     6e-4, [0, 1, 500, 999, 1000, 1001, 50000, 79999, 80000, 80001, 90000, 99999, 100000, 100001, 1000000],
     dict(total_steps=100000, warmup_steps=1000, decay_steps=20000, final_lr_factor=0.01)),
]


def gen_wsd(header):
    cases = []
    for name, spec, base_lr, steps, kw in CASES:
        f64 = [wsd(n, base_lr, **kw) for n in steps]
        f32 = [float(np.float32(x)) for x in f64]
        cases.append({"name": name, "spec": spec, "base_lr": base_lr, "steps": steps,
                      "lr_f64": f64, "lr_f32": f32})
    return {**header, "source": "NumPy reference of Hagele et al. 2024, sec. 3 eq. 1 (tools/goldens/schedule_wsd.py)",
            "cases": cases}
