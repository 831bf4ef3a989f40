"""Choose the temporal filter's constants on the TRAIN clips (the evaluation clips are never used for this).

    cd model/python && /usr/bin/python3 -m interir.tune_temporal            # 30 frames per clip, the shipped grid
    /usr/bin/python3 -m interir.tune_temporal --frames 60 --rho 0.1 0.2 0.5 --t0 4 8 16 --haze0 0.02 0.04

The single-frame network runs once per frame (tiles as the service cuts them); the filter then runs over the
sequence once per setting, each tile with its own state, and the tiles are blended as the service blends them.
Degradations: noise sigma 25, and haze + rain + sigma-15 noise, fresh every frame (one haze per clip), rounded to
8 bits. Prints (and writes to --out, default eval/video/tuning.md) the mean PSNR per clip and setting, and the
chosen setting: among those within 0.1 dB of the best mean over all clips and degradations, the best on the noise
rows (most cameras are not hazy).
"""
import argparse
import itertools
import os
from typing import Dict, List

import numpy as np
import torch

from . import clips, data
from .evaluate import feather, tile_starts
from .evaluate_video import CONDITIONS, degrade_frames
from .network import VARIANTS, checkpoint_weights
from .video import TemporalFilter, VideoInterIR, align_history


def spatial_tiles(model: VideoInterIR, frames: List[np.ndarray], T: int, overlap: int):
    """Per frame: (input tiles [N,3,T,T], single-frame restorations of them) and the tile grid."""
    h, w = frames[0].shape[:2]
    grid = [(y, x) for y in tile_starts(h, T, overlap) for x in tile_starts(w, T, overlap)]
    out = []
    with torch.no_grad():
        for f in frames:
            img = f.astype(np.float32) / 255
            x = torch.from_numpy(np.stack([img[y:y + T, x0:x0 + T].transpose(2, 0, 1) for y, x0 in grid]))
            y, _, _ = model.spatial_pass(x)
            out.append((x, y))
    return out, grid


