#!/usr/bin/env python3
"""Reference values for the verdict statistics (core/stats: power.hpp,
equivalence.hpp, multiplicity.hpp, verdict.hpp, sequential.hpp, bootstrap.hpp,
profiles.hpp), written to tests/stats/reference/verdict_statistics.json.

Run by `make goldens` (or directly: /usr/bin/python3
tests/stats/gen_verdict_references.py); the JSON is committed, so the C++
tests need no Python.  Each value comes from the established package where
one exists AND an independent computation; the script asserts they agree
before writing anything:

  * noncentral t: scipy.stats.nct (SciPy routes it to Boost) vs a 30-digit
    mpmath quadrature of F(x) = int_0^inf Phi(x w - delta) g_nu(w) dw,
    g_nu the density of sqrt(chi^2_nu / nu).  The stored values are mpmath's.
  * t power / nobs / MDE: statsmodels.stats.power TTestPower / TTestIndPower
    (and ttest_power with an explicit Welch df) vs the same formula evaluated
    with the mpmath noncentral t; roots refined with brentq to 1e-13.
  * Welch power: also a Monte Carlo of the real Welch test (scipy
    ttest_ind(equal_var=False)), stored to show the Satterthwaite
    approximation's error.
  * TOST power: the exact one-dimensional integral in mpmath, checked against
    a vectorized Monte Carlo of TOST (itself checked against statsmodels
    ttost_paired / ttost_ind on a subset of the simulated samples).
  * TOST tests: statsmodels ttost_paired / ttost_ind(usevar='unequal').
  * multiplicity: statsmodels multipletests (holm, fdr_bh, bonferroni).
  * group-sequential boundaries: for 2 and 3 looks solved here from the exit
    probabilities written as nested scipy quad integrals over the
    conditional normal laws of (Z_1, Z_2, Z_3) -- a different algorithm from
    the C++ grid recursion; for 5 looks the classical published table, whose
    exit probabilities are checked against the spending function with
    scipy's Genz multivariate-normal integration.
  * performance profiles / AlgoPerf: direct numpy code from the definitions
    (np.trapz on np.linspace(1, 4, 100) as the MLCommons scoring code does).
  * bootstrap: exhaustive enumeration of every resample of a small example;
    and a Python re-implementation of datasets/rng.hpp's SplitMix64 streams
    and Lemire's uniform_below to reproduce bootstrap_ci bit for bit.
"""
import itertools
import json
import math
import os
import sys

import mpmath as mp
import numpy as np
import scipy
import scipy.integrate as si
import scipy.optimize as so
import scipy.special as ss
import scipy.stats as st
import statsmodels
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.power import TTestIndPower, TTestPower, ttest_power
from statsmodels.stats.weightstats import ttost_ind, ttost_paired

mp.mp.dps = 30
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "reference", "verdict_statistics.json")
SM_ALT = {"two-sided": "two-sided", "greater": "larger", "less": "smaller"}


def check(ok, what):
    if not ok:
        sys.exit("reference check failed: " + what)


# ---- noncentral t in mpmath ---------------------------------------------------

def log_g(nu, w):
    nu = mp.mpf(nu)
    return (mp.log(2) + nu / 2 * mp.log(nu / 2) - mp.loggamma(nu / 2)
            + (nu - 1) * mp.log(w) - nu * w * w / 2)


def w_breaks(nu):
    nu = mp.mpf(nu)
    mode = mp.sqrt((nu - 1) / nu) if nu > 1 else mp.mpf(0)
    spread = 1 / mp.sqrt(2 * nu)
    pts = [mp.mpf(0)]
    for k in (-6, -3, -1, 0, 1, 3, 6, 12, 24):
        v = mode + k * spread
        if v > pts[-1]:
            pts.append(v)
    pts.append(mp.inf)
    return pts


def nct_cdf_mp(x, nu, delta):
    x, delta = mp.mpf(x), mp.mpf(delta)
    return mp.quad(lambda w: mp.ncdf(x * w - delta) * mp.exp(log_g(nu, w)) if w > 0 else 0,
                   w_breaks(nu))


def nct_sf_mp(x, nu, delta):
    x, delta = mp.mpf(x), mp.mpf(delta)
    return mp.quad(lambda w: mp.ncdf(delta - x * w) * mp.exp(log_g(nu, w)) if w > 0 else 0,
                   w_breaks(nu))


def t_sf_mp(t, nu):
    t, nu = mp.mpf(t), mp.mpf(nu)
    tail = mp.betainc(nu / 2, mp.mpf(1) / 2, 0, nu / (nu + t * t), regularized=True) / 2
    return tail if t > 0 else 1 - tail


def t_isf_mp(q, nu):
    x0 = st.t.isf(float(q), float(nu))
    return mp.findroot(lambda t: t_sf_mp(t, nu) - q, mp.mpf(x0))


def power_mp(delta, df, alpha, sides):
    if sides == "two-sided":
        c = t_isf_mp(mp.mpf(alpha) / 2, df)
        return nct_sf_mp(c, df, delta) + nct_cdf_mp(-c, df, delta)
    c = t_isf_mp(mp.mpf(alpha), df)
    return nct_sf_mp(c, df, delta) if sides == "greater" else nct_cdf_mp(-c, df, delta)


