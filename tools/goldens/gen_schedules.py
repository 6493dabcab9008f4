#!/usr/bin/python3
"""Golden LR sequences for lrbench's schedules (tests/goldens/schedules/).

Run with Debian's interpreter (it has python3-torch and numpy):

    /usr/bin/python3 tools/goldens/gen_schedules.py [--out tests/goldens/schedules]

Deterministic: no randomness, no timestamps; rerunning rewrites identical files.

Files written (each starts with a header: schema, generator, versions):
  pytorch.json   every torch.optim.lr_scheduler class driven for real: SGD with
                 momentum on a dummy parameter (so momentum cycling is recorded)
                 or Adam (OneCycleLR cycles betas[0]).  lr[t] / momentum[t] =
                 the param group's value after t scheduler.step() calls, i.e.
                 the LR of update t+1 (lrbench's lr_at(s, t)).  Also the errors
                 PyTorch 1.13 raises (OneCycleLR past total_steps, CyclicLR with
                 Adam, zero divisions) that lrbench turns into SpecErrors.
  plateau.json   ReduceLROnPlateau fed fixed metric sequences (lr after each
                 step(metric)), and a transcription of Keras 3's callback.
  keras.json     an independent NumPy implementation of Keras 3's schedule
                 formulas (keras/src/optimizers/schedules/learning_rate_schedule.py
                 op by op, written from its docs and source), in float64
                 and in float32 (Keras evaluates in the LR variable's dtype), plus
                 the legacy tf.keras `decay=` argument.
  lrbench.json   tutorial formulas and lrbench compositions, from plain Python.
  wsd.json       warmup-stable-decay from an independent NumPy reference of
                 Hagele et al. 2024, sec. 3 eq. 1 (schedule_wsd.py), float64
                 and float32.
"""
import argparse
import json
import math
import os
import sys
import warnings

import numpy as np
import torch
from torch.optim import lr_scheduler as S

from schedule_wsd import gen_wsd

SCHEMA = "lrbench.goldens.schedules/1"
GENERATOR = "tools/goldens/gen_schedules.py"
warnings.filterwarnings("ignore")


def header():
    return {
        "schema": SCHEMA,
        "generator": GENERATOR,
        "torch_version": torch.__version__,
        "numpy_version": np.__version__,
        "python_version": "%d.%d.%d" % sys.version_info[:3],
    }


# ----------------------------------------------------------------------------
# PyTorch
# ----------------------------------------------------------------------------
def make_opt(kind, lr):
    p = torch.zeros(2, requires_grad=True)
    p.grad = torch.ones(2)
    if kind == "sgd":
        return torch.optim.SGD([p], lr=lr, momentum=0.9)
    if kind == "adam":
        return torch.optim.Adam([p], lr=lr)
    raise ValueError(kind)


def momentum_of(opt):
    g = opt.param_groups[0]
    return g["betas"][0] if "betas" in g else g["momentum"]


def drive(build, opt_kind, base_lr, steps, record_momentum=False, per=1):
    """lr[t] for t = 0..steps-1; per > 1 steps the scheduler every `per` steps."""
    opt = make_opt(opt_kind, base_lr)
    sch = build(opt)
    lrs, moms = [], []
    for t in range(steps):
        lrs.append(opt.param_groups[0]["lr"])
        moms.append(momentum_of(opt))
        if t + 1 == steps:
            break
        opt.step()
        if (t + 1) % per == 0:
            sch.step()
    return lrs, (moms if record_momentum else None)


