#!/usr/bin/python3
"""Writes macro.csv (examples/studies/sgd-vs-adam-csv.toml's data): the US
macroeconomic series 1959Q1-2009Q3 as shipped by statsmodels
(statsmodels/datasets/macrodata: Federal Reserve Bank of St. Louis and U.S.
Bureau of Labor Statistics data, public domain), each column standardized
(mean 0, standard deviation 1, population formula) so that one LR suits every
feature; rounded to 6 decimals.  Target: realinv (real private investment);
features: the other series except year and quarter.

Usage: /usr/bin/python3 make_macro_csv.py  (needs python3-statsmodels)
"""
import csv
import os

import statsmodels.datasets.macrodata as macrodata

src = os.path.join(os.path.dirname(macrodata.__file__), "macrodata.csv")
with open(src, newline="") as f:
    rows = list(csv.DictReader(f))
features = ["realgdp", "realcons", "realgovt", "realdpi", "cpi", "m1", "tbilrate", "unemp", "pop", "infl", "realint"]
target = "realinv"
cols = features + [target]
data = {c: [float(r[c]) for r in rows] for c in cols}
for c in cols:
    v = data[c]
    mean = sum(v) / len(v)
    sd = (sum((x - mean) ** 2 for x in v) / len(v)) ** 0.5
    data[c] = [(x - mean) / sd for x in v]
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "macro.csv")
with open(out, "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(cols)
    for i in range(len(rows)):
        w.writerow([f"{data[c][i]:.6f}" for c in cols])
print(f"wrote {out}: {len(rows)} rows, {len(features)} features, target {target}")