def power_fast(delta, df, alpha, sides):
    """The same power with the critical value from mpmath and the noncentral
    t from scipy (Boost, ~1e-15): statsmodels' ttest_power takes its
    critical value from CDFLIB's stdtrit, good to only ~1e-9 relative, which
    moves power by up to ~1e-9 -- too coarse to pin roots to 1e-9."""
    if sides == "two-sided":
        c = float(t_isf_mp(mp.mpf(alpha) / 2, df))
        return st.nct.sf(c, df, delta) + st.nct.cdf(-c, df, delta)
    c = float(t_isf_mp(mp.mpf(alpha), df))
    return st.nct.sf(c, df, delta) if sides == "greater" else st.nct.cdf(-c, df, delta)


def tost_power_mp(mu, lower, upper, se, df, alpha):
    mu, lower, upper, se = map(mp.mpf, (mu, lower, upper, se))
    c = t_isf_mp(mp.mpf(alpha), df)
    a, b = (upper - mu) / se, (lower - mu) / se
    w_star = (upper - lower) / (2 * c * se)
    pts = [p for p in w_breaks(df) if p < w_star] + [w_star]
    f = lambda w: ((mp.ncdf(a - c * w) - mp.ncdf(b + c * w)) * mp.exp(log_g(df, w))) if w > 0 else 0
    return mp.quad(f, pts)


def welch_df(sx, sy, nx, ny):
    a, b = sx * sx / nx, sy * sy / ny
    return (a + b) ** 2 / (a * a / (nx - 1) + b * b / (ny - 1))


# ---- sections -------------------------------------------------------------------

def noncentral_t():
    cases = [(2.0, 9, 1.0), (-1.0, 4, 0.5), (3.0, 29, 2.5), (2.262157, 9, 1.581139)]
    for df in (1, 2.5, 4, 9, 29, 100):
        for delta in (-3.0, 0.5, 2.5, 8.0):
            for x in (-2.0, 0.0, 3.0, 10.0):
                cases.append((x, df, delta))
    out = []
    for x, df, delta in cases:
        cdf, sf = nct_cdf_mp(x, df, delta), nct_sf_mp(x, df, delta)
        check(abs(cdf + sf - 1) < mp.mpf(10) ** -25, f"nct cdf + sf at {x, df, delta}")
        sc, ss_ = st.nct.cdf(x, df, delta), st.nct.sf(x, df, delta)
        check(abs(sc - float(cdf)) < 1e-9 and abs(ss_ - float(sf)) < 1e-9,
              f"scipy nct vs mpmath at {x, df, delta}: {sc} {float(cdf)}")
        out.append({"x": x, "df": df, "delta": delta, "cdf": float(cdf), "sf": float(sf)})
    quantiles = []
    for p, df, delta in [(0.5, 9, 1.0), (0.05, 9, 2.0), (0.8, 4, -1.0), (0.999, 29, 3.0),
                         (1e-6, 10, 0.0), (0.3, 1.5, 2.0)]:
        q = st.nct.ppf(p, df, delta)
        qm = mp.findroot(lambda v: nct_cdf_mp(v, df, delta) - p, mp.mpf(q))
        check(abs(q - float(qm)) < 1e-8 * max(1, abs(q)), f"nct ppf {p, df, delta}")
        quantiles.append({"p": p, "df": df, "delta": delta, "x": float(qm)})
    t_isf = []
    for q, df in [(0.025, 4), (0.025, 9), (0.05, 29), (0.2, 19), (1e-8, 4), (4.01e-8, 4),
                  (1e-12, 2.5), (0.3, 7.5), (1e-5, 100)]:
        t = t_isf_mp(q, df)
        # SciPy's t.isf is CDFLIB's stdtrit, good to ~1e-9 relative in the far
        # tail (92.98449202 vs 92.98449193 at q = 4.01e-8, df = 4); the
        # stored value is mpmath's root of the 30-digit tail probability.
        check(abs(st.t.isf(q, df) - float(t)) < 1e-8 * float(t), f"t isf {q, df}")
        check(abs(t_sf_mp(t, df) / q - 1) < mp.mpf(10) ** -20, f"t isf root {q, df}")
        t_isf.append({"q": q, "df": df, "t": float(t)})
    return out, quantiles, t_isf


