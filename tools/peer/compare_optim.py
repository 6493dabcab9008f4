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
    for rec in peer["benchmarks"]:
        name = f"BM_optim_update/{rec['spec']}/{rec['n']}"
        b = ours.get(name)
        if b is None:
            continue
        s = seconds(b)
        print(f"| `{rec['spec']}` | {rec['n'] / 2**20:.0f} Mi | {s * 1e3:.2f} | "
              f"{b['bytes_per_second'] / 1e9:.2f} | {100 * b.get('frac_bw', 0):.0f} % | "
              f"{rec['median_s'] * 1e3:.2f} | {rec['median_s'] / s:.2f}x |")


if __name__ == "__main__":
    main()
