"""Video evaluation: PSNR of every frame of moving clips, the model with and without its temporal path against
FFmpeg's nlmeans and hqdn3d on the same frames, and the speed of each.

    cd model/python && /usr/bin/python3 -m interir.evaluate_video            # the shipped live.pt
    /usr/bin/python3 -m interir.evaluate_video --models a.pt b.pt --frames 60 --out /tmp/ev

Clips (none of them seen in training; clips.VIDEO_SPLIT and split.json):
  fixed camera   opencv_tree.avi, a tree in the wind before a still background (320x240, 68 frames)
  hand-held      nodeopencv_motion.mov, a coin and a pen filmed by hand (568x320)
  slow pan       a val photo panned by 1 px a frame at 640x360
  still + object a val photo as a fixed camera's view, another val photo's patch moving across it, 640x360
Degradations, drawn fresh for every frame (the haze is one per clip): noise sigma 25; haze + rain + sigma-15 noise.
Every degraded frame is rounded to 8 bits, as a camera delivers it, before any method sees it.

Per clip and degradation: the mean PSNR, the first and the last second (30 frames), the worst frame; warm (the
state fed forward, as the service runs it) and cold (every frame on its own); nlmeans=s=18 and
hqdn3d=12:9:20:20 (FFmpeg CLI); frames per second of each (the model at --threads, FFmpeg with its own threads).
The gate a model must pass to ship: warm at least as good as cold (within 0.1 dB) on every clip, no frame below
its input, no frame more than 3 dB below both its neighbours.
Writes <out>/results.md, results.json, frames.png (PSNR per frame) and picture.jpg (input | nlmeans | ours | clean);
FFmpeg's per-frame results are kept in <out>/baselines/ for the next run (its speed is timed every run).
"""
import argparse
import json
import os
import subprocess
import time
from typing import Dict, List

import cv2
import numpy as np
import torch

from . import clips, data
from . import degrade as dg
from .evaluate import RES, TiledModel

OUT = os.path.join(data.HERE, "eval", "video")
CONDITIONS = {"noise25": {"noise": 25.0}, "haze+rain+noise": {"haze": True, "rain": True, "noise": 15.0}}
BASELINES = {"nlmeans": "nlmeans=s=18", "hqdn3d": "hqdn3d=12:9:20:20"}
SECOND = 30
# the evaluation clips, in the order whose positions seed their degradations (1000 * position + condition)
CLIPS = ["fixed camera", "hand-held", "slow pan", "still + object"]


def _u8(f: np.ndarray) -> np.ndarray:
    return (np.clip(f, 0, 1) * 255 + 0.5).astype(np.uint8)