def paired_power():
    out = []
    tp = TTestPower()
    for d, n, alpha, sides in itertools.product((0.2, 0.5, 1.2, -0.5), (3, 5, 10, 30),
                                                (0.05, 0.005), ("two-sided", "greater", "less")):
        pw = tp.power(effect_size=d, nobs=n, alpha=alpha, alternative=SM_ALT[sides])
        pm = power_mp(d * math.sqrt(n), n - 1, alpha, sides)
        # statsmodels is limited by CDFLIB's t quantile (see power_fast).
        check(abs(pw - float(pm)) < 1e-8, f"paired power {d, n, alpha, sides}: {pw} {float(pm)}")
        check(abs(power_fast(d * math.sqrt(n), n - 1, alpha, sides) - float(pm)) < 1e-13,
              f"power_fast {d, n, alpha, sides}")
        # sd = 2: the C++ takes the effect in metric units, 2 d with sd 2.
        out.append({"effect": 2 * d, "sd": 2.0, "n": n, "alpha": alpha, "sides": sides,
                    "power": float(pm)})
    # Fractional n (statsmodels accepts it; df = n - 1).
    pw = power_fast(0.7 * math.sqrt(12.5), 11.5, 0.05, "two-sided")
    check(abs(pw - tp.power(effect_size=0.7, nobs=12.5, alpha=0.05)) < 1e-8, "fractional n")
    out.append({"effect": 0.7, "sd": 1.0, "n": 12.5, "alpha": 0.05, "sides": "two-sided",
                "power": float(pw)})

    nobs = []
    for d, alpha, sides, target in [(0.5, 0.05, "two-sided", 0.8), (0.8, 0.05, "two-sided", 0.8),
                                    (1.0, 0.05, "two-sided", 0.8), (1.5, 0.05, "two-sided", 0.8),
                                    (0.5, 0.05, "greater", 0.8), (-0.6, 0.01, "less", 0.9),
                                    (0.3, 0.005, "two-sided", 0.8)]:
        sm = tp.solve_power(effect_size=d, nobs=None, alpha=alpha, power=target,
                            alternative=SM_ALT[sides])
        pf = lambda n: power_fast(d * math.sqrt(n), n - 1, alpha, sides)
        root = so.brentq(lambda n: pf(n) - target, 1.5, 10000, xtol=1e-13, rtol=1e-15)
        check(abs(root - sm) < 1e-4, f"solve_power nobs {d}: {root} {sm}")
        seeds = math.ceil(root)
        nobs.append({"effect": d, "sd": 1.0, "alpha": alpha, "sides": sides, "power": target,
                     "nobs": root, "seeds": seeds, "power_at_seeds": float(pf(seeds)),
                     "power_below": float(pf(seeds - 1))})

    mde = []
    for n, alpha, sides, target in [(5, 0.05, "two-sided", 0.8), (10, 0.05, "two-sided", 0.8),
                                    (20, 0.05, "two-sided", 0.8), (30, 0.05, "two-sided", 0.8),
                                    (10, 0.05, "greater", 0.8), (10, 0.01, "less", 0.9),
                                    (8, 0.005, "two-sided", 0.8)]:
        sm = tp.solve_power(effect_size=None, nobs=n, alpha=alpha, power=target,
                            alternative=SM_ALT[sides])
        sign = -1 if sides == "less" else 1
        f = lambda d: power_fast(sign * d * math.sqrt(n), n - 1, alpha, sides) - target
        root = so.brentq(f, 1e-6, 50, xtol=1e-14, rtol=1e-15)
        check(abs(root - abs(sm)) < 1e-4, f"solve_power effect {n}: {root} {sm}")
        mde.append({"sd": 1.0, "n": n, "alpha": alpha, "sides": sides, "power": target,
                    "mde": root})
    return out, nobs, mde


def welch_power(rng):
    out = []
    ip = TTestIndPower()
    # Equal sds and equal n: the pooled test, statsmodels' TTestIndPower.
    for d, n, alpha, sides in itertools.product((0.5, 1.0), (5, 10, 30), (0.05,),
                                                ("two-sided", "greater")):
        pw = ip.power(effect_size=d, nobs1=n, alpha=alpha, ratio=1, alternative=SM_ALT[sides])
        pf = power_fast(d * math.sqrt(n / 2), 2 * n - 2, alpha, sides)
        check(abs(pw - pf) < 1e-8, f"TTestIndPower {d, n}")
        out.append({"effect": d, "sd_x": 1.0, "sd_y": 1.0, "n_x": n, "n_y": n, "alpha": alpha,
                    "sides": sides, "power": float(pf), "df": 2.0 * n - 2})
    # Unequal: ttest_power with the Welch df and noncentrality effect / se, and
    # a Monte Carlo of the actual Welch test.
    reps = 200000
    for effect, sx, sy, nx, ny in [(1.0, 1.0, 2.0, 10, 6), (0.8, 0.5, 1.5, 5, 12),
                                   (0.5, 1.0, 1.0, 8, 20)]:
        se = math.sqrt(sx * sx / nx + sy * sy / ny)
        df = welch_df(sx, sy, nx, ny)
        pw = ttest_power(effect / se, nobs=1, alpha=0.05, df=df, alternative="two-sided")
        pm = power_mp(effect / se, df, 0.05, "two-sided")
        check(abs(pw - float(pm)) < 1e-8, "welch ttest_power vs mpmath")
        x = rng.normal(0.0, sx, size=(reps, nx))
        y = rng.normal(effect, sy, size=(reps, ny))
        p = st.ttest_ind(y, x, axis=1, equal_var=False).pvalue
        mc = float(np.mean(p < 0.05))
        out.append({"effect": effect, "sd_x": sx, "sd_y": sy, "n_x": nx, "n_y": ny, "alpha": 0.05,
                    "sides": "two-sided", "power": float(pm), "df": df, "monte_carlo": mc,
                    "mc_se": math.sqrt(mc * (1 - mc) / reps)})
    seeds = []
    for d, target in [(0.5, 0.8), (1.0, 0.8), (1.5, 0.9)]:
        root = ip.solve_power(effect_size=d, nobs1=None, alpha=0.05, power=target)
        pf = lambda n: power_fast(d * math.sqrt(n / 2), 2 * n - 2, 0.05, "two-sided")
        n = math.ceil(root)
        check(pf(n) >= target > pf(n - 1), f"welch seeds {d}")
        seeds.append({"effect": d, "sd_x": 1.0, "sd_y": 1.0, "alpha": 0.05, "power": target,
                      "nobs1": float(root), "seeds": n, "power_at_seeds": float(pf(n)),
                      "power_below": float(pf(n - 1))})
    mde = []
    for sx, sy, nx, ny in [(1.0, 1.0, 10, 10), (1.0, 2.0, 10, 6)]:
        se = math.sqrt(sx * sx / nx + sy * sy / ny)
        df = welch_df(sx, sy, nx, ny)
        f = lambda e: power_fast(e / se, df, 0.05, "two-sided") - 0.8
        mde.append({"sd_x": sx, "sd_y": sy, "n_x": nx, "n_y": ny, "alpha": 0.05, "power": 0.8,
                    "mde": so.brentq(f, 1e-6, 100, xtol=1e-14, rtol=1e-15)})
    return out, seeds, mde


