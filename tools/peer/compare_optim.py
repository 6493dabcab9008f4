#!/usr/bin/python3
"""Side-by-side table: lrbench's optimizer update (Google Benchmark JSON,
bench/optim) against PyTorch's optimizer.step() (tools/peer/optim_step.py).

usage: compare_optim.py LRBENCH.json PEER.json   -> Markdown table on stdout
"""
import json
import sys


def medians(gbench):
    """run_name -> median record (aggregates) or the only record."""
    out = {}
    for b in gbench["benchmarks"]:
        if b.get("run_type") == "aggregate" and b.get("aggregate_name") != "median":
            continue
        name = b.get("run_name", b["name"])
        out[name.removesuffix("/real_time")] = b
    return out


def seconds(b):
    scale = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[b["time_unit"]]
    return b["real_time"] * scale


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    ours = medians(json.load(open(sys.argv[1])))
    peer = json.load(open(sys.argv[2]))
    bw = next((b for k, b in ours.items() if "BM_calib_stream_update" in k), None)
    ctx = peer["context"]
    print(f"PyTorch {ctx['torch_version']}, {ctx['threads']} threads; lrbench medians of "
          "repetitions, PyTorch median of timed step() calls.")
    if bw:
        print(f"In-run memory bandwidth (in-place stream a += s*b, huge pages): "
              f"{bw['bytes_per_second'] / 1e9:.2f} GB/s.")
    print()
    print("| optimizer | params | lrbench ms | GB/s | % of bandwidth | PyTorch ms | speedup |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    theirs = {(rec["spec"], rec["n"]): rec["median_s"] for rec in peer["benchmarks"]}
    # Every lrbench update, in benchmark order; PyTorch's step() where it has the
    # optimizer (not Keras' lion, lamb, adafactor, ftrl), else a dash.
    for name, b in ours.items():
        if not name.startswith("BM_optim_update"):
            continue
        kind, spec, n = name.split("/", 1)[0], name.split("/", 1)[1].rsplit("/", 1)[0], \
            int(name.rsplit("/", 1)[1])
        label = f"`{spec}`" + (" factored sqrt(n) x sqrt(n)" if kind.endswith("_factored") else "")
        s = seconds(b)
        t = theirs.get((spec, n)) if not kind.endswith("_factored") else None
        peer_cols = f"{t * 1e3:.2f} | {t / s:.2f}x" if t else "— | —"
        print(f"| {label} | {n / 2**20:.0f} Mi | {s * 1e3:.2f} | "
              f"{b['bytes_per_second'] / 1e9:.2f} | {100 * b.get('frac_bw', 0):.0f} % | "
              f"{peer_cols} |")


if __name__ == "__main__":
    main()
