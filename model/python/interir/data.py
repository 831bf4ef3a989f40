"""Data: the fixed train/val split of /work/shared/data/images, random degraded crops, the fixed val set."""
import json
import os
from typing import Dict, List, Tuple

import cv2
import numpy as np

from . import degrade as dg

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# shared/ lies beside the repository (../shared from its root); INTERIR_IMAGES overrides
_BESIDE_REPO = os.path.normpath(os.path.join(HERE, "..", "..", "..", "shared", "data", "images"))
IMAGES = os.environ.get("INTERIR_IMAGES", _BESIDE_REPO if os.path.isdir(_BESIDE_REPO) else "/work/shared/data/images")
SPLIT_JSON = os.path.join(HERE, "split.json")
MAX_SIDE = 1024  # the 2560x1600 wallpapers are downscaled (INTER_AREA) so crops hold some structure
EXTS = (".png", ".jpg", ".jpeg", ".bmp", ".ppm", ".tif", ".tiff", ".webp", ".pgm")


def make_split(images_dir: str = IMAGES) -> Dict[str, List[str]]:
    """Sorted file names; every 7th (index 3, 10, 17, ...) goes to val, nothing is excluded."""
    names = sorted(f for f in os.listdir(images_dir) if f.lower().endswith(EXTS))
    val = [n for i, n in enumerate(names) if i % 7 == 3]
    train = [n for i, n in enumerate(names) if i % 7 != 3]
    return {"rule": "sorted(file names); index % 7 == 3 -> val, else train; nothing excluded",
            "source": images_dir, "train": train, "val": val}


def load_split(path: str = SPLIT_JSON) -> Dict[str, List[str]]:
    if not os.path.exists(path):
        with open(path, "w") as f:
            json.dump(make_split(), f, indent=1)
    with open(path) as f:
        return json.load(f)


def load_image(path: str, max_side: int = MAX_SIDE) -> np.ndarray:
    """RGB float32 [0,1] HxWx3 (grayscale files become 3 equal channels)."""
    im = cv2.imread(path, cv2.IMREAD_COLOR)
    if im is None:
        raise IOError(path)
    h, w = im.shape[:2]
    if max(h, w) > max_side:
        f = max_side / max(h, w)
        im = cv2.resize(im, (int(round(w * f)), int(round(h * f))), interpolation=cv2.INTER_AREA)
    return cv2.cvtColor(im, cv2.COLOR_BGR2RGB).astype(np.float32) / 255.0


def load_set(which: str, images_dir: str = IMAGES) -> List[np.ndarray]:
    sp = load_split()
    return [load_image(os.path.join(images_dir, n)) for n in sp[which]]