def tost_mc_paired(rng, mu, lower, upper, sd, n, alpha, reps):
    d = rng.normal(mu, sd, size=(reps, n))
    m, s = d.mean(axis=1), d.std(axis=1, ddof=1)
    se = s / math.sqrt(n)
    p1 = st.t.sf((m - lower) / se, n - 1)
    p2 = st.t.cdf((m - upper) / se, n - 1)
    # The vectorized decision agrees with statsmodels on the first samples.
    for i in range(200):
        pv = ttost_paired(d[i], np.zeros(n), lower, upper)[0]
        check(abs(pv - max(p1[i], p2[i])) < 1e-12, "vectorized TOST vs ttost_paired")
    return float(np.mean(np.maximum(p1, p2) <= alpha))


def tost_mc_welch(rng, mu, lower, upper, sx, sy, nx, ny, alpha, reps):
    x = rng.normal(0.0, sx, size=(reps, nx))
    y = rng.normal(mu, sy, size=(reps, ny))
    a, b = x.var(axis=1, ddof=1) / nx, y.var(axis=1, ddof=1) / ny
    se = np.sqrt(a + b)
    df = (a + b) ** 2 / (a * a / (nx - 1) + b * b / (ny - 1))
    est = y.mean(axis=1) - x.mean(axis=1)
    p1 = st.t.sf((est - lower) / se, df)
    p2 = st.t.cdf((est - upper) / se, df)
    for i in range(200):
        pv = ttost_ind(y[i], x[i], lower, upper, usevar="unequal")[0]
        check(abs(pv - max(p1[i], p2[i])) < 1e-12, "vectorized TOST vs ttost_ind")
    return float(np.mean(np.maximum(p1, p2) <= alpha))


def tost_power(rng):
    reps = 200000
    out = []
    for mu, lower, upper, sd, n in [(0.0, -1.0, 1.0, 1.0, 10), (0.0, -1.0, 1.0, 1.0, 5),
                                    (0.25, -1.0, 1.0, 1.0, 20), (0.0, -0.75, 0.75, 1.0, 30),
                                    (0.1, -0.2, 0.5, 0.4, 8), (-0.3, -1.0, 0.6, 1.0, 15),
                                    (0.0, -0.5, 0.5, 1.0, 3)]:
        se = sd / math.sqrt(n)
        pm = float(tost_power_mp(mu, lower, upper, se, n - 1, 0.05))
        mc = tost_mc_paired(rng, mu, lower, upper, sd, n, 0.05, reps)
        mc_se = math.sqrt(max(mc * (1 - mc), 1e-6) / reps)
        check(abs(pm - mc) < 4.5 * mc_se + 1e-4, f"TOST integral vs MC {mu, lower, upper, n}: {pm} {mc}")
        out.append({"true_diff": mu, "lower": lower, "upper": upper, "sd": sd, "n": n,
                    "alpha": 0.05, "power": pm, "monte_carlo": mc, "mc_se": mc_se})
    welch = []
    for mu, lower, upper, sx, sy, nx, ny in [(0.0, -1.0, 1.0, 1.0, 1.0, 10, 10),
                                             (0.2, -1.0, 1.0, 1.0, 2.0, 12, 8),
                                             (0.0, -0.8, 0.8, 0.5, 1.0, 6, 15)]:
        se = math.sqrt(sx * sx / nx + sy * sy / ny)
        df = welch_df(sx, sy, nx, ny)
        pm = float(tost_power_mp(mu, lower, upper, se, df, 0.05))
        mc = tost_mc_welch(rng, mu, lower, upper, sx, sy, nx, ny, 0.05, reps)
        welch.append({"true_diff": mu, "lower": lower, "upper": upper, "sd_x": sx, "sd_y": sy,
                      "n_x": nx, "n_y": ny, "alpha": 0.05, "power": pm, "monte_carlo": mc,
                      "mc_se": math.sqrt(mc * (1 - mc) / reps)})
    margins = []
    for n in (5, 10, 20, 30):
        f = lambda m: float(tost_power_mp(0.0, -m, m, 1 / math.sqrt(n), n - 1, 0.05)) - 0.8
        margins.append({"sd": 1.0, "n": n, "alpha": 0.05, "power": 0.8,
                        "margin": so.brentq(f, 0.05, 10, xtol=1e-12, rtol=1e-13)})
    seeds = []
    for mu, lower, upper, sd, target in [(0.0, -1.0, 1.0, 1.0, 0.8), (0.0, -0.5, 0.5, 1.0, 0.8),
                                         (0.2, -0.5, 0.6, 0.5, 0.9)]:
        n = 2
        while float(tost_power_mp(mu, lower, upper, sd / math.sqrt(n), n - 1, 0.05)) < target:
            n += 1
        seeds.append({"true_diff": mu, "lower": lower, "upper": upper, "sd": sd, "alpha": 0.05,
                      "power": target, "seeds": n,
                      "power_at_seeds": float(tost_power_mp(mu, lower, upper, sd / math.sqrt(n),
                                                            n - 1, 0.05)),
                      "power_below": float(tost_power_mp(mu, lower, upper,
                                                         sd / math.sqrt(n - 1), n - 2, 0.05))})
    return out, welch, margins, seeds


