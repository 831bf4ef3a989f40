"""Forward timing of a variant on a 640x360 frame worth of tiles (min and median of N runs).

    /usr/bin/python3 -m interir.bench --variant live --threads 2
"""
import argparse
import math
import time

import torch

from .network import InterIR, VARIANTS, count_params


def tiles_for(width, height, tile, overlap):
    st = tile - overlap
    nx = max(1, math.ceil((width - overlap) / st))
    ny = max(1, math.ceil((height - overlap) / st))
    return nx, ny


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--variant", default="live")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--runs", type=int, default=8)
    ap.add_argument("--width", type=int, default=640)
    ap.add_argument("--height", type=int, default=360)
    ap.add_argument("--scripted", default="", help="time a TorchScript file instead of the eager model")
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    cfg = VARIANTS[a.variant]
    T, ov = cfg["tile"], cfg["overlap"]
    nx, ny = tiles_for(a.width, a.height, T, ov)
    n = nx * ny
    if a.scripted:
        m = torch.jit.load(a.scripted).eval()
    else:
        m = InterIR(a.variant).eval()
        print("params", count_params(m))
    x = torch.rand(n, 3, T, T)
    e = torch.zeros(0)
    print(f"variant={a.variant} threads={a.threads} tiles={nx}x{ny}={n} of {T}px (overlap {ov})")
    with torch.no_grad():
        _, st, _, _ = m(x, e, 0)
        for lab, k in [("cold K", 0), ("warm k=2", 2), ("warm k=1", 1)]:
            ts = []
            for _ in range(a.runs):
                t = time.perf_counter()
                if k == 0:
                    m(x, e, 0)
                else:
                    m(x, st, k)
                ts.append(1000 * (time.perf_counter() - t))
            ts.sort()
            print(f"{lab:9s} ms/frame min {ts[0]:.1f} median {ts[len(ts) // 2]:.1f}")


if __name__ == "__main__":
    main()