# (name, lrbench spec, torch construction, optimizer, base_lr, steps[, options])
# Steps run well past T_max / total_iters / restarts so boundary and
# periodicity bugs show.
PT = [
    ("constant", "constant", lambda o: S.LambdaLR(o, lambda e: 1.0), "sgd", 0.1, 8),
    ("constant_lr_default", "constant_lr", lambda o: S.ConstantLR(o), "sgd", 0.1, 12),
    ("constant_lr_half", "constant_lr:factor=0.5,total_iters=3",
     lambda o: S.ConstantLR(o, factor=0.5, total_iters=3), "sgd", 0.05, 10),
    ("linear_lr_default", "linear_lr", lambda o: S.LinearLR(o), "sgd", 0.1, 12),
    ("linear_lr_warm", "linear_lr:start_factor=0.1,end_factor=1.0,total_iters=10",
     lambda o: S.LinearLR(o, start_factor=0.1, end_factor=1.0, total_iters=10), "sgd", 0.3, 25),
    ("linear_lr_to_zero", "linear_lr:start_factor=1.0,end_factor=0.0,total_iters=7",
     lambda o: S.LinearLR(o, start_factor=1.0, end_factor=0.0, total_iters=7), "sgd", 0.1, 15),
    ("linear_lr_down", "linear_lr:start_factor=0.5,end_factor=0.25,total_iters=4",
     lambda o: S.LinearLR(o, start_factor=0.5, end_factor=0.25, total_iters=4), "sgd", 1.0, 10),
    ("step_lr", "step_lr:step_size=3,gamma=0.5",
     lambda o: S.StepLR(o, step_size=3, gamma=0.5), "sgd", 0.1, 25),
    ("step_lr_every", "step_lr:step_size=1,gamma=0.9",
     lambda o: S.StepLR(o, step_size=1, gamma=0.9), "sgd", 0.01, 60),
    ("multi_step_lr", "multi_step_lr:milestones=[3],gamma=0.1",
     lambda o: S.MultiStepLR(o, milestones=[3], gamma=0.1), "sgd", 1.0, 8),
    ("multi_step_lr_repeat", "multi_step_lr:milestones=[2,5,5,9],gamma=0.5",
     lambda o: S.MultiStepLR(o, milestones=[2, 5, 5, 9], gamma=0.5), "sgd", 0.1, 14),
    ("multi_step_lr_zero", "multi_step_lr:milestones=[0,4],gamma=0.3",
     lambda o: S.MultiStepLR(o, milestones=[0, 4], gamma=0.3), "sgd", 0.1, 8),
    ("exponential_lr", "exponential_lr:gamma=0.97",
     lambda o: S.ExponentialLR(o, gamma=0.97), "sgd", 0.1, 100),
    ("exponential_lr_half", "exponential_lr:gamma=0.5",
     lambda o: S.ExponentialLR(o, gamma=0.5), "sgd", 1.0, 60),
    ("exponential_lr_grow", "exponential_lr:gamma=1.05",
     lambda o: S.ExponentialLR(o, gamma=1.05), "sgd", 0.001, 50),
    ("multiplicative_lr", "multiplicative_lr:factor=0.95",
     lambda o: S.MultiplicativeLR(o, lambda e: 0.95), "sgd", 0.1, 40),
    ("polynomial_lr_default", "polynomial_lr", lambda o: S.PolynomialLR(o), "sgd", 0.1, 10),
    ("polynomial_lr_sq", "polynomial_lr:total_iters=10,power=2.0",
     lambda o: S.PolynomialLR(o, total_iters=10, power=2.0), "sgd", 0.5, 16),
    ("polynomial_lr_sqrt", "polynomial_lr:total_iters=8,power=0.5",
     lambda o: S.PolynomialLR(o, total_iters=8, power=0.5), "sgd", 0.1, 12),
    ("cosine_annealing_lr_4", "cosine_annealing_lr:T_max=4",
     lambda o: S.CosineAnnealingLR(o, T_max=4), "sgd", 1.0, 30),
    ("cosine_annealing_lr_eta_min", "cosine_annealing_lr:T_max=10,eta_min=0.01",
     lambda o: S.CosineAnnealingLR(o, T_max=10, eta_min=0.01), "sgd", 0.1, 65),
    ("cosine_annealing_lr_1", "cosine_annealing_lr:T_max=1",
     lambda o: S.CosineAnnealingLR(o, T_max=1), "sgd", 0.1, 9),
    ("cosine_annealing_lr_long", "cosine_annealing_lr:T_max=50,eta_min=0.001",
     lambda o: S.CosineAnnealingLR(o, T_max=50, eta_min=0.001), "sgd", 0.1, 260),
    ("warm_restarts", "cosine_annealing_warm_restarts:T_0=5",
     lambda o: S.CosineAnnealingWarmRestarts(o, T_0=5), "sgd", 0.1, 23),
    ("warm_restarts_mult", "cosine_annealing_warm_restarts:T_0=3,T_mult=2,eta_min=0.001",
     lambda o: S.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2, eta_min=0.001), "sgd", 0.1, 50),
    ("warm_restarts_mult3", "cosine_annealing_warm_restarts:T_0=2,T_mult=3",
     lambda o: S.CosineAnnealingWarmRestarts(o, T_0=2, T_mult=3), "sgd", 1.0, 60),
    ("cyclic_triangular", "cyclic_lr:base_lr=0.01,max_lr=0.1,step_size_up=4",
     lambda o: S.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=4), "sgd", 0.05, 30,
     {"momentum": True}),
    ("cyclic_default_base", "cyclic_lr:max_lr=0.1,step_size_up=4",
     lambda o: S.CyclicLR(o, base_lr=0.02, max_lr=0.1, step_size_up=4), "sgd", 0.02, 12,
     {"momentum": True}),
    ("cyclic_triangular2", "cyclic_lr:base_lr=0.001,max_lr=0.01,step_size_up=3,step_size_down=5,mode=triangular2",
     lambda o: S.CyclicLR(o, base_lr=0.001, max_lr=0.01, step_size_up=3, step_size_down=5,
                          mode="triangular2"), "sgd", 0.05, 40, {"momentum": True}),
    ("cyclic_exp_range", "cyclic_lr:base_lr=0.001,max_lr=0.01,step_size_up=5,mode=exp_range,gamma=0.99,base_momentum=0.7,max_momentum=0.95",
     lambda o: S.CyclicLR(o, base_lr=0.001, max_lr=0.01, step_size_up=5, mode="exp_range",
                          gamma=0.99, base_momentum=0.7, max_momentum=0.95), "sgd", 0.05, 45,
     {"momentum": True}),
    ("cyclic_sawtooth", "cyclic_lr:base_lr=0.01,max_lr=0.1,step_size_up=4,step_size_down=0,cycle_momentum=false",
     lambda o: S.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=4, step_size_down=0,
                          cycle_momentum=False), "sgd", 0.05, 14),
    ("one_cycle_cos", "one_cycle_lr:max_lr=0.1,total_steps=20",
     lambda o: S.OneCycleLR(o, max_lr=0.1, total_steps=20), "sgd", 0.05, 21,
     {"momentum": True, "raises_at": 21}),
    ("one_cycle_linear", "one_cycle_lr:max_lr=1.0,total_steps=25,pct_start=0.4,anneal_strategy=linear,div_factor=10,final_div_factor=100",
     lambda o: S.OneCycleLR(o, max_lr=1.0, total_steps=25, pct_start=0.4,
                            anneal_strategy="linear", div_factor=10., final_div_factor=100.),
     "sgd", 0.05, 26, {"momentum": True, "raises_at": 26}),
    ("one_cycle_three_phase", "one_cycle_lr:max_lr=0.1,total_steps=30,pct_start=0.25,three_phase=true",
     lambda o: S.OneCycleLR(o, max_lr=0.1, total_steps=30, pct_start=0.25, three_phase=True),
     "sgd", 0.05, 31, {"momentum": True, "raises_at": 31}),
    ("one_cycle_adam_beta1", "one_cycle_lr:max_lr=0.01,epochs=4,steps_per_epoch=5",
     lambda o: S.OneCycleLR(o, max_lr=0.01, epochs=4, steps_per_epoch=5), "adam", 0.001, 21,
     {"momentum": True, "raises_at": 21}),
    ("one_cycle_no_momentum", "one_cycle_lr:max_lr=0.1,total_steps=15,cycle_momentum=false",
     lambda o: S.OneCycleLR(o, max_lr=0.1, total_steps=15, cycle_momentum=False), "sgd", 0.05, 16,
     {"raises_at": 16}),
    # ---- composition ----
    ("sequential_example",
     "sequential_lr:schedulers=[linear_lr(start_factor=0.1,total_iters=10),exponential_lr(gamma=0.97)],milestones=[10]",
     lambda o: S.SequentialLR(o, [S.LinearLR(o, start_factor=0.1, total_iters=10),
                                  S.ExponentialLR(o, gamma=0.97)], milestones=[10]),
     "sgd", 0.1, 40),
    ("sequential_three",
     "sequential_lr:schedulers=[constant_lr(factor=0.5,total_iters=3),cosine_annealing_lr(T_max=8),step_lr(step_size=2,gamma=0.5)],milestones=[5,15]",
     lambda o: S.SequentialLR(o, [S.ConstantLR(o, factor=0.5, total_iters=3),
                                  S.CosineAnnealingLR(o, T_max=8),
                                  S.StepLR(o, step_size=2, gamma=0.5)], milestones=[5, 15]),
     "sgd", 0.1, 30),
    ("sequential_multiplicative",
     "sequential_lr:schedulers=[linear_lr(start_factor=0.2,end_factor=0.6,total_iters=4),multiplicative_lr(factor=0.9)],milestones=[6]",
     lambda o: S.SequentialLR(o, [S.LinearLR(o, start_factor=0.2, end_factor=0.6, total_iters=4),
                                  S.MultiplicativeLR(o, lambda e: 0.9)], milestones=[6]),
     "sgd", 0.1, 20),
    ("chained_constant_exp",
     "chained_scheduler:schedulers=[constant_lr(factor=0.1,total_iters=2),exponential_lr(gamma=0.9)]",
     lambda o: S.ChainedScheduler([S.ConstantLR(o, factor=0.1, total_iters=2),
                                   S.ExponentialLR(o, gamma=0.9)]), "sgd", 1.0, 20),
    ("chained_three",
     "chained_scheduler:schedulers=[linear_lr(start_factor=0.2,total_iters=5),step_lr(step_size=4,gamma=0.5),multi_step_lr(milestones=[6,9],gamma=0.8)]",
     lambda o: S.ChainedScheduler([S.LinearLR(o, start_factor=0.2, total_iters=5),
                                   S.StepLR(o, step_size=4, gamma=0.5),
                                   S.MultiStepLR(o, milestones=[6, 9], gamma=0.8)]),
     "sgd", 0.1, 20),
    # Past T_max the cosine's additive branch would drop a still-changing
    # factor; here the linear warmup has finished by then, so the chain stays
    # exact over two full cosine periods.
    ("chained_warmup_cosine",
     "chained_scheduler:schedulers=[linear_lr(start_factor=0.1,total_iters=4),cosine_annealing_lr(T_max=10)]",
     lambda o: S.ChainedScheduler([S.LinearLR(o, start_factor=0.1, total_iters=4),
                                   S.CosineAnnealingLR(o, T_max=10)]), "sgd", 0.1, 40),
    # Cosine restarts inside a chain: PyTorch's additive (2k+1)*T_max branch
    # with factors still changing before/after the cosine in the list.
    ("chained_exp_cosine",
     "chained_scheduler:schedulers=[exponential_lr(gamma=0.9),cosine_annealing_lr(T_max=4)]",
     lambda o: S.ChainedScheduler([S.ExponentialLR(o, gamma=0.9),
                                   S.CosineAnnealingLR(o, T_max=4)]), "sgd", 1.0, 30),
    ("chained_cosine_step_linear0",
     "chained_scheduler:schedulers=[cosine_annealing_lr(T_max=3),step_lr(step_size=2,gamma=0.5),linear_lr(start_factor=0.5,end_factor=0.0,total_iters=10)]",
     lambda o: S.ChainedScheduler([S.CosineAnnealingLR(o, T_max=3),
                                   S.StepLR(o, step_size=2, gamma=0.5),
                                   S.LinearLR(o, start_factor=0.5, end_factor=0.0,
                                              total_iters=10)]), "sgd", 0.1, 30),
    ("chained_poly_cosine1_exp",
     "chained_scheduler:schedulers=[polynomial_lr(total_iters=6,power=2.0),cosine_annealing_lr(T_max=1),exponential_lr(gamma=0.95)]",
     lambda o: S.ChainedScheduler([S.PolynomialLR(o, total_iters=6, power=2.0),
                                   S.CosineAnnealingLR(o, T_max=1),
                                   S.ExponentialLR(o, gamma=0.95)]), "sgd", 0.1, 20),
    ("chained_mult_cosine_const",
     "chained_scheduler:schedulers=[multi_step_lr(milestones=[5,13],gamma=0.5),cosine_annealing_lr(T_max=5),constant_lr(factor=0.5,total_iters=8)]",
     lambda o: S.ChainedScheduler([S.MultiStepLR(o, milestones=[5, 13], gamma=0.5),
                                   S.CosineAnnealingLR(o, T_max=5),
                                   S.ConstantLR(o, factor=0.5, total_iters=8)]), "sgd", 0.1, 40),
    ("warmup_cosine",
     "warmup:steps=10,mode=linear,start_factor=0.1,then=[cosine_annealing_lr(T_max=50)]",
     lambda o: S.SequentialLR(o, [S.LinearLR(o, start_factor=0.1, total_iters=10),
                                  S.CosineAnnealingLR(o, T_max=50)], milestones=[10]),
     "sgd", 0.1, 70),
    ("warmup_constant_step",
     "warmup:steps=5,mode=constant,start_factor=0.25,then=[step_lr(step_size=4,gamma=0.5)]",
     lambda o: S.SequentialLR(o, [S.ConstantLR(o, factor=0.25, total_iters=5),
                                  S.StepLR(o, step_size=4, gamma=0.5)], milestones=[5]),
     "sgd", 0.1, 20),
    ("warmup_noshift_exp",
     "warmup:steps=6,start_factor=0.1,shift=false,then=[exponential_lr(gamma=0.95)]",
     lambda o: S.ChainedScheduler([S.LinearLR(o, start_factor=0.1, total_iters=6),
                                   S.ExponentialLR(o, gamma=0.95)]), "sgd", 0.1, 20),
    ("per_epoch_step", "per_epoch:steps_per_epoch=3,then=[step_lr(step_size=2,gamma=0.5)]",
     lambda o: S.StepLR(o, step_size=2, gamma=0.5), "sgd", 0.1, 25, {"per": 3}),
]