def hedges():
    out = []
    for df in (2, 4, 9, 29, 100.5):
        j = math.exp(math.lgamma(df / 2) - math.lgamma((df - 1) / 2)) / math.sqrt(df / 2)
        jm = mp.gamma(mp.mpf(df) / 2) / (mp.sqrt(mp.mpf(df) / 2) * mp.gamma((mp.mpf(df) - 1) / 2))
        # lgamma of ~150 carries ~3e-14 absolute error into the difference
        check(abs(j - float(jm)) < 1e-13, f"hedges J {df}: {j} {float(jm)}")
        out.append({"df": df, "j": float(jm)})
    return out


def observed_example():
    # A 5-seed claim, inconclusive at 95 %: how many seeds would decide it?
    d = np.array([0.012, 0.004, 0.009, -0.002, 0.011])
    n = len(d)
    m, s = d.mean(), d.std(ddof=1)
    se = s / math.sqrt(n)
    half = st.t.isf(0.025, n - 1) * se
    pf = lambda d, k: power_fast(d * math.sqrt(k), k - 1, 0.05, "two-sided")
    mde_d = so.brentq(lambda e: pf(e, n) - 0.8, 1e-6, 50, xtol=1e-14, rtol=1e-15)
    j = float(mp.gamma(mp.mpf(n - 1) / 2) / (mp.sqrt(mp.mpf(n - 1) / 2) * mp.gamma(mp.mpf(n - 2) / 2)))
    g = j * m / s
    seeds = 2
    while pf(g, seeds) < 0.8:
        seeds += 1
    plug = 2
    while pf(m / s, plug) < 0.8:
        plug += 1
    band = 0.01  # the interval [-0.0004, 0.0140] is not inside (-0.01, 0.01): still inconclusive
    eq = 2
    while float(tost_power_mp(m, -band, band, s / math.sqrt(eq), eq - 1, 0.025)) < 0.8:
        eq += 1
    # An equivalence claim whose difference exceeds a narrower band is decided
    # at the band's edge: the Hedges-corrected excess j (|m| - band) / s.
    narrow = 0.003
    beyond = 2
    while pf(j * (abs(m) - narrow) / s, beyond) < 0.8:
        beyond += 1
    return {"differences": d.tolist(), "mean": m, "sd": s, "se": se,
            "ci_low": m - half, "ci_high": m + half, "mde": mde_d * s,
            "observed_d": m / s, "hedges_j": j, "corrected_d": g,
            "seeds_for_observed": seeds, "power_at_seeds": float(pf(g, seeds)),
            "seeds_plug_in_uncorrected": plug, "band": band, "seeds_for_equivalence": eq,
            "narrow_band": narrow, "seeds_beyond_band": beyond}


def tost_tests():
    paired = []
    d = [0.003, -0.002, 0.001, 0.004, -0.001, 0.002, 0.000, 0.003, -0.003, 0.002]
    x = [0.81, 0.79, 0.83, 0.80, 0.82, 0.78, 0.84, 0.81, 0.80, 0.79]
    y = [a + b for a, b in zip(x, d)]
    for lo, up, alpha in [(-0.005, 0.005, 0.05), (-0.002, 0.002, 0.05), (-0.001, 0.004, 0.05),
                          (-0.005, 0.005, 0.025)]:
        pv, (t1, p1, df1), (t2, p2, df2) = ttost_paired(np.array(y), np.array(x), lo, up)
        dd = np.array(y) - np.array(x)
        # the critical value from mpmath (SciPy's t.isf is CDFLIB's, ~1e-9)
        half = float(t_isf_mp(mp.mpf(alpha), len(dd) - 1)) * dd.std(ddof=1) / math.sqrt(len(dd))
        paired.append({"baseline": x, "contender": y, "lower": lo, "upper": up, "alpha": alpha,
                       "t_lower": float(t1), "p_lower": float(p1), "t_upper": float(t2),
                       "p_upper": float(p2), "df": float(df1), "p": float(pv),
                       "ci_low": float(dd.mean() - half), "ci_high": float(dd.mean() + half),
                       "equivalent": bool(pv <= alpha)})
    welch = []
    x = [0.91, 0.90, 0.92, 0.89, 0.905]
    y = [0.88, 0.87, 0.895, 0.86, 0.875, 0.885]
    for lo, up in [(-0.05, 0.05), (-0.04, 0.0), (-0.03, 0.03)]:
        pv, (t1, p1, df1), (t2, p2, df2) = ttost_ind(np.array(y), np.array(x), lo, up,
                                                    usevar="unequal")
        welch.append({"baseline": x, "contender": y, "lower": lo, "upper": up, "alpha": 0.05,
                      "t_lower": float(t1), "p_lower": float(p1), "t_upper": float(t2),
                      "p_upper": float(p2), "df": float(df1), "p": float(pv),
                      "equivalent": bool(pv <= 0.05)})
    return paired, welch


