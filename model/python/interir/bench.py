"""Forward timing of a variant on a 640x360 frame worth of tiles (min and median of N runs).

    /usr/bin/python3 -m interir.bench --variant live --threads 2
    /usr/bin/python3 -m interir.bench --variant live_dcp --set kf=5 --threads 1   # what a 5x5 filter would cost
    # the shipped video network over a real clip, as the service feeds it (every 6th frame: what a 2-core machine
    # takes from a 30 fps camera); prints the time of a frame with and without history and the tiles that skipped
    /usr/bin/python3 -m interir.bench --scripted ../src/main/resources/interir/live.pt --clip CLIP --every 6 --threads 1
"""
import argparse
import math
import time

import numpy as np
import torch

from .clips import load_clip
from .evaluate import tile_starts
from .export import script_model
from .network import InterIR, VARIANTS, count_params


def tiles_for(width, height, tile, overlap):
    st = tile - overlap
    nx = max(1, math.ceil((width - overlap) / st))
    ny = max(1, math.ceil((height - overlap) / st))
    return nx, ny


def time_clip(m, path: str, every: int, frames: int, tile: int, overlap: int):
    """The video network over every `every`-th frame of a clip, each tile carrying its state as in the service.
    Per frame: the time with the state (what the service pays) and without it (the single-frame network alone: a
    first frame runs no filter), and how many tiles skipped the single-frame network (the state's age plane)."""
    clip = load_clip(path, max_frames=every * frames)[::every]
    h, w = clip.shape[1:3]
    grid = [(y, x) for y in tile_starts(h, tile, overlap) for x in tile_starts(w, tile, overlap)]
    state = torch.zeros(0)
    warm, cold, skipped = [], [], []
    with torch.no_grad():
        for i, f in enumerate(clip):
            x = torch.from_numpy(np.stack([f[y:y + tile, x0:x0 + tile].transpose(2, 0, 1) for y, x0 in grid])
                                 .astype(np.float32) / 255)
            t = time.perf_counter()
            _, state, _, _ = m(x, state, 0)
            warm.append(1000 * (time.perf_counter() - t))
            t = time.perf_counter()
            m(x, torch.zeros(0), 0)
            cold.append(1000 * (time.perf_counter() - t))
            if hasattr(m, "filter_planes"):  # a network without the still-tile skip has no age plane
                age = torch.nn.functional.pixel_shuffle(state, m.s)[:, m.filter_planes].amax(dim=(1, 2))
                skipped.append(int((age > 0).sum()))
    settled = slice(min(20, len(clip) - 1), None)  # the skip needs a long history: count once it can have one
    print(f"{path}: {len(clip)} frames (every {every}), {w}x{h}, {len(grid)} tiles of {tile}px")
    print(f"with history    ms/frame median {np.median(warm[1:]):.1f}")
    print(f"single frame    ms/frame median {np.median(cold):.1f}")
    if skipped:
        print(f"tiles skipping the single-frame network, mean from frame {settled.start}: "
              f"{np.mean(skipped[settled]):.1f} of {len(grid)}")


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
    ap.add_argument("--clip", default="", help="with --scripted (a video network): time it over this clip's frames")
    ap.add_argument("--every", type=int, default=6, help="with --clip: take every N-th frame")
    ap.add_argument("--frames", type=int, default=50, help="with --clip: how many frames to time")
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
    if a.clip:
        time_clip(torch.jit.load(a.scripted).eval(), a.clip, a.every, a.frames, T, ov)
        return
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