def filtered_psnr(tiles, grid, clean: List[np.ndarray], f: TemporalFilter, T: int, overlap: int) -> float:
    """Mean PSNR over the sequence of the filter's output, each tile carrying its own mean and count."""
    h, w = clean[0].shape[:2]
    fw = feather(T, overlap)[..., None]
    wsum = np.zeros((h, w, 1), np.float32)
    for ty, tx in grid:
        wsum[ty:ty + T, tx:tx + T] += fw
    hist = None
    ps = []
    with torch.no_grad():
        for (x, y), c in zip(tiles, clean):
            if hist is None:
                out, hist = y, f.start(x, y)
            else:
                out, hist = f.step(x, y, align_history(hist, x))
            o = out.clamp(0, 1).numpy()
            acc = np.zeros((h, w, 3), np.float32)
            for i, (ty, tx) in enumerate(grid):
                acc[ty:ty + T, tx:tx + T] += o[i].transpose(1, 2, 0) * fw
            ps.append(data.psnr(acc / wsum, c.astype(np.float32) / 255))
    return float(np.mean(ps))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--frames", type=int, default=30)
    ap.add_argument("--rho", type=float, nargs="*", default=[0.05, 0.2])
    ap.add_argument("--t0", type=float, nargs="*", default=[4.0, 8.0])
    ap.add_argument("--t1", type=float, nargs="*", default=[8.0])
    ap.add_argument("--haze0", type=float, nargs="*", default=[0.02],
                    help="10: no difference between the means is taken for haze")
    ap.add_argument("--haze-width", type=float, nargs="*", default=[0.03], help="haze1 - haze0")
    ap.add_argument("--contrast0", type=float, nargs="*", default=[1.1], help="contrast1 = contrast0 + 0.3")
    ap.add_argument("--correction-frames", type=float, nargs="*", default=[4.0, 16.0])
    ap.add_argument("--clips", nargs="*", default=clips.VIDEO_SPLIT["train"])
    ap.add_argument("--ckpt", default=os.path.join(data.HERE, "checkpoints", "live-nl", "last.pt"))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", default=os.path.join(data.HERE, "eval", "video", "tuning.md"))
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    ck = torch.load(a.ckpt, map_location="cpu", weights_only=False)
    model = VideoInterIR(ck["variant"]).eval()
    model.spatial.load_state_dict(checkpoint_weights(ck))
    T, overlap = VARIANTS[ck["variant"]]["tile"], VARIANTS[ck["variant"]]["overlap"]
    settings = list(itertools.product(a.rho, a.t0, a.t1, a.haze0, a.haze_width, a.contrast0,
                                         a.correction_frames))
    table: Dict[str, Dict] = {}
    for ci, name in enumerate(a.clips):
        assert name in clips.VIDEO_SPLIT["train"], name + " is not a train clip"
        clean = list(clips.load_clip(os.path.join(clips.VIDEOS, name), max_frames=a.frames))
        for di, cond in enumerate(CONDITIONS):
            noisy = degrade_frames(clean, cond, seed=7000 + 10 * ci + di)
            tiles, grid = spatial_tiles(model, noisy, T, overlap)
            inp = float(np.mean([data.psnr(x.astype(np.float32) / 255, c.astype(np.float32) / 255)
                                 for x, c in zip(noisy, clean)]))
            single = float(np.mean([filtered_psnr(tiles[i:i + 1], grid, clean[i:i + 1], TemporalFilter(), T, overlap)
                                    for i in range(len(clean))]))
            row = {"input": inp, "single frame": single}
            for rho, t0, t1, h0, hw, c0, cf in settings:
                f = TemporalFilter(t0=t0, t1=t1, rho=rho, haze0=h0, haze1=h0 + hw, contrast0=c0, contrast1=c0 + 0.3,
                                   correction_frames=cf)
                row[f"rho {rho} t0 {t0} haze {h0}+{hw} contrast {c0} corr {cf}"] = filtered_psnr(
                    tiles, grid, clean, f, T, overlap)
            key = f"{name} ({clean[0].shape[1]}x{clean[0].shape[0]}, {len(clean)} fr) | {cond}"
            table[key] = row
            print(key, " ".join(f"{k}: {v:.2f}" for k, v in row.items()), flush=True)
    cols = list(next(iter(table.values())).keys())
    lines = ["PSNR dB, mean over the frames of each train clip; command: `cd model/python && /usr/bin/python3 -m "
             f"interir.tune_temporal --frames {a.frames}`", "",
             "| clip | degradation | " + " | ".join(cols) + " |", "|---" * (len(cols) + 2) + "|"]
    for key, row in table.items():
        clip, cond = key.split(" | ")
        lines.append(f"| {clip} | {cond} | " + " | ".join(f"{row[c]:.2f}" for c in cols) + " |")
    means = {c: float(np.mean([row[c] for row in table.values()])) for c in cols}
    lines.append("| **mean** | | " + " | ".join(f"**{means[c]:.2f}**" for c in cols) + " |")
    settings_cols = [c for c in cols if c.startswith("rho")]
    best = max(settings_cols, key=lambda c: means[c])
    # most cameras are not hazy: among the settings within 0.1 dB of the best mean, the best on the noise rows
    noise = {c: float(np.mean([row[c] for k, row in table.items() if k.endswith("| noise25")])) for c in settings_cols}
    chosen = max((c for c in settings_cols if means[c] >= means[best] - 0.1), key=lambda c: noise[c])
    lines += ["", f"Best mean over the train clips: {best} ({means[best]:.2f} dB).",
              f"Chosen (the best on the noise rows, {noise[chosen]:.2f} dB, among the settings within 0.1 dB of the "
              f"best mean): {chosen} ({means[chosen]:.2f} dB). video.TemporalFilter's defaults are this setting."]
    with open(a.out, "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))

if __name__ == "__main__":
    main()