# What PyTorch 1.13 raises (or divides by zero on) and lrbench rejects up front.
PT_ERRORS = [
    ("cyclic_adam", "cyclic_lr:max_lr=0.1,step_size_up=4", "adam",
     lambda o: S.CyclicLR(o, base_lr=0.001, max_lr=0.1, step_size_up=4), 0, "cycle_momentum"),
    ("linear_lr_start_zero", "linear_lr:start_factor=0.0,total_iters=4", "sgd",
     lambda o: S.LinearLR(o, start_factor=0.0, total_iters=4), 3, "start_factor"),
    ("constant_lr_factor_zero", "constant_lr:factor=0.0,total_iters=2", "sgd",
     lambda o: S.ConstantLR(o, factor=0.0, total_iters=2), 4, "factor"),
    ("one_cycle_phase1_empty", "one_cycle_lr:max_lr=0.1,total_steps=10,pct_start=0.1", "sgd",
     lambda o: S.OneCycleLR(o, max_lr=0.1, total_steps=10, pct_start=0.1), 3, "pct_start"),
    ("step_lr_size_zero", "step_lr:step_size=0", "sgd",
     lambda o: S.StepLR(o, step_size=0), 3, "step_size"),
    ("plateau_factor_one", "reduce_lr_on_plateau:factor=1.0", "sgd",
     lambda o: S.ReduceLROnPlateau(o, factor=1.0), 0, "factor"),
]


