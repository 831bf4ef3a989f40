"""Evaluation on the val split: PSNR/SSIM (RGB, 0..1) per degradation, against classical baselines.

    cd model/python && /usr/bin/python3 -m interir.evaluate            # every exported variant
    /usr/bin/python3 -m interir.evaluate --models ../src/main/resources/interir/live.pt --quick

Rows: noise sigma 15/25/50, rain, haze, jpeg (q 20), haze+rain+noise (sigma 15); fixed seeds.
Images: one centre crop (--crop, default 256x256) per val photo. Models run tile by tile exactly as
the service does (tile/overlap from the sidecar JSON, linear feathering in the overlaps).
Baselines: the degraded input; FFmpeg hqdn3d and nlmeans (CLI, several strengths; the best strength
per row is reported, i.e. tuned on this very set: a generous baseline) on noise rows; the dark
channel prior (He et al. 2009, guided-filter refinement) on haze rows.
Warm start: consecutive frames of a moving clip, cold (K stages) vs warm (k of K from the previous
frame's state, per tile); for the video network, every frame on its own vs with its history.
Writes eval/results.json, eval/results.md and eval/comparison.jpg (one row per degradation: input |
classical baseline | each model | clean).
"""
import argparse
import glob
import json
import os
import subprocess
import tempfile
import time

import cv2
import numpy as np
import torch
from skimage.metrics import structural_similarity

from . import data
from . import degrade as dg

OUT = os.path.join(data.HERE, "eval")
RES = os.path.join(data.HERE, "..", "src", "main", "resources", "interir")
# "clean": a frame with no degradation (how much the model changes what it should leave alone); "h264": the crop
# through libx264 at CRF 35, 4:2:0, intra only: the artefacts of the camera streams the service restores (training
# synthesises compression with JPEG, degrade.py). Both come after the older rows, whose seeds they leave unchanged.
ROWS = ["noise15", "noise25", "noise50", "rain", "haze", "jpeg", "haze+rain+noise", "clean", "h264"]
H264_CRF = 35


def ssim(a, b):
    return float(structural_similarity(np.clip(a, 0, 1), b, channel_axis=2, data_range=1.0))


# -------------------------------------------------------------------------------------- tiled model
def tile_starts(n, tile, overlap):
    if n <= tile:
        return [0]
    st = tile - overlap
    xs = list(range(0, n - tile, st)) + [n - tile]
    return sorted(set(xs))


