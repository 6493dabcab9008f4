#!/usr/bin/env python3
"""Reference values for tests/stats/test_stats.cpp, from first principles.

scipy is not a dependency, so every value is recomputed independently of the
C++ code paths:
  * Mann-Whitney exact p-values: brute-force enumeration of all C(n1+n2, n1)
    splits of the pooled sample (itertools.combinations).
  * Tie-corrected normal approximation: the variance of U is checked against
    the brute-force permutation variance of U over all splits (with midranks),
    then p = erfc(z / sqrt 2) with the continuity correction of scipy.
  * Student-t quantiles: the t density integrated with 200-point
    Gauss-Legendre on subintervals (numpy), inverted by bisection; closed forms
    for df = 1, 2, 4.
  * Large exact null distributions (5 vs 2000, 60 vs 60): Gaussian binomial
    coefficients in Python's exact integers.
  * Hodges-Lehmann intervals: all pairwise differences and the enumerated
    null distribution of U.
Run: /usr/bin/python3 tests/stats/reference_values.py
"""
import itertools
import math

import numpy as np


def ranks(v):
    order = sorted(range(len(v)), key=lambda i: v[i])
    r = [0.0] * len(v)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and v[order[j + 1]] == v[order[i]]:
            j += 1
        for k in range(i, j + 1):
            r[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return r


def u1_of(x, y):
    r = ranks(list(x) + list(y))
    return sum(r[: len(x)]) - len(x) * (len(x) + 1) / 2


def splits(x, y):
    pooled = list(x) + list(y)
    r = ranks(pooled)
    n1 = len(x)
    for idx in itertools.combinations(range(len(pooled)), n1):
        yield sum(r[i] for i in idx) - n1 * (n1 + 1) / 2


def exact_p(x, y):
    n1, n2 = len(x), len(y)
    u1 = u1_of(x, y)
    u = max(u1, n1 * n2 - u1)
    us = list(splits(x, y))
    return u1, min(1.0, 2 * sum(1 for v in us if v >= u) / len(us))


def asymptotic_p(x, y, continuity=True):
    n1, n2 = len(x), len(y)
    n = n1 + n2
    u1 = u1_of(x, y)
    u = max(u1, n1 * n2 - u1)
    counts = {}
    for v in list(x) + list(y):
        counts[v] = counts.get(v, 0) + 1
    tie = sum(t ** 3 - t for t in counts.values())
    var = n1 * n2 / 12 * ((n + 1) - tie / (n * (n - 1)))
    if n <= 14:  # brute-force permutation variance of U equals the formula
        us = np.array(list(splits(x, y)))
        assert abs(us.var() - var) < 1e-9 * var, (us.var(), var)
    z = (u - n1 * n2 / 2 - (0.5 if continuity else 0)) / math.sqrt(var)
    return u1, min(1.0, math.erfc(z / math.sqrt(2)))


GL_X, GL_W = np.polynomial.legendre.leggauss(200)


def t_pdf(t, df):
    c = math.lgamma((df + 1) / 2) - math.lgamma(df / 2) - 0.5 * math.log(df * math.pi)
    return np.exp(c - (df + 1) / 2 * np.log1p(t * t / df))


def t_cdf_pos(t, df):  # P(0 < T < t)
    edges = np.linspace(0, t, 41)
    s = 0.0
    for a, b in zip(edges[:-1], edges[1:]):
        xs = (b - a) / 2 * GL_X + (a + b) / 2
        s += (b - a) / 2 * float(np.sum(GL_W * t_pdf(xs, df)))
    return s


def t_quantile(p, df):
    lo, hi = 0.0, 1.0
    while 0.5 + t_cdf_pos(hi, df) < p:
        hi *= 2
    for _ in range(200):
        mid = (lo + hi) / 2
        if 0.5 + t_cdf_pos(mid, df) < p:
            lo = mid
        else:
            hi = mid
        if hi - lo < 1e-15 * hi:
            break
    return (lo + hi) / 2


def hl(x, y, conf):
    d = sorted(b - a for b in y for a in x)
    mn = len(d)
    us = sorted(splits(x, y))
    tot = len(us)
    half = (1 - conf) / 2
    k, below = 0, 0.0
    while True:  # largest k with P(U <= k-1) <= half
        pk = sum(1 for v in us if v <= k) / tot
        if pk > half:
            break
        k, below = k + 1, pk
    est = float(np.median(d))
    if k == 0:
        return est, -math.inf, math.inf, 1.0
    return est, d[k - 1], d[mn - k], 1 - 2 * below


def show(name, *vals):
    print(name, ", ".join(repr(float(v)) for v in vals))


males, females = [19, 22, 16, 29, 24], [20, 11, 17, 12]
show("scipy doc exact", *exact_p(males, females))
show("scipy doc asym", *asymptotic_p(males, females))
show("scipy doc asym nocont", *asymptotic_p(males, females, False))
a5 = [1.83, 0.50, 1.62, 2.48, 1.68]
b7 = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06001]
show("exact 5x7", *exact_p(a5, b7))
sep = ([1.1, 2.3, 3.7], [4.2, 5.0, 6.1, 7.3])
show("exact separated 3x4", *exact_p(*sep))
tx, ty = [1, 2, 2, 3, 3, 3, 4], [2, 3, 4, 4, 5, 5, 6]
show("ties asym 7x7", *asymptotic_p(tx, ty))
rng = np.random.default_rng(7)
big_x = [round(float(v), 3) for v in rng.normal(10, 1, 12)]
big_y = [round(float(v), 3) for v in rng.normal(11, 1, 12)]
print("big_x", big_x)
print("big_y", big_y)
show("asym 12x12 (no ties)", *asymptotic_p(big_x, big_y))
for df in [1, 2, 3, 4, 5, 7.5, 10, 30, 100]:
    show(f"t 0.975 df={df}", t_quantile(0.975, df))