def torch_error(build, opt_kind, steps):
    try:
        opt = make_opt(opt_kind, 0.1)
        sch = build(opt)
        for _ in range(steps):
            opt.step()
            sch.step()
    except (ValueError, ZeroDivisionError) as e:
        return "%s: %s" % (type(e).__name__, e)
    return None


def gen_pytorch():
    cases = []
    for row in PT:
        name, spec, build, opt_kind, base_lr, steps = row[:6]
        o = row[6] if len(row) > 6 else {}
        lrs, moms = drive(build, opt_kind, base_lr, steps, o.get("momentum", False),
                          o.get("per", 1))
        case = {"name": name, "spec": spec, "optimizer": opt_kind, "base_lr": base_lr,
                "lr": lrs, "momentum": moms}
        if "raises_at" in o:
            # lr_at(raises_at) must throw: PyTorch raises on that scheduler.step().
            opt = make_opt(opt_kind, base_lr)
            sch = build(opt)
            err = None
            try:
                for _ in range(o["raises_at"]):
                    opt.step()
                    sch.step()
            except ValueError as e:
                err = str(e)
            assert err is not None, name
            case["raises_at"] = o["raises_at"]
            case["torch_error"] = err
        cases.append(case)
    errors = []
    for name, spec, opt_kind, build, steps, substr in PT_ERRORS:
        err = torch_error(build, opt_kind, steps)
        assert err is not None, name
        errors.append({"name": name, "spec": spec, "optimizer": opt_kind, "torch_error": err,
                       "expect": substr})
    return {**header(), "cases": cases, "errors": errors}