def multiplicity():
    families = [[0.01, 0.04, 0.03, 0.005], [0.02, 0.02, 0.5, 0.6, 0.001], [0.6, 0.7],
                [0.049], [0.0, 1.0, 0.01, 0.01, 0.01, 0.2, 0.04, 0.03],
                [0.003, 0.012, 0.012, 0.04, 0.25, 0.0125, 0.9, 0.0001, 0.05, 0.03]]
    out = []
    for p in families:
        for method in ("holm", "fdr_bh", "bonferroni"):
            for alpha in (0.05, 0.1):
                rej, adj, sidak, bonf = multipletests(p, alpha=alpha, method=method)
                out.append({"p": p, "alpha": alpha,
                            "method": {"holm": "holm", "fdr_bh": "bh",
                                       "bonferroni": "bonferroni"}[method],
                            "adjusted": [float(v) for v in adj],
                            "reject": [bool(v) for v in rej]})
    return out


def exit_probabilities_quad(c, t):
    """Cumulative two-sided exit probabilities of boundaries c at information
    times t (2 or 3 looks), from nested adaptive quadrature over the
    conditional normal laws of the Z statistics (Brownian motion: Z_j given
    Z_i = z is N(z sqrt(t_i / t_j), 1 - t_i / t_j))."""
    k = len(c)
    ndtr = ss.ndtr
    pdf = lambda x: math.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)
    probs = [2 * ndtr(-c[0])]

    def cond_cross(z, i, j, cj):
        r, s = math.sqrt(t[i] / t[j]), math.sqrt(1 - t[i] / t[j])
        return ndtr((-cj - r * z) / s) + ndtr((r * z - cj) / s)

    def cond_pdf(z2, z1, i, j):
        r, s = math.sqrt(t[i] / t[j]), math.sqrt(1 - t[i] / t[j])
        return pdf((z2 - r * z1) / s) / s

    opts = dict(epsabs=1e-13, epsrel=1e-11, limit=200)
    p2 = si.quad(lambda z1: pdf(z1) * cond_cross(z1, 0, 1, c[1]), -c[0], c[0], **opts)[0]
    probs.append(probs[-1] + p2)
    if k == 3:
        inner = lambda z1: si.quad(lambda z2: cond_pdf(z2, z1, 0, 1) * cond_cross(z2, 1, 2, c[2]),
                                   -c[1], c[1], **opts)[0]
        p3 = si.quad(lambda z1: pdf(z1) * inner(z1), -c[0], c[0], **opts)[0]
        probs.append(probs[-1] + p3)
    return probs


def spend(kind, alpha, t):
    if kind == "pocock":
        return alpha * math.log1p((math.e - 1) * t)
    return 4 * st.norm.sf(st.norm.isf(alpha / 4) / math.sqrt(t))


def sequential(rng):
    out = []
    for kind in ("obrien-fleming", "pocock"):
        for t in ([0.5, 1.0], [1 / 3, 2 / 3, 1.0], [0.25, 0.6, 1.0], [0.1, 0.55, 1.0]):
            c = []
            for k in range(len(t)):
                target = spend(kind, 0.05, t[k])
                if k == 0:
                    c.append(st.norm.isf(target / 2))
                    continue
                f = lambda ck: exit_probabilities_quad(c + [ck], t[:k + 1])[-1] - target
                c.append(so.brentq(f, 0.5, 10, xtol=1e-12))
            out.append({"spending": kind, "alpha": 0.05, "information": t, "z": c,
                        "tolerance": 1e-6,
                        "source": "solved here by nested adaptive quadrature of the exit "
                                  "probabilities"})
    # The classical 5-look table (two-sided 0.05, alpha/2 per side spent by the
    # OBF-type function; Reboussin, DeMets, Kim & Lan 2000 (ld98); DeMets &
    # Lan 1994) and the matching Pocock-type row, to their printed 3 decimals.
    t5 = [0.2, 0.4, 0.6, 0.8, 1.0]
    published = {"obrien-fleming": [4.877, 3.357, 2.680, 2.290, 2.031],
                 "pocock": [2.438, 2.427, 2.410, 2.397, 2.386]}
    for kind, c in published.items():
        # Their exit probabilities, by Genz's multivariate normal integration,
        # must match the spending function to the table's rounding.
        cov = np.array([[math.sqrt(min(a, b) / max(a, b)) for b in t5] for a in t5])
        for k in range(1, 6):
            lim = np.array(c[:k])
            stay = st.multivariate_normal.cdf(lim, mean=np.zeros(k), cov=cov[:k, :k],
                                              maxpts=20000000, abseps=1e-9, releps=1e-9,
                                              lower_limit=-lim)
            # Rounding to 3 decimals moves c by <= 5e-4; the exit probability
            # moves by at most 2 phi(c) * 5e-4 < 1.2e-4.
            check(abs((1 - stay) - spend(kind, 0.05, t5[k - 1])) < 1.2e-4,
                  f"published {kind} boundaries, look {k}: {1 - stay} vs {spend(kind, 0.05, t5[k - 1])}")
        out.append({"spending": kind, "alpha": 0.05, "information": t5, "z": c,
                    "tolerance": 1e-3,
                    "source": "classical table, 3 decimals (ld98 / DeMets & Lan 1994)"})
    # t-converted critical values (nominal one-sided level 1 - Phi(c_k) at the
    # look's df = n - 1), from the boundaries solved above.
    tcrit = []
    for kind in ("obrien-fleming", "pocock"):
        for looks, max_n in [([10, 20], 20), ([10, 20, 30], 30), ([5, 10], 10)]:
            t = [n / max_n for n in looks]
            entry = next((e for e in out if e["spending"] == kind and e["tolerance"] == 1e-6 and
                          len(e["information"]) == len(t) and np.allclose(e["information"], t)),
                         None)
            if entry is None:
                c = []
                for k in range(len(t)):
                    target = spend(kind, 0.05, t[k])
                    if k == 0:
                        c.append(st.norm.isf(target / 2))
                        continue
                    f = lambda ck: exit_probabilities_quad(c + [ck], t[:k + 1])[-1] - target
                    c.append(so.brentq(f, 0.5, 10, xtol=1e-12))
            else:
                c = entry["z"]
            tcrit.append({"spending": kind, "alpha": 0.05, "max_n": max_n, "looks": looks,
                          "nominal_p": [float(st.norm.sf(v)) for v in c],
                          "t_critical": [float(st.t.isf(st.norm.sf(v), n - 1))
                                         for v, n in zip(c, looks)]})
    return out, tcrit