def clip_frames(name: str, n: int) -> List[np.ndarray]:
    """The clean frames of one evaluation clip, uint8 RGB."""
    if name == "fixed camera":
        return list(clips.load_clip(os.path.join(clips.VIDEOS, "opencv_tree.avi"), max_frames=n))
    if name == "hand-held":
        return list(clips.load_clip(os.path.join(clips.VIDEOS, "nodeopencv_motion.mov"), max_frames=n))
    val = data.load_split()["val"]
    img = data.load_image(os.path.join(data.IMAGES, val[9 if name == "slow pan" else 5]), max_side=2048)
    h, w = img.shape[:2]
    f = max(760 / w, 460 / h)
    if f > 1:
        img = cv2.resize(img, (int(np.ceil(w * f)), int(np.ceil(h * f))), interpolation=cv2.INTER_CUBIC)
    h, w = img.shape[:2]
    frames = []
    if name == "slow pan":
        for i in range(n):
            x0 = (w - 640) / 2 - n / 2 + i
            m = np.float32([[1, 0, -x0], [0, 1, -(h - 360) / 2]])
            frames.append(_u8(cv2.warpAffine(img, m, (640, 360), flags=cv2.INTER_LINEAR)))
        return frames
    other = data.load_image(os.path.join(data.IMAGES, val[2]))
    bg = img[(h - 360) // 2:(h - 360) // 2 + 360, (w - 640) // 2:(w - 640) // 2 + 640]
    patch = cv2.resize(other, (96, 96), interpolation=cv2.INTER_AREA)
    for i in range(n):
        f = bg.copy()
        x0 = int(20 + (640 - 136) * (0.5 - 0.5 * np.cos(2 * np.pi * i / 90)))
        y0 = int(130 + 80 * np.sin(2 * np.pi * i / 60))
        f[y0:y0 + 96, x0:x0 + 96] = patch
        frames.append(_u8(f))
    return frames


def degrade_frames(frames: List[np.ndarray], cond: str, seed: int) -> List[np.ndarray]:
    rng = np.random.default_rng(seed)
    spec = dict(CONDITIONS[cond])
    if spec.get("haze"):
        spec["haze"] = dg.haze_params(rng)
    if spec.get("rain"):
        spec["rain"] = dg.rain_params(rng)
    clean = [f.astype(np.float32) / 255 for f in frames]
    return [_u8(d) for d in clips.degrade_chain(clean, spec, rng)]


def ffmpeg_filter(frames: List[np.ndarray], vf: str):
    """(filtered frames, frames per second) of an FFmpeg filter over raw RGB frames piped in and out."""
    h, w = frames[0].shape[:2]
    t0 = time.time()
    p = subprocess.run(["ffmpeg", "-v", "error", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{w}x{h}", "-i", "-",
                        "-vf", vf, "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
                       input=b"".join(f.tobytes() for f in frames), capture_output=True, check=True)
    fps = len(frames) / (time.time() - t0)
    out = np.frombuffer(p.stdout, np.uint8).reshape(len(frames), h, w, 3)
    return list(out), fps


class BaselineCache:
    """FFmpeg's results depend only on the frames: per-frame PSNR and the last frame are kept between runs (keyed by
    clip, degradation, frame count and filter), so comparing models does not rerun nlmeans for minutes."""

    def __init__(self, folder: str):
        self.folder = folder
        self.index = os.path.join(folder, "index.json")
        os.makedirs(folder, exist_ok=True)
        self.entries = json.load(open(self.index)) if os.path.exists(self.index) else {}

    def get(self, key):
        e = self.entries.get(key)
        if e is None:
            return None
        last = cv2.cvtColor(cv2.imread(os.path.join(self.folder, e["last"])), cv2.COLOR_BGR2RGB)
        return e["psnr"], last

    def put(self, key, ps, last):
        name = "".join(ch if ch.isalnum() else "_" for ch in key) + ".png"
        cv2.imwrite(os.path.join(self.folder, name), cv2.cvtColor(last, cv2.COLOR_RGB2BGR))
        self.entries[key] = dict(psnr=ps, last=name)
        with open(self.index, "w") as f:
            json.dump(self.entries, f)


def baseline(noisy, clean, vf, key, cache: BaselineCache):
    """(per-frame PSNR, fps, last output frame) of an FFmpeg filter; the speed is timed afresh on the first 30
    frames every run (this machine's speed varies), the quality comes from the cache when it has it."""
    hit = cache.get(key)
    if hit is None:
        outs, _ = ffmpeg_filter(noisy, vf)
        ps = psnrs(outs, clean)
        cache.put(key, ps, outs[-1])
        hit = (ps, outs[-1])
    _, fps = ffmpeg_filter(noisy[:SECOND], vf)
    return hit[0], fps, hit[1]


def run_model(m: TiledModel, frames: List[np.ndarray], warm: bool):
    """(restored frames as uint8, frames per second): warm carries each tile's state to the next frame."""
    outs = []
    state = None
    # a temporal network runs every stage; a single-frame one chains the warm k it recommends
    k = m.meta.get("stages", 4) if m.meta.get("temporal") else m.meta.get("recommended", {}).get("warmK", 1)
    t0 = time.time()
    for f in frames:
        y, st, _ = m(f.astype(np.float32) / 255, state if warm else None, k)
        state = st
        outs.append(_u8(y))
    return outs, len(frames) / (time.time() - t0)


def psnrs(outs, cleans) -> List[float]:
    return [data.psnr(o.astype(np.float32) / 255, c.astype(np.float32) / 255) for o, c in zip(outs, cleans)]


def summary(ps: List[float]) -> Dict:
    return dict(mean=float(np.mean(ps)), first=float(np.mean(ps[:SECOND])), last=float(np.mean(ps[-SECOND:])),
                worst=float(np.min(ps)), worst_frame=int(np.argmin(ps)))


def gate(warm: List[float], cold: List[float], inp: List[float]) -> Dict:
    """The shipping gate of one clip: warm vs cold, frames below the input, frames 3 dB below both neighbours."""
    below = [i for i, (w, x) in enumerate(zip(warm, inp)) if w < x]
    dips = [i for i in range(1, len(warm) - 1) if warm[i] < min(warm[i - 1], warm[i + 1]) - 3.0]
    ok = np.mean(warm) >= np.mean(cold) - 0.1 and not below and not dips
    return dict(warm_minus_cold=float(np.mean(warm) - np.mean(cold)), below_input=below, dips=dips, passed=bool(ok))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", nargs="*", default=[os.path.join(RES, "live.pt")])
    ap.add_argument("--frames", type=int, default=150)
    ap.add_argument("--clips", nargs="*", default=CLIPS)
    ap.add_argument("--conditions", nargs="*", default=list(CONDITIONS))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--no-baselines", action="store_true")
    ap.add_argument("--out", default=OUT)
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    os.makedirs(a.out, exist_ok=True)
    models = [TiledModel(p) for p in a.models]
    cache = BaselineCache(os.path.join(a.out, "baselines"))
    results = []
    curves = {}
    picture = None
    for ci, clip in enumerate(a.clips):
        clean = clip_frames(clip, a.frames)
        for di, cond in enumerate(a.conditions):
            noisy = degrade_frames(clean, cond, seed=1000 * ci + di)
            inp = psnrs(noisy, clean)
            row = dict(clip=clip, condition=cond, frames=len(clean), size=f"{clean[0].shape[1]}x{clean[0].shape[0]}",
                       input=summary(inp), methods={})
            curves[(clip, cond)] = {"input": inp}
            if not a.no_baselines:
                for bname, vf in BASELINES.items():
                    ps, fps, last = baseline(noisy, clean, vf, f"{clip}|{cond}|{len(clean)}|{bname}", cache)
                    row["methods"][bname] = dict(summary(ps), fps=fps)
                    curves[(clip, cond)][bname] = ps
                    if bname == "nlmeans" and clip == "still + object" and cond == "noise25":
                        nl_frame = last
            for m in models:
                warm_outs, wfps = run_model(m, noisy, warm=True)
                cold_outs, cfps = run_model(m, noisy, warm=False)
                w, c = psnrs(warm_outs, clean), psnrs(cold_outs, clean)
                row["methods"][m.name] = dict(summary(w), fps=wfps, gate=gate(w, c, inp))
                row["methods"][m.name + " cold"] = dict(summary(c), fps=cfps)
                curves[(clip, cond)][m.name] = w
                curves[(clip, cond)][m.name + " cold"] = c
                if m is models[0] and clip == "still + object" and cond == "noise25" and not a.no_baselines:
                    picture = (noisy[-1], nl_frame, warm_outs[-1], clean[-1])
            row["perFrame"] = curves[(clip, cond)]
            results.append(row)
            print(json.dumps(row), flush=True)
    with open(os.path.join(a.out, "results.json"), "w") as f:
        json.dump(results, f, indent=1)
    write_table(results, os.path.join(a.out, "results.md"), a)
    plot(curves, os.path.join(a.out, "frames.png"))
    if picture is not None:
        write_picture(picture, os.path.join(a.out, "picture.jpg"))
    print(open(os.path.join(a.out, "results.md")).read())


def write_table(results, path, a):
    names = []
    for r in results:
        for k in r["methods"]:
            if k not in names:
                names.append(k)
    lines = ["PSNR dB per frame, mean (first second / last second / worst frame); fps of each method on this machine.",
             "Command: `cd model/python && /usr/bin/python3 -m interir.evaluate_video " +
             " ".join(f"--models {os.path.basename(m)}" for m in a.models) + f" --frames {a.frames} --threads {a.threads}`",
             "(the models' fps: Python at --threads; FFmpeg with its own threads)", "",
             "| clip | degradation | input | " + " | ".join(names) + " | gate |",
             "|---" * (4 + len(names)) + "|"]
    for r in results:
        cells = []
        for n in names:
            m = r["methods"].get(n)
            cells.append("" if m is None else
                         f"**{m['mean']:.2f}** ({m['first']:.1f} / {m['last']:.1f} / {m['worst']:.1f}), {m['fps']:.1f} fps")
        gates = [m["gate"] for m in r["methods"].values() if "gate" in m]
        g = " ".join("pass" if x["passed"] else
                     f"FAIL (warm-cold {x['warm_minus_cold']:+.2f}, below input {len(x['below_input'])}, "
                     f"dips {len(x['dips'])})" for x in gates)
        lines.append(f"| {r['clip']} ({r['size']}, {r['frames']} fr) | {r['condition']} | {r['input']['mean']:.2f} | "
                     + " | ".join(cells) + f" | {g} |")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def plot(curves, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    n = len(curves)
    fig, axes = plt.subplots((n + 1) // 2, 2, figsize=(13, 3.2 * ((n + 1) // 2)), squeeze=False)
    for ax, ((clip, cond), series) in zip(axes.flat, curves.items()):
        for name, ps in series.items():
            ax.plot(ps, label=name, lw=1.0, ls="--" if name.endswith("cold") else "-")
        ax.set_title(f"{clip}, {cond}", fontsize=9)
        ax.set_xlabel("frame", fontsize=8)
        ax.set_ylabel("PSNR dB", fontsize=8)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=90)


def write_picture(parts, path):
    """input | nlmeans | ours | clean, a 256x192 crop around the moving object, labelled."""
    crops = []
    for img, label in zip(parts, ["input (sigma 25)", "FFmpeg nlmeans", "InterIR video", "clean"]):
        c = cv2.resize(img[84:276, 192:448], (384, 288), interpolation=cv2.INTER_NEAREST)
        c = cv2.cvtColor(c, cv2.COLOR_RGB2BGR)
        cv2.rectangle(c, (0, 0), (384, 26), (0, 0, 0), -1)
        cv2.putText(c, label, (8, 19), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (255, 255, 255), 1, cv2.LINE_AA)
        crops.append(c)
    cv2.imwrite(path, np.concatenate(crops, axis=1), [cv2.IMWRITE_JPEG_QUALITY, 90])


if __name__ == "__main__":
    main()