# ----------------------------------------------------------------------------
# ReduceLROnPlateau (PyTorch, real) and the Keras 3 callback (transcribed)
# ----------------------------------------------------------------------------
M_DECAY = [1.0, 0.9, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.79,
           0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7]
# improvements inside the relative threshold (1e-4) do not count
M_TINY = [1.0, 0.99995, 0.9999, 0.99989, 0.99985, 0.9998, 0.5, 0.49999, 0.49998, 0.49997,
          0.49996, 0.49995, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3]
M_FLAT = [2.0] * 40
M_UP = [0.1, 0.2, 0.3, 0.3, 0.3, 0.31, 0.3, 0.3, 0.3, 0.3, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5,
        0.5, 0.5, 0.5, 0.5]
M_NEG = [-1.0, -1.5, -1.5, -1.5, -1.6, -1.6, -1.6, -1.6, -2.0, -2.0, -2.0, -2.0, -2.0]
M_NAN = [1.0, float("nan"), 0.9, float("nan"), float("nan"), 0.9, 0.9, 0.9, 0.9]

PLATEAU = [
    ("default", "reduce_lr_on_plateau", {}, 0.1, M_DECAY),
    ("patience2", "reduce_lr_on_plateau:factor=0.5,patience=2", dict(factor=0.5, patience=2),
     0.1, M_DECAY),
    ("patience0", "reduce_lr_on_plateau:factor=0.5,patience=0", dict(factor=0.5, patience=0),
     0.1, M_FLAT[:10]),
    ("within_threshold", "reduce_lr_on_plateau:factor=0.5,patience=1",
     dict(factor=0.5, patience=1), 0.1, M_TINY),
    ("cooldown", "reduce_lr_on_plateau:factor=0.5,patience=1,cooldown=3",
     dict(factor=0.5, patience=1, cooldown=3), 0.1, M_FLAT),
    ("min_lr", "reduce_lr_on_plateau:factor=0.3,patience=1,min_lr=0.005",
     dict(factor=0.3, patience=1, min_lr=0.005), 0.1, M_FLAT),
    ("eps_blocks", "reduce_lr_on_plateau:factor=0.5,patience=0,eps=0.01",
     dict(factor=0.5, patience=0, eps=0.01), 0.1, M_FLAT[:12]),
    ("mode_max", "reduce_lr_on_plateau:mode=max,factor=0.5,patience=2",
     dict(mode="max", factor=0.5, patience=2), 0.1, M_UP),
    ("max_abs", "reduce_lr_on_plateau:mode=max,factor=0.5,patience=1,threshold=0.05,threshold_mode=abs",
     dict(mode="max", factor=0.5, patience=1, threshold=0.05, threshold_mode="abs"), 0.1, M_UP),
    ("min_abs", "reduce_lr_on_plateau:factor=0.1,patience=1,threshold=0.05,threshold_mode=abs",
     dict(factor=0.1, patience=1, threshold=0.05, threshold_mode="abs"), 1.0, M_DECAY),
    ("negative_rel", "reduce_lr_on_plateau:factor=0.5,patience=1,threshold=0.1",
     dict(factor=0.5, patience=1, threshold=0.1), 0.1, M_NEG),
    ("nan_metric", "reduce_lr_on_plateau:factor=0.5,patience=1",
     dict(factor=0.5, patience=1), 0.1, M_NAN),
]


def keras_plateau(metrics, lr, monitor="val_loss", factor=0.1, patience=10, mode="auto",
                  min_delta=1e-4, cooldown=0, min_lr=0.0):
    """keras/src/callbacks/reduce_lr_on_plateau.py, on_epoch_end, LR kept in float64."""
    if mode == "min" or (mode == "auto" and "acc" not in monitor):
        better = lambda a, b: np.less(a, b - min_delta)
        best = np.inf
    else:
        better = lambda a, b: np.greater(a, b + min_delta)
        best = -np.inf
    cooldown_counter, wait, out = 0, 0, []
    for current in metrics:
        if cooldown_counter > 0:
            cooldown_counter -= 1
            wait = 0
        if better(current, best):
            best = current
            wait = 0
        elif not cooldown_counter > 0:
            wait += 1
            if wait >= patience:
                if lr > np.float32(min_lr):
                    lr = max(lr * factor, min_lr)
                    cooldown_counter = cooldown
                    wait = 0
        out.append(float(lr))
    return out