show("t 0.995 df=5", t_quantile(0.995, 5))
show("t 0.9999 df=3", t_quantile(0.9999, 3))
# closed forms
show("closed df=1", math.tan(math.pi * (0.975 - 0.5)))
show("closed df=2", (2 * 0.975 - 1) / math.sqrt(2 * 0.975 * 0.025))
al = 4 * 0.975 * 0.025
q = math.cos(math.acos(math.sqrt(al)) / 3) / math.sqrt(al)
show("closed df=4", 2 * math.sqrt(q - 1))
show("t cdf(1.5, df=7.5)", 0.5 + t_cdf_pos(1.5, 7.5))
ci_x = [9.8, 10.2, 10.4, 9.9, 10.0, 10.1, 9.7]
m, s = np.mean(ci_x), np.std(ci_x, ddof=1)
h = t_quantile(0.975, 6) * s / math.sqrt(7)
show("mean ci", m, s, m - h, m + h)
wx, wy = [0.91, 0.90, 0.92, 0.89, 0.905], [0.88, 0.87, 0.895, 0.86, 0.875, 0.885]
va, vb = np.var(wx, ddof=1) / 5, np.var(wy, ddof=1) / 6
dfw = (va + vb) ** 2 / (va ** 2 / 4 + vb ** 2 / 5)
diff = np.mean(wy) - np.mean(wx)
hw = t_quantile(0.975, dfw) * math.sqrt(va + vb)
show("welch diff df lo hi", diff, dfw, diff - hw, diff + hw)
sp = math.sqrt((4 * np.var(wx, ddof=1) + 5 * np.var(wy, ddof=1)) / 9)
show("cohen d", diff / sp)
show("hl 5x7", *hl(a5, b7, 0.95))
show("hl 3x4", *hl(*sep, 0.95))
show("hl 6x6 0.9", *hl([1, 2, 3, 4, 5, 6], [3.5, 4.5, 6.5, 7.5, 8.5, 9.5], 0.90))
qx = [3.0, 1.0, 4.0, 1.5, 9.0, 2.6]
show("quantiles type7", *(np.quantile(qx, p) for p in [0, 0.1, 0.25, 0.5, 0.9, 1]))


def gaussian_binomial(m, n):  # counts of U = u for sizes m, n, exact integers
    c = [1]
    for i in range(1, m + 1):
        d = c + [0] * (n + i)
        for k in range(len(c)):
            d[k + n + i] -= c[k]
        for k in range(i, len(d)):
            d[k] += d[k - i]
        c = d[: i * n + 1]
    return c


c = gaussian_binomial(5, 2000)
assert sum(c) == math.comb(2005, 5)
show("5x2000 p(U>=8878), p(U>=9525)", 2 * sum(c[8878:]) / sum(c), 2 * sum(c[9525:]) / sum(c))
c = gaussian_binomial(60, 60)
assert sum(c) == math.comb(120, 60)
show("60x60 total, p(U>=2400)", sum(c), 2 * sum(c[2400:]) / sum(c))