def profiles():
    inf = math.inf
    cost = [[10, 20, 15], [30, 15, 60], [inf, 50, 40], [8, 8, 12]]
    taus = [1.0, 1.25, 1.5, 2.0, 4.0, 10.0]
    r = np.array(cost, dtype=float)
    best = r.min(axis=1, keepdims=True)
    ratios = r / best
    rho = [[float(np.mean(ratios[:, s] <= tau)) for tau in taus] for s in range(3)]
    exact = [float(np.mean(np.maximum(0, 4 - ratios[:, s]) / 3)) for s in range(3)]
    grid = np.linspace(1, 4, 100)
    prof = np.array([[np.mean(ratios[:, s] <= g) for g in grid] for s in range(3)])
    trap = (np.trapz(prof, x=grid, axis=1) / 3).tolist()
    # A bigger example with a problem nobody solves and ties.
    big = np.array([[3.0, 4.5, inf, 3.0], [100, 90, 95, 300], [inf, inf, inf, inf],
                    [7, 7.7, 8.4, 7.35], [1, 4, 2, 5], [2.5, 2.5, 2.5, inf]])
    bb = np.where(np.isinf(big.min(axis=1, keepdims=True)), inf, big.min(axis=1, keepdims=True))
    with np.errstate(invalid="ignore"):
        br = np.where(np.isinf(big) | np.isinf(bb), inf, big / bb)
    btaus = [1.0, 1.05, 1.1, 1.5, 2.0, 3.0, 4.0, 5.0, 100.0]
    brho = [[float(np.mean(br[:, s] <= tau)) for tau in btaus] for s in range(4)]
    bexact = [float(np.mean(np.where(br[:, s] < 4, (4 - br[:, s]) / 3, 0.0))) for s in range(4)]
    bprof = np.array([[np.mean(br[:, s] <= g) for g in grid] for s in range(4)])
    btrap = (np.trapz(bprof, x=grid, axis=1) / 3).tolist()
    enc = lambda a: [[("inf" if math.isinf(v) else float(v)) for v in row] for row in a]
    return {"small": {"cost": enc(cost), "ratios": enc(ratios), "taus": taus, "rho": rho,
                      "algoperf": exact, "algoperf_trapezoid_100": trap},
            "big": {"cost": enc(big), "ratios": enc(br), "taus": btaus, "rho": brho,
                    "algoperf": bexact, "algoperf_trapezoid_100": btrap}}


def bootstrap_exhaustive():
    # 2 problems x 2 solvers (A, B) x 3 paired seeds; statistic: mean time.
    cells = {0: ([10, 14, 12], [12, 11, 13]), 1: ([20, 22, 19], [18, 25, 21])}
    triples = list(itertools.product(range(3), repeat=3))
    rho_a1, score_a, a_first = {}, [], 0
    best_p = [0, 0]
    for i1 in triples:
        for i2 in triples:
            costs = []
            for p, idx in ((0, i1), (1, i2)):
                a = np.mean([cells[p][0][k] for k in idx])
                b = np.mean([cells[p][1][k] for k in idx])
                costs.append((a, b))
            ra = [a / min(a, b) for a, b in costs]
            rb = [b / min(a, b) for a, b in costs]
            r = sum(v <= 1.0 for v in ra) / 2
            rho_a1[r] = rho_a1.get(r, 0) + 1
            sa = np.mean([max(0, 4 - v) / 3 for v in ra])
            sb = np.mean([max(0, 4 - v) / 3 for v in rb])
            score_a.append(sa)
            a_first += sa >= sb
    for p in (0, 1):
        best_p[p] = sum(np.mean([cells[p][0][k] for k in idx]) <=
                        np.mean([cells[p][1][k] for k in idx]) for idx in triples)
    sa = np.sort(score_a)
    return {"cells": {"A": [cells[0][0], cells[1][0]], "B": [cells[0][1], cells[1][1]]},
            "replicates": len(score_a),
            "a_best_on_problem": [int(v) for v in best_p],
            "rho_a_at_1_counts": {str(k): v for k, v in sorted(rho_a1.items())},
            "score_a_quantiles": {"0.025": float(np.quantile(sa, 0.025, method="inverted_cdf")),
                                  "0.975": float(np.quantile(sa, 0.975, method="inverted_cdf"))},
            "score_a_min": float(sa[0]), "score_a_distinct": int(len(np.unique(np.round(sa, 12)))),
            "a_ranks_first": int(a_first)}