KERAS_PLATEAU = [
    ("default", "keras_reduce_lr_on_plateau", {}, 0.1, M_DECAY),
    ("patience2", "keras_reduce_lr_on_plateau:factor=0.5,patience=2",
     dict(factor=0.5, patience=2), 0.1, M_DECAY),
    ("cooldown", "keras_reduce_lr_on_plateau:factor=0.5,patience=1,cooldown=3",
     dict(factor=0.5, patience=1, cooldown=3), 0.1, M_FLAT),
    ("min_lr", "keras_reduce_lr_on_plateau:factor=0.3,patience=1,min_lr=0.005",
     dict(factor=0.3, patience=1, min_lr=0.005), 0.1, M_FLAT),
    ("min_delta", "keras_reduce_lr_on_plateau:factor=0.5,patience=1,min_delta=0.05",
     dict(factor=0.5, patience=1, min_delta=0.05), 1.0, M_DECAY),
    ("auto_acc", "keras_reduce_lr_on_plateau:monitor=val_accuracy,factor=0.5,patience=2",
     dict(monitor="val_accuracy", factor=0.5, patience=2), 0.1, M_UP),
    ("max_delta", "keras_reduce_lr_on_plateau:mode=max,factor=0.5,patience=1,min_delta=0.05",
     dict(mode="max", factor=0.5, patience=1, min_delta=0.05), 0.1, M_UP),
    ("patience0", "keras_reduce_lr_on_plateau:factor=0.5,patience=0",
     dict(factor=0.5, patience=0), 0.1, M_FLAT[:10]),
]


def jnum(x):
    return None if isinstance(x, float) and math.isnan(x) else x


def gen_plateau():
    cases = []
    for name, spec, kw, base_lr, metrics in PLATEAU:
        opt = make_opt("sgd", base_lr)
        sch = S.ReduceLROnPlateau(opt, **kw)
        lrs = []
        for m in metrics:
            opt.step()
            sch.step(m)
            lrs.append(opt.param_groups[0]["lr"])
        cases.append({"name": "torch_" + name, "spec": spec, "base_lr": base_lr,
                      "metrics": [jnum(m) for m in metrics], "lr": lrs, "source": "torch"})
    for name, spec, kw, base_lr, metrics in KERAS_PLATEAU:
        cases.append({"name": "keras_" + name, "spec": spec, "base_lr": base_lr,
                      "metrics": [jnum(m) for m in metrics],
                      "lr": keras_plateau(metrics, base_lr, **kw), "source": "keras-transcribed"})
    return {**header(), "note": "metrics: null stands for NaN", "cases": cases}


# ----------------------------------------------------------------------------
# Keras 3 schedules, NumPy, op by op, in dtype F (np.float64 or np.float32)
# ----------------------------------------------------------------------------
def k_exponential_decay(F, k, lr0, decay_steps, decay_rate, staircase=False):
    p = F(k) / F(decay_steps)
    if staircase:
        p = np.floor(p)
    return F(lr0) * np.power(F(decay_rate), p)


def k_piecewise(F, k, boundaries, values):
    if k <= boundaries[0]:
        return F(values[0])
    if k > boundaries[-1]:
        return F(values[-1])
    for lo, hi, v in zip(boundaries[:-1], boundaries[1:], values[1:-1]):
        if lo < k <= hi:
            return F(v)


def k_polynomial_decay(F, k, lr0, decay_steps, end_learning_rate=1e-4, power=1.0, cycle=False):
    step, D = F(k), F(decay_steps)
    if cycle:
        mult = F(1.0) if step == 0 else np.ceil(step / F(decay_steps))
        D = D * mult
    else:
        step = np.minimum(step, D)
    p = step / D
    return (F(lr0) - F(end_learning_rate)) * np.power(F(1) - p, F(power)) + F(end_learning_rate)


def k_inverse_time_decay(F, k, lr0, decay_steps, decay_rate, staircase=False):
    p = F(k) / F(decay_steps)
    if staircase:
        p = np.floor(p)
    return F(lr0) / (F(1) + F(decay_rate) * p)


def k_cosine_decay(F, k, lr0, decay_steps, alpha=0.0, warmup_target=None, warmup_steps=0):
    def decay(step, D, frm):
        frac = step / D
        cd = F(0.5) * (F(1.0) + np.cos(F(math.pi) * frac))
        decayed = F(1 - alpha) * cd + F(alpha)
        return frm * decayed

    D, step = F(decay_steps), F(k)
    if warmup_target is None:
        return decay(np.minimum(step, D), D, F(lr0))
    wt, W = F(warmup_target), F(warmup_steps)
    step = np.minimum(step, D + W)
    if step < W:
        return (wt - F(lr0)) * (step / W) + F(lr0)
    return decay(step - W, D, wt)


