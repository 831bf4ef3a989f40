"""Video training data: chains of consecutive frames with fresh noise and rain every frame and one haze per chain.

Sources of motion, mixed per chain:
  - real clips of ../shared/data/videos (split by file, `VIDEO_SPLIT`), a random crop followed through
    consecutive frames, sometimes every other frame (faster motion), sometimes frozen (a still camera);
  - photos of the image train split moved synthetically: still, a slow pan, a zoom, or a still background with
    a patch of another photo moving across it (an object passing a fixed camera);
  - a scene cut inside a chain now and then, so the fusion learns to drop a previous frame that does not match.
Chains outlive a training step (ChainSampler keeps a pool), so the fusion also sees the previous outputs of long
recursions, as a fixed camera produces them, not only of the first few frames.
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


def _bounce(x: float, lo: float, hi: float) -> float:
    """x folded into [lo, hi] (a motion that turns back at the edges instead of leaving the picture)."""
    span = max(hi - lo, 1e-6)
    t = (x - lo) % (2 * span)
    return lo + (t if t <= span else 2 * span - t)


class PhotoScene:
    """A photo under synthetic motion, frame after frame: still, a pan, a zoom, or a still background with a patch
    of another photo moving across it (an object passing a fixed camera)."""

    def __init__(self, img: np.ndarray, other: np.ndarray, size: int, rng: np.random.Generator):
        h, w = img.shape[:2]
        if min(h, w) < size + 64:
            f = (size + 64) / min(h, w)
            img = cv2.resize(img, (int(np.ceil(w * f)), int(np.ceil(h * f))), interpolation=cv2.INTER_CUBIC)
            h, w = img.shape[:2]
        self.img, self.size, self.w, self.h = img, size, w, h
        self.kind = rng.choice(["still", "pan", "zoom", "object"], p=[0.35, 0.3, 0.1, 0.25])
        speed = float(rng.choice([0.3, 1.0, 2.5, 5.0], p=[0.3, 0.35, 0.25, 0.1])) if self.kind == "pan" else 0.0
        ang = rng.uniform(0, 2 * np.pi)
        self.vx, self.vy = speed * np.cos(ang), speed * np.sin(ang)
        self.cx, self.cy = rng.uniform(size / 2, w - size / 2), rng.uniform(size / 2, h - size / 2)
        self.zoom = rng.uniform(-0.01, 0.01) if self.kind == "zoom" else 0.0
        if self.kind == "object":
            self.ps = int(rng.integers(size // 5, size // 2))
            self.patch = data.random_crop(other, self.ps, rng)
            ov, oa = rng.uniform(1.0, 6.0), rng.uniform(0, 2 * np.pi)
            self.ov = (ov * np.cos(oa), ov * np.sin(oa))
            self.o0 = (rng.uniform(0, size - self.ps), rng.uniform(0, size - self.ps))

    def frame(self, i: int) -> np.ndarray:
        s = self.size
        cx = _bounce(self.cx + self.vx * i, s / 2, self.w - s / 2)
        cy = _bounce(self.cy + self.vy * i, s / 2, self.h - s / 2)
        f = _warp(self.img, s, cx, cy, 1.0 + _bounce(self.zoom * i, -0.25, 0.25))
        if self.kind == "object":
            x0 = int(round(_bounce(self.o0[0] + self.ov[0] * i, 0, s - self.ps)))
            y0 = int(round(_bounce(self.o0[1] + self.ov[1] * i, 0, s - self.ps)))
            f = f.copy()
            f[y0:y0 + self.ps, x0:x0 + self.ps] = self.patch
        return f


class ClipScene:
    """A fixed window of a real clip: consecutive frames, every other frame, or one frame frozen (a still camera);
    at the clip's ends the motion runs backwards."""

    def __init__(self, clip: np.ndarray, size: int, rng: np.random.Generator):
        self.clip, self.size = clip, size
        N, h, w = clip.shape[:3]
        mode = rng.choice(["run", "skip", "frozen"], p=[0.55, 0.2, 0.25])
        self.step = {"run": 1, "skip": 2, "frozen": 0}[mode]
        self.start = int(rng.integers(0, N))
        self.y = int(rng.integers(0, max(1, h - size + 1)))
        self.x = int(rng.integers(0, max(1, w - size + 1)))
        self.flip = rng.random() < 0.5

    def frame(self, i: int) -> np.ndarray:
        N = self.clip.shape[0]
        j = int(_bounce(self.start + self.step * i, 0, N - 1)) if N > 1 else 0
        f = self.clip[j, self.y:self.y + self.size, self.x:self.x + self.size].astype(np.float32) / 255.0
        if f.shape[0] < self.size or f.shape[1] < self.size:
            f = cv2.resize(f, (self.size, self.size), interpolation=cv2.INTER_CUBIC)
        return np.ascontiguousarray(f[:, ::-1]) if self.flip else f


def degrade_frame(f: np.ndarray, spec: Dict, depth, rng: np.random.Generator) -> np.ndarray:
    """One frame of a chain: the chain's haze (its depth field), then rain and noise drawn fresh, then compression."""
    d = f
    if depth is not None:
        d = dg.add_haze(d, rng, spec["haze"], depth)
    if spec.get("rain"):
        d = dg.add_rain(d, rng, spec["rain"])
    if spec.get("noise"):
        d = dg.add_noise(d, rng, spec["noise"], spec.get("signal_dep", 0.0))
    if spec.get("jpeg"):
        d = dg.jpeg(d, spec["jpeg"])
    return d