# ---- datasets/rng.hpp re-implemented (for bootstrap_ci bit for bit) -------------

M64 = (1 << 64) - 1


def mix64(z):
    z ^= z >> 30
    z = (z * 0xBF58476D1CE4E5B9) & M64
    z ^= z >> 27
    z = (z * 0x94D049BB133111EB) & M64
    return z ^ (z >> 31)


def splitmix64(x):
    return mix64((x + 0x9E3779B97F4A7C15) & M64)


def fnv1a64(name):
    h = 0xCBF29CE484222325
    for c in name.encode():
        h ^= c
        h = (h * 0x100000001B3) & M64
    return h


class Rng:
    def __init__(self, base, name, index):
        self.s = splitmix64(splitmix64(splitmix64(base) ^ fnv1a64(name)) ^ index)

    def next(self):
        self.s = (self.s + 0x9E3779B97F4A7C15) & M64
        return mix64(self.s)

    def below(self, n):
        m = self.next() * n
        low = m & M64
        if low < n:
            t = ((1 << 64) - n) % n
            while low < t:
                m = self.next() * n
                low = m & M64
        return m >> 64


def bootstrap_ci_ref(x, statistic, confidence, replicates, seed):
    vals = []
    for b in range(replicates):
        r = Rng(seed, "bootstrap_ci", b)
        sample = [x[r.below(len(x))] for _ in x]
        vals.append(float(np.mean(sample)) if statistic == "mean" else float(np.median(sample)))
    vals.sort()
    # Inverted cdf: the ceil(p B)-th smallest.  p B is rounded to 9 decimals
    # first: (1 - 0.95) / 2 * 1000 is 25.000000000000021 in doubles and must
    # pick the 25th value, as bootstrap.hpp does (numpy's inverted_cdf would
    # take the 26th).
    pick = lambda p: vals[min(max(math.ceil(round(p * replicates, 9)), 1), replicates) - 1]
    return float(pick((1 - confidence) / 2)), float(pick((1 + confidence) / 2))


def bootstrap_ci_cases():
    x = [0.912, 0.905, 0.921, 0.899, 0.915, 0.908, 0.930, 0.902]
    out = []
    for statistic in ("mean", "median"):
        lo, hi = bootstrap_ci_ref(x, statistic, 0.95, 1000, 42)
        out.append({"x": x, "statistic": statistic, "confidence": 0.95, "replicates": 1000,
                    "seed": 42, "low": lo, "high": hi})
    return out


def progress(what):
    print(what, file=sys.stderr, flush=True)


def skewness_cases():
    out = []
    for x in ([0.012, 0.004, 0.009, -0.002, 0.011], [1, 2, 3, 10, 4, 2.5, 0.5],
              [-0.3, 0.1, 0.2, 0.25, 0.3, 0.31]):
        out.append({"x": [float(v) for v in x], "skewness": float(st.skew(x, bias=False))})
    return out


def main():
    rng = np.random.default_rng(20240611)
    progress("noncentral t")
    nct, nct_q, t_isf = noncentral_t()
    progress("paired power")
    pp, pn, pm = paired_power()
    progress("welch power")
    wp, ws, wm = welch_power(rng)
    progress("tost power")
    tp, twp, tm, tseeds = tost_power(rng)
    progress("tost tests, sequential")
    tost_p, tost_w = tost_tests()
    seq, tcrit = sequential(rng)
    ref = {
        "generator": "tests/stats/gen_verdict_references.py",
        "versions": {"python": sys.version.split()[0], "numpy": np.__version__,
                     "scipy": scipy.__version__, "statsmodels": statsmodels.__version__,
                     "mpmath": mp.__version__},
        "noncentral_t": nct, "noncentral_t_quantile": nct_q, "student_t_isf": t_isf,
        "paired_power": pp, "paired_nobs": pn, "paired_mde": pm,
        "welch_power": wp, "welch_seeds": ws, "welch_mde": wm,
        "tost_power": tp, "welch_tost_power": twp, "tost_margin": tm, "tost_seeds": tseeds,
        "hedges": hedges(), "observed_example": observed_example(), "skewness": skewness_cases(),
        "ttost_paired": tost_p, "ttost_ind": tost_w,
        "multipletests": multiplicity(),
        "sequential_boundaries": seq, "sequential_t_critical": tcrit,
        "profiles": profiles(), "bootstrap_exhaustive": bootstrap_exhaustive(),
        "bootstrap_ci": bootstrap_ci_cases(),
    }
    def builtin(o):  # numpy scalars that slipped through
        if isinstance(o, np.integer):
            return int(o)
        if isinstance(o, np.floating):
            return float(o)
        if isinstance(o, np.bool_):
            return bool(o)
        raise TypeError(f"not JSON serializable: {type(o)}")

    text = json.dumps(ref, indent=1, default=builtin) + "\n"
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        f.write(text)
    print("wrote", os.path.relpath(OUT))


if __name__ == "__main__":
    main()
