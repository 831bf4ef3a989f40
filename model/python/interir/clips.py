"""Video training data: chains of consecutive frames with fresh noise and rain every frame and one haze per chain.

Sources of motion, mixed per chain:
  - real clips of ../shared/data/videos (split by file, `VIDEO_SPLIT`), a random crop followed through
    consecutive frames, sometimes every other frame (faster motion), sometimes frozen (a still camera);
  - photos of the image train split moved synthetically: still, a slow pan, a zoom, or a still background with
    a patch of another photo moving across it (an object passing a fixed camera);
  - a scene cut inside a chain now and then, so the fusion learns to drop a previous frame that does not match.
Clips that are degraded themselves (the underwater diver, the 160x120 webcam) have no clean frames and are left out.
"""
import os
from typing import Dict, List, Tuple

import cv2
import numpy as np

from . import data
from . import degrade as dg

_BESIDE_REPO = os.path.normpath(os.path.join(data.HERE, "..", "..", "..", "shared", "data", "videos"))
VIDEOS = os.environ.get("INTERIR_VIDEOS", _BESIDE_REPO if os.path.isdir(_BESIDE_REPO) else "/work/shared/data/videos")

VIDEO_SPLIT = {
    "rule": "by file; val: one fixed camera and one hand-held clip; degraded clips (no clean frames) left out",
    "train": ["imageio_cockatoo.mp4", "imageio_realshort.mp4", "opencv_vtest.avi", "mecavideo_g1.avi",
              "mecavideo_g2.avi"],
    "val": ["opencv_tree.avi", "nodeopencv_motion.mov"],
    "excluded": ["pdextendedview_diver.mov", "kphotoalbum_movie.avi"],
}


def load_clip(path: str, max_side: int = 640, max_frames: int = 400) -> np.ndarray:
    """uint8 RGB frames [N, H, W, 3], scaled down (INTER_AREA) so that the longer side is at most max_side."""
    cap = cv2.VideoCapture(path)
    frames = []
    while len(frames) < max_frames:
        ok, f = cap.read()
        if not ok:
            break
        h, w = f.shape[:2]
        if max(h, w) > max_side:
            s = max_side / max(h, w)
            f = cv2.resize(f, (int(round(w * s)), int(round(h * s))), interpolation=cv2.INTER_AREA)
        frames.append(cv2.cvtColor(f, cv2.COLOR_BGR2RGB))
    cap.release()
    if not frames:
        raise IOError("no frames in " + path)
    return np.stack(frames)


def load_clips(which: str, videos_dir: str = VIDEOS) -> List[np.ndarray]:
    return [load_clip(os.path.join(videos_dir, n)) for n in VIDEO_SPLIT[which]]


def _warp(img: np.ndarray, size: int, cx: float, cy: float, scale: float) -> np.ndarray:
    """A size x size view of img centred at (cx, cy), zoomed by `scale`, sub-pixel (bilinear)."""
    m = np.array([[scale, 0, size / 2 - scale * cx], [0, scale, size / 2 - scale * cy]], np.float32)
    return cv2.warpAffine(img, m, (size, size), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)