def k_cosine_decay_restarts(F, k, lr0, first_decay_steps, t_mul=2.0, m_mul=1.0, alpha=0.0):
    D, a, tm, mm = F(first_decay_steps), F(alpha), F(t_mul), F(m_mul)
    frac = F(k) / D
    if tm == F(1.0):
        i = np.floor(frac)
        frac = frac - i
    else:
        i = np.floor(np.log(F(1.0) - frac * (F(1.0) - tm)) / np.log(tm))
        sum_r = (F(1.0) - np.power(tm, i)) / (F(1.0) - tm)
        frac = (frac - sum_r) / np.power(tm, i)
    m_fac = np.power(mm, i)
    cd = F(0.5) * m_fac * (F(1.0) + np.cos(F(math.pi) * frac))
    decayed = (F(1) - a) * cd + a
    return F(lr0) * decayed


def k_legacy(F, k, lr, decay):
    # tf.keras OptimizerV2._decayed_lr: lr_t / (1 + decay_t * local_step)
    return F(lr) / (F(1.0) + F(decay) * F(k))


R = list(range(0, 41))
KERAS = [
    ("exponential_decay", "exponential_decay:initial_learning_rate=0.1,decay_steps=10,decay_rate=0.5",
     0.01, R, lambda F, k: k_exponential_decay(F, k, 0.1, 10, 0.5)),
    ("exponential_decay_staircase",
     "exponential_decay:decay_steps=7,decay_rate=0.96,staircase=true",
     0.01, R, lambda F, k: k_exponential_decay(F, k, 0.01, 7, 0.96, True)),
    ("exponential_decay_long", "exponential_decay:initial_learning_rate=0.1,decay_steps=100000,decay_rate=0.96",
     0.01, [0, 1, 2, 1000, 99999, 100000, 100001, 250000, 1000000],
     lambda F, k: k_exponential_decay(F, k, 0.1, 100000, 0.96)),
    ("piecewise_constant_decay", "piecewise_constant_decay:boundaries=[10,20],values=[1.0,0.5,0.1]",
     0.01, list(range(0, 31)), lambda F, k: k_piecewise(F, k, [10, 20], [1.0, 0.5, 0.1])),
    ("piecewise_one_boundary", "piecewise_constant_decay:boundaries=[3],values=[0.1,0.01]",
     0.01, list(range(0, 8)), lambda F, k: k_piecewise(F, k, [3], [0.1, 0.01])),
    ("polynomial_decay", "polynomial_decay:initial_learning_rate=0.1,decay_steps=10",
     0.01, list(range(0, 20)), lambda F, k: k_polynomial_decay(F, k, 0.1, 10)),
    ("polynomial_decay_cycle",
     "polynomial_decay:initial_learning_rate=0.1,decay_steps=10,end_learning_rate=0.01,power=2.0,cycle=true",
     0.01, list(range(0, 36)), lambda F, k: k_polynomial_decay(F, k, 0.1, 10, 0.01, 2.0, True)),
    ("polynomial_decay_sqrt", "polynomial_decay:decay_steps=16,end_learning_rate=0.0,power=0.5",
     0.2, list(range(0, 20)), lambda F, k: k_polynomial_decay(F, k, 0.2, 16, 0.0, 0.5)),
    ("inverse_time_decay", "inverse_time_decay:initial_learning_rate=0.1,decay_steps=5,decay_rate=0.5",
     0.01, R, lambda F, k: k_inverse_time_decay(F, k, 0.1, 5, 0.5)),
    ("inverse_time_decay_staircase",
     "inverse_time_decay:initial_learning_rate=0.1,decay_steps=5,decay_rate=0.5,staircase=true",
     0.01, R, lambda F, k: k_inverse_time_decay(F, k, 0.1, 5, 0.5, True)),
    ("cosine_decay", "cosine_decay:initial_learning_rate=0.1,decay_steps=20",
     0.01, R, lambda F, k: k_cosine_decay(F, k, 0.1, 20)),
    ("cosine_decay_alpha", "cosine_decay:decay_steps=20,alpha=0.1",
     0.05, R, lambda F, k: k_cosine_decay(F, k, 0.05, 20, 0.1)),
    ("cosine_decay_warmup",
     "cosine_decay:initial_learning_rate=0.0,decay_steps=20,warmup_target=0.1,warmup_steps=5",
     0.01, R, lambda F, k: k_cosine_decay(F, k, 0.0, 20, 0.0, 0.1, 5)),
    ("cosine_decay_warmup_alpha",
     "cosine_decay:initial_learning_rate=0.01,decay_steps=15,alpha=0.2,warmup_target=0.1,warmup_steps=8",
     0.01, R, lambda F, k: k_cosine_decay(F, k, 0.01, 15, 0.2, 0.1, 8)),
    ("cosine_decay_restarts", "cosine_decay_restarts:initial_learning_rate=0.1,first_decay_steps=5",
     0.01, list(range(0, 80)), lambda F, k: k_cosine_decay_restarts(F, k, 0.1, 5)),
    ("cosine_decay_restarts_m",
     "cosine_decay_restarts:initial_learning_rate=0.1,first_decay_steps=4,t_mul=1.5,m_mul=0.5,alpha=0.1",
     0.01, list(range(0, 60)), lambda F, k: k_cosine_decay_restarts(F, k, 0.1, 4, 1.5, 0.5, 0.1)),
    ("cosine_decay_restarts_t1",
     "cosine_decay_restarts:initial_learning_rate=0.1,first_decay_steps=6,t_mul=1.0,m_mul=0.8",
     0.01, list(range(0, 40)), lambda F, k: k_cosine_decay_restarts(F, k, 0.1, 6, 1.0, 0.8)),
    # Tutorial 004's optimizers: SGD(0.01, decay=1e-6) and decay=1/100, per batch.
    ("keras_legacy_decay_1e-6", "keras_legacy_decay:decay=1e-6",
     0.01, [0, 1, 2, 10, 100, 1875, 18750, 187500],
     lambda F, k: k_legacy(F, k, 0.01, 1e-6)),
    ("keras_legacy_decay_0.01", "keras_legacy_decay:decay=0.01",
     0.01, list(range(0, 12)) + [100, 1000, 18750],
     lambda F, k: k_legacy(F, k, 0.01, 0.01)),
    ("keras_legacy_decay_then",
     "keras_legacy_decay:decay=0.1,then=[exponential_decay(initial_learning_rate=0.1,decay_steps=10,decay_rate=0.5)]",
     0.01, R,
     lambda F, k: F(k_exponential_decay(F, k, 0.1, 10, 0.5)) / (F(1.0) + F(0.1) * F(k))),
]