def degrade_chain(frames: List[np.ndarray], spec: Dict, rng: np.random.Generator) -> List[np.ndarray]:
    """One haze for the chain (same depth field and airlight), rain and noise drawn fresh for every frame."""
    h, w = frames[0].shape[:2]
    depth = dg.depth_field(h, w, rng) if spec.get("haze") else None
    return [degrade_frame(f, spec, depth, rng) for f in frames]


class Chain:
    """One training sequence: a scene, its degradation (one haze, rain and noise fresh every frame) and how many
    frames it lives. Frames come in segments; the service's recursion runs for thousands of frames, so a chain
    outlives one training step and its previous output is carried (detached) from one step to the next."""

    def __init__(self, scene, spec: Dict, life: int, rng: np.random.Generator):
        self.scene, self.spec, self.life, self.t = scene, spec, life, 0
        self.depth = dg.depth_field(scene.size, scene.size, rng) if spec.get("haze") else None

    def segment(self, n: int, rng: np.random.Generator) -> List[Tuple[np.ndarray, np.ndarray]]:
        out = []
        for _ in range(n):
            c = self.scene.frame(self.t)
            out.append((c, degrade_frame(c, self.spec, self.depth, rng)))
            self.t += 1
        return out


class ChainSampler:
    """A pool of `batch` chains advanced `n` frames per call. Returns (clean, degraded, fresh): lists of n float32
    [B, 3, size, size] arrays, oldest first, and a [B] bool array, true where the chain started in this call (its
    first frame has no previous output). A chain lives 6 to 96 frames; now and then its scene is swapped mid-life
    (a scene cut: the previous output no longer matches)."""

    LIVES = (6, 12, 24, 48, 96)

    def __init__(self, clips: List[np.ndarray], images: List[np.ndarray], size: int, batch: int, n: int, seed: int,
                 clip_share: float = 0.45, cut_share: float = 0.03):
        self.clips, self.images = clips, images
        self.size, self.batch, self.n = size, batch, n
        self.clip_share, self.cut_share = clip_share, cut_share
        self.rng = np.random.default_rng(seed)
        self.pool: List = [None] * batch

    def _scene(self):
        r = self.rng
        if self.clips and r.random() < self.clip_share:
            return ClipScene(self.clips[int(r.integers(len(self.clips)))], self.size, r)
        a = self.images[int(r.integers(len(self.images)))]
        b = self.images[int(r.integers(len(self.images)))]
        return PhotoScene(a, b, self.size, r)

    def next(self):
        clean = [[] for _ in range(self.n)]
        noisy = [[] for _ in range(self.n)]
        fresh = np.zeros(self.batch, bool)
        for b in range(self.batch):
            ch = self.pool[b]
            if ch is None or ch.t >= ch.life:
                ch = Chain(self._scene(), dg.random_spec(self.rng), int(self.rng.choice(self.LIVES)), self.rng)
                self.pool[b] = ch
                fresh[b] = True
            elif self.rng.random() < self.cut_share:
                ch.scene = self._scene()
            for i, (c, d) in enumerate(ch.segment(self.n, self.rng)):
                clean[i].append(c.transpose(2, 0, 1))
                noisy[i].append(d.transpose(2, 0, 1))
        return ([np.stack(c).astype(np.float32) for c in clean], [np.stack(d).astype(np.float32) for d in noisy],
                fresh)


def val_chains(clips: List[np.ndarray], photos: List[np.ndarray], size: int = 128, n: int = 24, seed: int = 4321
               ) -> Dict[str, Tuple[np.ndarray, np.ndarray]]:
    """Fixed validation chains of n frames: the centre crop of each val clip under sigma-25 noise and under haze + rain
    + sigma-15 noise, and val photos held still (a fixed camera) under sigma-25 noise. Returns name -> (clean
    [n, B, 3, s, s], degraded [n, B, 3, s, s])."""
    out = {}
    views = [[clip[min(i, clip.shape[0] - 1), (clip.shape[1] - size) // 2:(clip.shape[1] - size) // 2 + size,
                   (clip.shape[2] - size) // 2:(clip.shape[2] - size) // 2 + size].astype(np.float32) / 255.0
              for i in range(n)] for clip in clips]
    stills = [[p] * n for p in data.centre_crops(photos, size)]
    for ci, (name, spec, seqs) in enumerate([("clips noise25", {"noise": 25.0}, views),
                                             ("clips haze+rain+noise", {"haze": True, "rain": True, "noise": 15.0}, views),
                                             ("still noise25", {"noise": 25.0}, stills)]):
        rng = np.random.default_rng(seed + ci)
        cl, dgd = [], []
        for frames in seqs:
            s = dict(spec)
            if s.get("haze"):
                s["haze"] = dg.haze_params(rng)
            if s.get("rain"):
                s["rain"] = dg.rain_params(rng)
            cl.append(np.stack([f.transpose(2, 0, 1) for f in frames]))
            dgd.append(np.stack([f.transpose(2, 0, 1) for f in degrade_chain(frames, s, rng)]))
        out[name] = (np.stack(cl, axis=1).astype(np.float32), np.stack(dgd, axis=1).astype(np.float32))
    return out