def tile_side(n, tile, overlap, max_tile, step):
    """The tiles' side along a frame side of n pixels (the Java TileGrid.side): the fewest tiles of at most max_tile
    pixels that cover it with `overlap`, evened out and rounded up to a multiple of `step` (the network's scale),
    never below the trained tile (a smaller frame is padded)."""
    if max_tile <= tile:
        return tile
    k = max(1, -(-(n - overlap) // (max_tile - overlap)))
    side = -(-(n + (k - 1) * overlap) // k)
    return max(tile, -(-side // step) * step)


def feather(th, overlap, tw=None):
    """Blending weights of a th x tw tile (tw defaults to th): 1 inside, a linear ramp across the overlap."""
    def ramp_along(t):
        r = np.ones(t, np.float32)
        if overlap > 0:
            ramp = (np.arange(overlap, dtype=np.float32) + 0.5) / overlap
            r[:overlap] = ramp
            r[-overlap:] = ramp[::-1]
        return r
    return np.outer(ramp_along(th), ramp_along(th if tw is None else tw))


class TiledModel:
    def __init__(self, pt):
        self.m = torch.jit.load(pt).eval()
        with open(pt[:-3] + ".json") as f:
            self.meta = json.load(f)
        self.tile = self.meta["tile"]
        self.overlap = self.meta["overlap"]
        # a sidecar without maxTile means square tiles of `tile`
        self.max_tile = self.meta.get("maxTile", self.tile)
        self.name = self.meta["variant"] + ("" if not self.meta.get("untrained") else " (untrained)")

    def shape(self, h, w):
        """(tile height, tile width) for an h x w frame."""
        step = self.meta["scale"] * self.meta.get("spatialScale", 1)
        return (tile_side(h, self.tile, self.overlap, self.max_tile, step),
                tile_side(w, self.tile, self.overlap, self.max_tile, step))

    def grid(self, h, w, shape=None):
        th, tw = shape or (self.tile, self.tile)
        return [(y, x) for y in tile_starts(h, th, self.overlap) for x in tile_starts(w, tw, self.overlap)]

    def __call__(self, img, state=None, k=0):
        """img HxWx3. Returns (restored, state per tile, mean stages run). As the Java TileGrid does, a frame smaller
        than a tile is padded by repeating its last row and column."""
        h, w = img.shape[:2]
        th, tw = self.shape(h, w)
        if h < th or w < tw:
            img = np.pad(img, ((0, max(0, th - h)), (0, max(0, tw - w)), (0, 0)), mode="edge")
        H, W = img.shape[:2]
        g = self.grid(H, W, (th, tw))
        x = torch.from_numpy(np.stack([img[y:y + th, x:x + tw].transpose(2, 0, 1) for y, x in g]).astype(np.float32))
        with torch.no_grad():
            st = torch.zeros(0) if state is None else state
            y, new_st, res, _ = self.m(x, st, int(k))
        y = y.numpy()
        acc = np.zeros((H, W, 3), np.float32)
        wsum = np.zeros((H, W, 1), np.float32)
        fw = feather(th, self.overlap, tw)[..., None]
        for i, (ty, tx) in enumerate(g):
            acc[ty:ty + th, tx:tx + tw] += y[i].transpose(1, 2, 0) * fw
            wsum[ty:ty + th, tx:tx + tw] += fw
        return (acc / wsum)[:h, :w], new_st, res.shape[1]


# ------------------------------------------------------------------------------------ baselines
def write_pngs(folder, imgs, prefix="in"):
    """RGB float images to <folder>/<prefix>0000.png, ... (8 bit), the numbering FFmpeg's %04d reads."""
    for i, im in enumerate(imgs):
        cv2.imwrite(os.path.join(folder, f"{prefix}{i:04d}.png"),
                    cv2.cvtColor((np.clip(im, 0, 1) * 255 + .5).astype(np.uint8), cv2.COLOR_RGB2BGR))


def read_pngs(folder, n, prefix="out"):
    """<folder>/<prefix>0001.png ... (FFmpeg numbers its output from 1) as RGB float images."""
    return [cv2.cvtColor(cv2.imread(os.path.join(folder, f"{prefix}{i + 1:04d}.png")), cv2.COLOR_BGR2RGB)
            .astype(np.float32) / 255 for i in range(n)]


def ffmpeg_filter(imgs, vf):
    """Run an FFmpeg video filter over a list of RGB float images (one frame each), return the results."""
    with tempfile.TemporaryDirectory() as d:
        write_pngs(d, imgs)
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", os.path.join(d, "in%04d.png"), "-vf", vf,
                        os.path.join(d, "out%04d.png")], check=True)
        return read_pngs(d, len(imgs))


def h264_roundtrip(imgs, crf=H264_CRF):
    """Each RGB float image through libx264 (CRF crf, yuv420p, every frame intra) and back."""
    with tempfile.TemporaryDirectory() as d:
        write_pngs(d, imgs)
        mp4 = os.path.join(d, "x.mp4")
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", os.path.join(d, "in%04d.png"), "-c:v", "libx264",
                        "-crf", str(crf), "-g", "1", "-pix_fmt", "yuv420p", mp4], check=True)
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", mp4, os.path.join(d, "out%04d.png")], check=True)
        return read_pngs(d, len(imgs))


def box(a, r):
    return cv2.boxFilter(a, -1, (2 * r + 1, 2 * r + 1), borderType=cv2.BORDER_REFLECT)


def guided_filter(I, p, r=30, eps=1e-3):
    mI, mp = box(I, r), box(p, r)
    a = (box(I * p, r) - mI * mp) / (box(I * I, r) - mI * mI + eps)
    b = mp - a * mI
    return box(a, r) * I + box(b, r)


def dark_channel_prior(img, patch=15, omega=0.95, t0=0.1):
    k = cv2.getStructuringElement(cv2.MORPH_RECT, (patch, patch))
    dark = cv2.erode(img.min(axis=2), k)
    n = max(1, int(dark.size * 0.001))
    idx = np.argsort(dark.ravel())[-n:]
    A = img.reshape(-1, 3)[idx].max(axis=0)
    t = 1 - omega * cv2.erode((img / A[None, None]).min(axis=2), k)
    t = guided_filter(cv2.cvtColor(img, cv2.COLOR_RGB2GRAY), t.astype(np.float32))
    t = np.maximum(t, t0)[..., None]
    return np.clip((img - A) / t + A, 0, 1).astype(np.float32)


# -------------------------------------------------------------------------------------------- main
def tiled_dcp(img, tile):
    out = np.zeros_like(img)
    for y in tile_starts(img.shape[0], tile, 0):
        for x in tile_starts(img.shape[1], tile, 0):
            out[y:y + tile, x:x + tile] = dark_channel_prior(img[y:y + tile, x:x + tile])
    return out


def labelled(img, text):
    """8-bit RGB copy of a [0,1] image with `text` on a dark strip at its top."""
    u8 = np.ascontiguousarray((np.clip(img, 0, 1) * 255 + .5).astype(np.uint8))
    u8[:18] = (u8[:18] * 0.35).astype(np.uint8)
    cv2.putText(u8, text, (4, 13), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (255, 255, 255), 1, cv2.LINE_AA)
    return u8


def metrics(outs, cleans):
    return (float(np.mean([data.psnr(o, c) for o, c in zip(outs, cleans)])),
            float(np.mean([ssim(o, c) for o, c in zip(outs, cleans)])))


def coarse_luma(tile_hwc):
    """Java FrameRestorer.coarseLuma: luma medians of an 8x8 grid of blocks from every other pixel (upper median)."""
    T = tile_hwc.shape[0]
    lum = 0.299 * tile_hwc[..., 0] + 0.587 * tile_hwc[..., 1] + 0.114 * tile_hwc[..., 2]
    out = np.zeros(64, np.float32)
    for by in range(8):
        for bx in range(8):
            s = np.sort(lum[by * T // 8:(by + 1) * T // 8:2, bx * T // 8:(bx + 1) * T // 8:2].ravel())
            out[by * 8 + bx] = s[len(s) // 2]
    return out


def still_pass(m, img, state, memo, threshold, max_frames):
    """One warm frame with still tiles, as the service runs it: a tile whose block medians moved less than
    `threshold` since its last stage (and that has been still fewer than `max_frames` frames) runs k=0 (the
    output layer only, on the new frame); the others run k=1. memo: per tile [reference medians, still count]."""
    T = m.tile
    g = m.grid(*img.shape[:2])
    x = np.stack([img[y:y + T, x0:x0 + T].transpose(2, 0, 1) for y, x0 in g]).astype(np.float32)
    still = []
    for i, (y, x0) in enumerate(g):
        c = coarse_luma(img[y:y + T, x0:x0 + T])
        if memo[i][1] < max_frames and np.abs(c - memo[i][0]).max() < threshold:
            memo[i][1] += 1
            still.append(True)
        else:
            memo[i] = [c, 0]
            still.append(False)
    still = np.array(still)
    y_out = np.zeros_like(x)
    new_state = state.clone()
    with torch.no_grad():
        for k, sel in ((0, still), (1, ~still)):
            if sel.any():
                idx = torch.from_numpy(np.nonzero(sel)[0])
                yk, sk, _, _ = m.m(torch.from_numpy(x[sel]), state[idx], k)
                y_out[sel] = yk.numpy()
                new_state[idx] = sk
    acc = np.zeros(img.shape, np.float32)
    wsum = np.zeros(img.shape[:2] + (1,), np.float32)
    fw = feather(T, m.overlap)[..., None]
    for i, (ty, tx) in enumerate(g):
        acc[ty:ty + T, tx:tx + T] += y_out[i].transpose(1, 2, 0) * fw
        wsum[ty:ty + T, tx:tx + T] += fw
    return acc / wsum, new_state, float((~still).mean()), float(still.mean())


def refresh_pass(m, img, state, ages, every):
    """One warm frame with the service's coldEvery: tiles whose warm age reached `every` restart cold, the others
    run k=1 from their state. ages: per tile frames since its last cold start (updated in place)."""
    T = m.tile
    g = m.grid(*img.shape[:2])
    x = torch.from_numpy(np.stack([img[y:y + T, x0:x0 + T].transpose(2, 0, 1) for y, x0 in g]).astype(np.float32))
    for i in range(len(ages)):
        ages[i] += 1
    cold = np.array([a >= every for a in ages])
    y_out = torch.zeros_like(x)
    new_state = state.clone()
    stages = 0
    with torch.no_grad():
        for sel, st in ((cold, None), (~cold, state)):
            if sel.any():
                idx = torch.from_numpy(np.nonzero(sel)[0])
                yk, sk, res, _ = m.m(x[idx], torch.zeros(0) if st is None else st[idx], 1)
                y_out[idx] = yk
                new_state[idx] = sk
                stages += res.shape[1] * int(sel.sum())
    for i in np.nonzero(cold)[0]:
        ages[i] = 0
    acc = np.zeros(img.shape, np.float32)
    wsum = np.zeros(img.shape[:2] + (1,), np.float32)
    fw = feather(T, m.overlap)[..., None]
    for i, (ty, tx) in enumerate(g):
        acc[ty:ty + T, tx:tx + T] += y_out[i].numpy().transpose(1, 2, 0) * fw
        wsum[ty:ty + T, tx:tx + T] += fw
    return acc / wsum, new_state, stages / len(g)


def warm_start_clip(models, path, frames, seed=5, sigma=25.0, cold_every=60):
    """Noisy (+ fixed haze) consecutive frames of a moving clip; cold vs warm k per tile."""
    cap = cv2.VideoCapture(path)
    fr = []
    while len(fr) < frames:
        ok, f = cap.read()
        if not ok:
            break
        f = cv2.cvtColor(f, cv2.COLOR_BGR2RGB).astype(np.float32) / 255
        h, w = f.shape[:2]
        fr.append(f[:h - h % 16, :w - w % 16])
    rng = np.random.default_rng(seed)
    hz = dict(beta=0.7, airlight=[0.85, 0.86, 0.88], dmin=0.2)
    depth = dg.depth_field(*fr[0].shape[:2], rng)
    deg = [dg.add_noise(dg.add_haze(f, rng, hz, depth), rng, sigma) for f in fr]
    out = {}
    for m in models:
        K = m.meta["stages"]
        row = {}
        # the video network ignores k and runs every stage on every frame: its history is the only warm mode
        temporal = bool(m.meta.get("temporal"))
        for k in ["cold"] + ([1] if temporal else list(range(1, K))):
            ps, stages, st, t = [], [], None, 0.0
            for i, (c, d) in enumerate(zip(fr, deg)):
                t0 = time.perf_counter()
                if k == "cold" or st is None:
                    y, st, n = m(d)
                else:
                    y, st, n = m(d, st, k)
                t += time.perf_counter() - t0
                ps.append(data.psnr(y, c))
                stages.append(n)
            row[str(k)] = {"psnr": float(np.mean(ps)), "psnr_last": float(ps[-1]), "stages": float(np.mean(stages)),
                           "ms_per_frame": 1000 * t / len(fr), "psnr_per_frame": [round(float(p), 2) for p in ps]}
        if temporal:
            out[m.name] = row
            continue
        # still tiles (service default threshold 0.1, at most 10 still frames in a row), warm k=1 otherwise
        ps, stages, shares, t = [], [], [], 0.0
        st, memo = None, None
        for c, d in zip(fr, deg):
            t0 = time.perf_counter()
            if st is None:
                y, st, n = m(d)
                memo = [[coarse_luma(d[ty:ty + m.tile, tx:tx + m.tile]), 0] for ty, tx in m.grid(*d.shape[:2])]
                share = 0.0
            else:
                y, st, n, share = still_pass(m, d, st, memo, 0.1, 10)
            t += time.perf_counter() - t0
            ps.append(data.psnr(y, c))
            stages.append(n)
            shares.append(share)
        row["1+still"] = {"psnr": float(np.mean(ps)), "psnr_last": float(ps[-1]), "stages": float(np.mean(stages)),
                          "ms_per_frame": 1000 * t / len(fr), "still_share": float(np.mean(shares[1:])),
                          "psnr_per_frame": [round(float(p), 2) for p in ps]}
        if cold_every > 0:
            # warm k=1 with the service's pipeline.coldEvery: staggered ages as FrameRestorer.staggeredAge
            ps, stages, t, st, ages = [], [], 0.0, None, None
            for c, d in zip(fr, deg):
                t0 = time.perf_counter()
                if st is None:
                    y, st, n = m(d)
                    ng = len(m.grid(*d.shape[:2]))
                    ages = [i * cold_every // ng for i in range(ng)]
                else:
                    y, st, n = refresh_pass(m, d, st, ages, cold_every)
                t += time.perf_counter() - t0
                ps.append(data.psnr(y, c))
                stages.append(n)
            row[f"1/cold{cold_every}"] = {"psnr": float(np.mean(ps)), "psnr_last": float(ps[-1]),
                                          "stages": float(np.mean(stages)), "ms_per_frame": 1000 * t / len(fr),
                                          "psnr_per_frame": [round(float(p), 2) for p in ps]}
        out[m.name] = row
    return {"clip": os.path.basename(path), "frames": len(fr), "size": list(fr[0].shape[:2]),
            "degradation": f"fixed haze (beta 0.7) + fresh Gaussian noise sigma {sigma} per frame",
            "input_psnr": float(np.mean([data.psnr(d, c) for d, c in zip(deg, fr)])), "models": out}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", nargs="*", default=None, help="TorchScript files (default: all in resources)")
    ap.add_argument("--crop", type=int, default=256)
    ap.add_argument("--seed", type=int, default=777)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--quick", action="store_true", help="fewer baseline strengths, shorter clip")
    ap.add_argument("--clip", default="/work/shared/data/videos/nodeopencv_motion.mov")
    ap.add_argument("--warm-frames", type=int, default=30,
                    help="consecutive clip frames of the warm-start measurement (PSNR per frame in results.json)")
    ap.add_argument("--cold-every", type=int, default=60,
                    help="also measure warm k=1 with tiles restarting cold every N frames (pipeline.coldEvery); 0: no")
    ap.add_argument("--out", default=OUT)
    ap.add_argument("--picture", default="scipy_face.png", help="val photo shown in comparison.jpg")
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    os.makedirs(a.out, exist_ok=True)
    pts = a.models if a.models else sorted(glob.glob(os.path.join(RES, "*.pt")))
    models = [TiledModel(p) for p in pts]
    vimgs = data.load_set("val")
    names = data.load_split()["val"]
    cleans = []
    pic_index = 0
    for name, im in zip(names, vimgs):
        if name == a.picture:
            pic_index = len(cleans)
        h, w = im.shape[:2]
        c = a.crop
        if min(h, w) < c:
            continue
        cleans.append(np.ascontiguousarray(im[(h - c) // 2:(h - c) // 2 + c, (w - c) // 2:(w - c) // 2 + c]))
    results = {"set": f"val split ({len(cleans)} photos), centre {a.crop}x{a.crop} crops", "seed": a.seed,
               "rows": {}}
    # strength grids reach past the best value of every noise row where the filter allows it
    hq = [4, 8, 14, 20, 30, 45, 60] if not a.quick else [6, 12]
    nl = [3, 5, 8, 12, 18, 26, 30] if not a.quick else [5, 10]     # FFmpeg caps nlmeans s at 30
    sample = {}
    # the FFmpeg baselines do not depend on the models: cached per (crop, seed, set, row, strengths)
    cache_path = os.path.join(a.out, "baselines_cache.json")
    cache = json.load(open(cache_path)) if os.path.exists(cache_path) else {}
    for ri, row in enumerate(ROWS):
        rng = np.random.default_rng(a.seed + 101 * ri)
        if row == "h264":
            degs = h264_roundtrip(cleans)
        else:
            degs = [dg.degrade(c, rng, dg.EVAL_CONDITIONS[row]) for c in cleans]
        r = {"input": metrics(degs, cleans)} if row != "clean" else {}   # clean: the input is the reference
        if row.startswith("noise"):
            key = f"{a.crop}|{a.seed}|{len(cleans)}|{row}|{hq}|{nl}"
            if key not in cache:
                best = None
                for s in hq:
                    m_ = metrics(ffmpeg_filter(degs, f"hqdn3d={s}:{s * 0.75:.2f}:0:0"), cleans)
                    if best is None or m_[0] > best[0][0]:
                        best = (m_, f"hqdn3d={s}:{s * 0.75:.2f}:0:0")
                best_nl = None
                for s in nl:
                    m_ = metrics(ffmpeg_filter(degs, f"nlmeans=s={s}"), cleans)
                    if best_nl is None or m_[0] > best_nl[0][0]:
                        best_nl = (m_, f"nlmeans=s={s}")
                cache[key] = {"ffmpeg hqdn3d (best)": list(best[0]) + [best[1]],
                              "ffmpeg nlmeans (best)": list(best_nl[0]) + [best_nl[1]]}
                with open(cache_path, "w") as f:
                    json.dump(cache, f, indent=1)
            r.update(cache[key])
        pic = {"clean": cleans[pic_index], "input": degs[pic_index], "baseline": None}
        if row.startswith("noise"):
            vf = r["ffmpeg nlmeans (best)"][2]
            pic["baseline"] = (ffmpeg_filter([degs[pic_index]], vf)[0], "FFmpeg " + vf)
        if "haze" in row:
            dcp = [dark_channel_prior(d) for d in degs]
            pic["baseline"] = (dcp[pic_index], "dark channel prior")
            r["dark channel prior"] = metrics(dcp, cleans)
            # the same prior on each 128 px tile alone (airlight per tile): what a tile-local dehazer can reach,
            # which is all the network sees of a frame
            r["dark channel prior, 128 px tiles"] = metrics([tiled_dcp(d, 128) for d in degs], cleans)
        for m in models:
            outs = [m(d)[0] for d in degs]
            r[m.name] = metrics(outs, cleans)
            pic[m.name] = outs[pic_index]
        if row != "clean":     # input = clean = what the model should return: nothing to see in a picture
            sample[row] = pic
        results["rows"][row] = r
        print(row, " | ".join(f"{k}: {v[0]:.2f} dB / {v[1]:.3f}" for k, v in r.items()), flush=True)
    results["warm_start"] = warm_start_clip(models, a.clip, 12 if a.quick else a.warm_frames,
                                             cold_every=a.cold_every)
    print(json.dumps(results["warm_start"], indent=1), flush=True)
    with open(os.path.join(a.out, "results.json"), "w") as f:
        json.dump(results, f, indent=1)
    # markdown
    cols = []
    for r in results["rows"].values():
        for k in r:
            if k not in cols:
                cols.append(k)
    md = [f"# Evaluation ({results['set']}, seed {a.seed})", "", "PSNR dB / SSIM on RGB in [0,1].", "",
          "| degradation | " + " | ".join(cols) + " |", "|---" * (len(cols) + 1) + "|"]
    for row, r in results["rows"].items():
        cells = []
        for c in cols:
            if c in r:
                v = r[c]
                cells.append(f"{v[0]:.2f} / {v[1]:.3f}" + (f" ({v[2]})" if len(v) > 2 else ""))
            else:
                cells.append("")
        md.append(f"| {row} | " + " | ".join(cells) + " |")
    ws = results["warm_start"]
    md += ["", f"## Warm start: {ws['clip']}, {ws['frames']} consecutive frames {ws['size']}, {ws['degradation']}",
           f"Input PSNR {ws['input_psnr']:.2f} dB.", "", "| model | mode | PSNR (mean) | PSNR (last frame) | stages run | ms/frame |",
           "|---|---|---|---|---|---|"]
    by_name = {m.name: m for m in models}
    for mn, rows in ws["models"].items():
        temporal = bool(by_name[mn].meta.get("temporal"))
        for k, v in rows.items():
            mode = ("cold (all K)" if k == "cold" else
                    "with the history (the video network's temporal filter)" if temporal else
                    f"warm k=1 + still tiles ({100 * v['still_share']:.0f}% of tiles still)" if k == "1+still" else
                    f"warm k=1, each tile cold every {k[6:]} frames" if k.startswith("1/cold") else f"warm k={k}")
            md.append(f"| {mn} | {mode} | {v['psnr']:.2f} | {v['psnr_last']:.2f} | {v['stages']:.1f} | {v['ms_per_frame']:.0f} |")
    with open(os.path.join(a.out, "results.md"), "w") as f:
        f.write("\n".join(md) + "\n")
    # comparison picture: one row per degradation: input | classical baseline | models... | clean, labelled
    if sample:
        tiles = []
        for row, d in sample.items():
            blank = np.full_like(d["clean"], 0.5)
            cells = [(d["input"], f"{row}: input")]
            cells.append(d["baseline"] if d["baseline"] is not None else (blank, "no classical baseline"))
            cells += [(d[m.name], m.name) for m in models if m.name in d]
            cells.append((d["clean"], "clean"))
            tiles.append(np.concatenate([labelled(im, text) for im, text in cells], axis=1))
        pic = np.concatenate(tiles, axis=0)
        # JPEG at q 92: a seventh of the PNG's size, and its artefacts sit far below the noise and rain shown
        cv2.imwrite(os.path.join(a.out, "comparison.jpg"), cv2.cvtColor(pic, cv2.COLOR_RGB2BGR),
                    [cv2.IMWRITE_JPEG_QUALITY, 92])
    print("\n".join(md))
    print(f"wrote {a.out}/results.json, results.md, comparison.jpg ({a.picture}: input | baseline | models | clean; "
          f"rows {list(sample)})")


if __name__ == "__main__":
    main()