def gen_keras():
    cases = []
    for name, spec, base_lr, steps, fn in KERAS:
        f64 = [float(fn(np.float64, k)) for k in steps]
        f32 = [float(np.float32(fn(np.float32, k))) for k in steps]
        cases.append({"name": name, "spec": spec, "base_lr": base_lr, "steps": steps,
                      "lr_f64": f64, "lr_f32": f32})
    return {**header(), "source": "NumPy transcription of Keras 3 learning_rate_schedule.py",
            "cases": cases}


# ----------------------------------------------------------------------------
# Tutorial formulas and lrbench compositions: plain Python
# ----------------------------------------------------------------------------
def cos_decay_py(k, lr0, D, alpha=0.0):
    k = min(k, D)
    return lr0 * ((1 - alpha) * 0.5 * (1 + math.cos(math.pi * k / D)) + alpha)


LB = [
    ("tutorial003_linear", "tutorial003_linear:alpha=0.01", 0.1, list(range(0, 151)),
     lambda k: 0.1 * (1 - 0.01 * k)),
    ("tutorial003_custom", "tutorial003_custom", 0.1, list(range(0, 50)),
     lambda k: 0.1 / (1 + k)),
    # the tutorial's code: alpha_t computed once from `iterations`, before the loop
    ("tutorial003_hoisted_linear", "tutorial003_hoisted:fn=linear_decay,total=1000", 0.01,
     [0, 1, 500, 999], lambda k: 0.01 / (1 + 0.01 * 1000)),
    ("tutorial003_hoisted_exponential",
     "tutorial003_hoisted:fn=exponential_decay,gamma=0.99,total=1000", 0.01,
     [0, 1, 500, 999], lambda k: 0.99 ** 1000),
    ("tutorial003_hoisted_custom", "tutorial003_hoisted:fn=custom_decay,total=1000", 0.01,
     [0, 1, 500, 999], lambda k: 0.01 / (1 + 1000)),
    ("tutorial003_hoisted_inner", "tutorial003_hoisted:inner=[exponential_lr(gamma=0.99)],total=100",
     0.01, [0, 1, 50, 99], lambda k: 0.01 * 0.99 ** 100),
    ("tutorial004_exponential", "tutorial004_exponential:delta=1e-6", 0.01, [0, 1, 100, 10000],
     lambda k: 0.01 / math.sqrt(1 + 1e-6)),
    ("tutorial004_step", "tutorial004_step", 0.01, list(range(0, 101)),
     lambda k: 0.01 / (k + 1)),
    ("warmup_zero_cosine_decay",
     "warmup:steps=10,mode=linear,start_factor=0.0,then=[cosine_decay(decay_steps=100)]", 0.1,
     list(range(0, 120)),
     lambda k: (0.1 * (0.0 + 1.0 * k / 10) if k < 10 else cos_decay_py(k - 10, 0.1, 100))),
]


def gen_lrbench():
    cases = []
    for name, spec, base_lr, steps, fn in LB:
        cases.append({"name": name, "spec": spec, "base_lr": base_lr, "steps": steps,
                      "lr": [fn(k) for k in steps]})
    return {**header(), "source": "plain Python formulas", "cases": cases}


def write(path, obj):
    text = json.dumps(obj, indent=1, allow_nan=False) + "\n"
    with open(path + ".tmp", "w") as f:
        f.write(text)
    os.replace(path + ".tmp", path)
    print("wrote %s (%d cases)" % (path, len(obj["cases"])))


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join(here, "..", "..", "tests", "goldens", "schedules"))
    a = ap.parse_args()
    a.out = os.path.normpath(a.out)
    os.makedirs(a.out, exist_ok=True)
    torch.set_default_dtype(torch.float32)
    write(os.path.join(a.out, "pytorch.json"), gen_pytorch())
    write(os.path.join(a.out, "plateau.json"), gen_plateau())
    write(os.path.join(a.out, "keras.json"), gen_keras())
    write(os.path.join(a.out, "lrbench.json"), gen_lrbench())
    write(os.path.join(a.out, "wsd.json"), gen_wsd(header()))


if __name__ == "__main__":
    main()