def photo_chain(img: np.ndarray, other: np.ndarray, size: int, n: int, rng: np.random.Generator) -> List[np.ndarray]:
    """n clean frames of a photo under synthetic motion (float32 HxWx3)."""
    h, w = img.shape[:2]
    if min(h, w) < size + 64:
        f = (size + 64) / min(h, w)
        img = cv2.resize(img, (int(np.ceil(w * f)), int(np.ceil(h * f))), interpolation=cv2.INTER_CUBIC)
        h, w = img.shape[:2]
    kind = rng.choice(["still", "pan", "zoom", "object"], p=[0.3, 0.35, 0.1, 0.25])
    speed = float(rng.choice([0.3, 1.0, 2.5, 5.0], p=[0.3, 0.35, 0.25, 0.1])) if kind == "pan" else 0.0
    ang = rng.uniform(0, 2 * np.pi)
    vx, vy = speed * np.cos(ang), speed * np.sin(ang)
    reach = size / 2 + 32 + speed * n
    cx = rng.uniform(min(reach, w / 2), max(w - reach, w / 2))
    cy = rng.uniform(min(reach, h / 2), max(h - reach, h / 2))
    zoom = rng.uniform(-0.012, 0.012) if kind == "zoom" else 0.0
    if kind == "object":
        ps = int(rng.integers(size // 5, size // 2))
        patch = data.random_crop(other, ps, rng)
        ov = rng.uniform(1.0, 6.0)
        oa = rng.uniform(0, 2 * np.pi)
        ox, oy = rng.uniform(0, size - ps), rng.uniform(0, size - ps)
    frames = []
    for i in range(n):
        f = _warp(img, size, cx + vx * i, cy + vy * i, 1.0 + zoom * i)
        if kind == "object":
            x0 = int(round(np.clip(ox + ov * np.cos(oa) * i, 0, size - ps)))
            y0 = int(round(np.clip(oy + ov * np.sin(oa) * i, 0, size - ps)))
            f = f.copy()
            f[y0:y0 + ps, x0:x0 + ps] = patch
        frames.append(f)
    return frames


def clip_chain(clip: np.ndarray, size: int, n: int, rng: np.random.Generator) -> List[np.ndarray]:
    """n clean frames: a fixed size x size window of a clip (consecutive, every other, or one frame frozen)."""
    N, h, w = clip.shape[:3]
    mode = rng.choice(["run", "skip", "frozen"], p=[0.55, 0.2, 0.25])
    step = 2 if mode == "skip" else 1
    start = int(rng.integers(0, max(1, N - step * (n - 1))))
    idx = [start] * n if mode == "frozen" else [min(N - 1, start + step * i) for i in range(n)]
    y = int(rng.integers(0, max(1, h - size + 1)))
    x = int(rng.integers(0, max(1, w - size + 1)))
    flip = rng.random() < 0.5
    out = []
    for j in idx:
        f = clip[j, y:y + size, x:x + size].astype(np.float32) / 255.0
        if f.shape[0] < size or f.shape[1] < size:
            f = cv2.resize(f, (size, size), interpolation=cv2.INTER_CUBIC)
        out.append(np.ascontiguousarray(f[:, ::-1]) if flip else f)
    return out


def degrade_chain(frames: List[np.ndarray], spec: Dict, rng: np.random.Generator) -> List[np.ndarray]:
    """One haze for the chain (same depth field and airlight), rain and noise drawn fresh for every frame."""
    h, w = frames[0].shape[:2]
    depth = dg.depth_field(h, w, rng) if spec.get("haze") else None
    out = []
    for f in frames:
        d = f
        if depth is not None:
            d = dg.add_haze(d, rng, spec["haze"], depth)
        if spec.get("rain"):
            d = dg.add_rain(d, rng, spec["rain"])
        if spec.get("noise"):
            d = dg.add_noise(d, rng, spec["noise"], spec.get("signal_dep", 0.0))
        if spec.get("jpeg"):
            d = dg.jpeg(d, spec["jpeg"])
        out.append(d)
    return out


class ChainSampler:
    """Batches of chains: a list of n (clean, degraded) pairs of float32 [B, 3, size, size] arrays, oldest first."""

    def __init__(self, clips: List[np.ndarray], images: List[np.ndarray], size: int, batch: int, n: int, seed: int,
                 clip_share: float = 0.45, cut_share: float = 0.05):
        self.clips = clips
        self.images = images
        self.size = size
        self.batch = batch
        self.n = n
        self.clip_share = clip_share
        self.cut_share = cut_share
        self.rng = np.random.default_rng(seed)

    def _frames(self) -> List[np.ndarray]:
        r = self.rng
        if self.clips and r.random() < self.clip_share:
            return clip_chain(self.clips[int(r.integers(len(self.clips)))], self.size, self.n, r)
        a = self.images[int(r.integers(len(self.images)))]
        b = self.images[int(r.integers(len(self.images)))]
        return photo_chain(a, b, self.size, self.n, r)

    def next(self) -> List[Tuple[np.ndarray, np.ndarray]]:
        clean = [[] for _ in range(self.n)]
        noisy = [[] for _ in range(self.n)]
        for _ in range(self.batch):
            frames = self._frames()
            if self.rng.random() < self.cut_share:
                cut = int(self.rng.integers(1, self.n))
                frames = frames[:cut] + self._frames()[:self.n - cut]
            spec = dg.random_spec(self.rng)
            for i, (c, d) in enumerate(zip(frames, degrade_chain(frames, spec, self.rng))):
                clean[i].append(c.transpose(2, 0, 1))
                noisy[i].append(d.transpose(2, 0, 1))
        return [(np.stack(c).astype(np.float32), np.stack(d).astype(np.float32)) for c, d in zip(clean, noisy)]


def val_chains(clips: List[np.ndarray], size: int = 128, n: int = 24, seed: int = 4321
               ) -> Dict[str, Tuple[np.ndarray, np.ndarray]]:
    """Fixed validation chains: the centre crop of each val clip's first n frames, under sigma-25 noise and under
    haze + rain + sigma-15 noise. Returns name -> (clean [n, B, 3, s, s], degraded [n, B, 3, s, s])."""
    out = {}
    for ci, (name, spec) in enumerate([("noise25", {"noise": 25.0}),
                                       ("haze+rain+noise", {"haze": True, "rain": True, "noise": 15.0})]):
        rng = np.random.default_rng(seed + ci)
        cl, dgd = [], []
        for clip in clips:
            N, h, w = clip.shape[:3]
            y, x = (h - size) // 2, (w - size) // 2
            frames = [clip[min(i, N - 1), y:y + size, x:x + size].astype(np.float32) / 255.0 for i in range(n)]
            s = dict(spec)
            if s.get("haze"):
                s["haze"] = dg.haze_params(rng)
            if s.get("rain"):
                s["rain"] = dg.rain_params(rng)
            cl.append(np.stack([f.transpose(2, 0, 1) for f in frames]))
            dgd.append(np.stack([f.transpose(2, 0, 1) for f in degrade_chain(frames, s, rng)]))
        out[name] = (np.stack(cl, axis=1), np.stack(dgd, axis=1))
    return out