def random_crop(img: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    h, w = img.shape[:2]
    if h < size or w < size:
        f = size / min(h, w) + 1e-3
        img = cv2.resize(img, (int(np.ceil(w * f)), int(np.ceil(h * f))), interpolation=cv2.INTER_CUBIC)
        h, w = img.shape[:2]
    y = int(rng.integers(0, h - size + 1))
    x = int(rng.integers(0, w - size + 1))
    c = img[y:y + size, x:x + size]
    if rng.random() < 0.5:
        c = c[:, ::-1]
    if rng.random() < 0.2:
        c = c[::-1]          # vertical flip only sometimes: haze depth and rain have an up/down sense
    return np.ascontiguousarray(c)


def degrade_seq(big: np.ndarray, rng: np.random.Generator, spec: Dict, size: int, margin: int, n: int = 3
                ) -> List[Tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """n 'consecutive frames' of one scene, oldest first: the same haze field, rain redrawn (moving),
    fresh noise, and a camera/scene shift that random-walks (up to `margin` px in all). Returns
    [(clean, degraded, transmission), ...]; transmission [size, size] is the haze's t (ones without haze)."""
    H, W = big.shape[:2]
    depth = dg.depth_field(H, W, rng) if spec.get("haze") else None
    t_full = dg.transmission(spec["haze"], depth) if depth is not None else np.ones((H, W), np.float32)
    m = margin
    pos = np.zeros(2, int)
    out = []
    for i in range(n):
        if i > 0:
            pos = np.clip(pos + rng.integers(-(m // 2), m // 2 + 1, size=2), -m, m)
        f = big
        if spec.get("haze"):
            f = dg.add_haze(f, rng, spec["haze"], depth)
        if spec.get("rain"):
            f = dg.add_rain(f, rng, spec["rain"])
        if spec.get("noise"):
            f = dg.add_noise(f, rng, spec["noise"], spec.get("signal_dep", 0.0))
        dy, dx = int(pos[0]), int(pos[1])
        c = big[m + dy:m + dy + size, m + dx:m + dx + size]
        d = f[m + dy:m + dy + size, m + dx:m + dx + size]
        t = t_full[m + dy:m + dy + size, m + dx:m + dx + size]
        if spec.get("jpeg"):
            d = dg.jpeg(d, spec["jpeg"])
        out.append((c, d, t))
    return out


class Sampler:
    """Endless source of training batches: sequences of n consecutive (clean, degraded) frames, oldest
    first (the warm-start path chains through them). Returns a list of n (clean, degraded, transmission)
    float32 NCHW arrays ([B,3,H,W], [B,3,H,W], [B,1,H,W]); transmission is the synthetic haze's t, which
    train.py --haze-aux uses to supervise the head's haze correction."""

    def __init__(self, images: List[np.ndarray], size: int, batch: int, seed: int, margin: int = 6, n: int = 3):
        self.images = images
        self.size = size
        self.batch = batch
        self.margin = margin
        self.n = n
        self.rng = np.random.default_rng(seed)

    def next(self) -> List[Tuple[np.ndarray, np.ndarray, np.ndarray]]:
        frames: List[Tuple[list, list, list]] = [([], [], []) for _ in range(self.n)]
        big_size = self.size + 2 * self.margin
        for _ in range(self.batch):
            img = self.images[int(self.rng.integers(len(self.images)))]
            big = random_crop(img, big_size, self.rng)
            spec = dg.random_spec(self.rng)
            for i, (c, d, t) in enumerate(degrade_seq(big, self.rng, spec, self.size, self.margin, self.n)):
                frames[i][0].append(c.transpose(2, 0, 1))
                frames[i][1].append(d.transpose(2, 0, 1))
                frames[i][2].append(t[None])
        return [tuple(np.stack(x).astype(np.float32) for x in f) for f in frames]


VAL_CONDITIONS = ("noise25", "haze+rain+noise", "rain", "haze", "clean")


def centre_crops(images: List[np.ndarray], size: int) -> List[np.ndarray]:
    """One centre size x size crop per image, in order; images smaller than that are left out."""
    out = []
    for img in images:
        h, w = img.shape[:2]
        if min(h, w) >= size:
            y, x = (h - size) // 2, (w - size) // 2
            out.append(img[y:y + size, x:x + size])
    return out


def val_set(images: List[np.ndarray], size: int = 128, seed: int = 1234,
            conditions=VAL_CONDITIONS) -> Dict[str, Tuple[np.ndarray, np.ndarray]]:
    """Fixed validation patches: one centre crop per val image, each degradation with a fixed seed."""
    out = {}
    for ci, cond in enumerate(conditions):
        rng = np.random.default_rng(seed + 1000 * ci)
        cl, dgd = [], []
        for c in centre_crops(images, size):
            d = dg.degrade(c, rng, dg.EVAL_CONDITIONS[cond])
            cl.append(c.transpose(2, 0, 1))
            dgd.append(d.transpose(2, 0, 1))
        out[cond] = (np.stack(cl).astype(np.float32), np.stack(dgd).astype(np.float32))
    return out


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((np.clip(a, 0, 1).astype(np.float64) - b.astype(np.float64)) ** 2))
    return 10 * np.log10(1.0 / max(mse, 1e-12))
