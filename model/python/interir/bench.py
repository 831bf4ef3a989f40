"""Forward timing of a variant on a 640x360 frame worth of tiles (min and median of N runs).

    /usr/bin/python3 -m interir.bench --variant live --threads 2
    /usr/bin/python3 -m interir.bench --variant live_dcp --set kf=5 --threads 1   # what a 5x5 filter would cost
"""
import argparse
import math
import time

import torch

from .export import script_model
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
    ap.add_argument("--device", default="cpu", help="cpu or cuda (CUDA times wait for the card: synchronize)")
    ap.add_argument("--runs", type=int, default=8)
    ap.add_argument("--width", type=int, default=640)
    ap.add_argument("--height", type=int, default=360)
    ap.add_argument("--scripted", default="", help="time a TorchScript file instead of the eager model")
    ap.add_argument("--script", action="store_true", help="time the variant as TorchScript (as the service runs it)")
    ap.add_argument("--set", nargs="*", default=[], metavar="KEY=INT",
                    help="change the variant's settings (untrained weights): what-if timing of a design")
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    if a.set:
        VARIANTS[a.variant] = dict(VARIANTS[a.variant], **{k: int(v) for k, v in (x.split("=") for x in a.set)})
    cfg = VARIANTS[a.variant]
    T, ov = cfg["tile"], cfg["overlap"]
    nx, ny = tiles_for(a.width, a.height, T, ov)
    n = nx * ny
    if a.scripted:
        m = torch.jit.load(a.scripted).eval()
    else:
        m = InterIR(a.variant).eval()
        print("params", count_params(m))
        if a.script:
            m = script_model(m)
    dev = torch.device(a.device)
    m = m.to(dev)
    x = torch.rand(n, 3, T, T, device=dev)
    e = torch.zeros(0, device=dev)
    sync = torch.cuda.synchronize if dev.type == "cuda" else (lambda: None)
    print(f"variant={a.variant}{''.join(' ' + kv for kv in a.set)}{' TorchScript' if a.script or a.scripted else ''} device={a.device} threads={a.threads} tiles={nx}x{ny}={n} of {T}px (overlap {ov})")
    with torch.no_grad():
        _, st, _, _ = m(x, e, 0)
        # TorchScript's profiling executor optimises a graph after its first runs: warm every path up first
        for _ in range(3):
            m(x, e, 0)
            m(x, st, 1)
            m(x, st, 2)
        for lab, state, k in [("cold K", e, 0), ("warm k=2", st, 2), ("warm k=1", st, 1), ("still", st, 0)]:
            ts = []
            for _ in range(a.runs):
                sync()
                t = time.perf_counter()
                m(x, state, k)
                sync()
                ts.append(1000 * (time.perf_counter() - t))
            ts.sort()
            print(f"{lab:9s} ms/frame min {ts[0]:.1f} median {ts[len(ts) // 2]:.1f}")


if __name__ == "__main__":
    main()
