"""Synthetic degradations (numpy, float32 RGB in [0,1], HxWx3), seedable with numpy Generators.

Physical order for combinations: haze -> rain -> noise -> compression.
Every function takes an explicit `rng: np.random.Generator`; nothing uses global random state.
"""
from typing import Dict, Optional

import cv2
import numpy as np

KINDS = ("noise", "haze", "rain", "jpeg")


# ---------------------------------------------------------------------------------------------- noise
def add_noise(img: np.ndarray, rng: np.random.Generator, sigma: float = 25.0,
              signal_dep: float = 0.0, clip: bool = True) -> np.ndarray:
    """Gaussian noise, sigma in 0..255 units; optional signal-dependent (Poisson-like) part:
    var = (sigma/255)^2 + signal_dep * img."""
    var = (sigma / 255.0) ** 2 + signal_dep * np.clip(img, 0, 1)
    out = img + rng.standard_normal(img.shape).astype(np.float32) * np.sqrt(var).astype(np.float32)
    return np.clip(out, 0, 1).astype(np.float32) if clip else out.astype(np.float32)


# ----------------------------------------------------------------------------------------------- haze
def depth_field(h: int, w: int, rng: np.random.Generator, coarse: int = 4) -> np.ndarray:
    """Smooth random depth in [0,1]: a vertical ramp (far at the top) plus bicubic-upsampled noise."""
    ramp = np.linspace(1.0, 0.0, h, dtype=np.float32)[:, None] * np.ones((1, w), np.float32)
    g = rng.random((coarse, coarse)).astype(np.float32)
    blob = cv2.resize(g, (w, h), interpolation=cv2.INTER_CUBIC)
    mix = rng.uniform(0.2, 0.8)
    d = mix * ramp + (1 - mix) * blob
    d = (d - d.min()) / (d.max() - d.min() + 1e-6)
    return d.astype(np.float32)


def haze_params(rng: np.random.Generator) -> Dict:
    A = rng.uniform(0.7, 1.0)
    tint = rng.uniform(-0.04, 0.04, size=3)
    return dict(beta=float(rng.uniform(0.3, 1.6)), airlight=[float(A + t) for t in tint],
                dmin=float(rng.uniform(0.1, 0.4)))


def transmission(params: Dict, depth: np.ndarray) -> np.ndarray:
    """t = exp(-beta * depth) [H, W], depth rescaled to [dmin, 1]."""
    d = params["dmin"] + (1 - params["dmin"]) * depth
    return np.exp(-params["beta"] * d).astype(np.float32)


def add_haze(img: np.ndarray, rng: np.random.Generator, params: Optional[Dict] = None,
             depth: Optional[np.ndarray] = None) -> np.ndarray:
    """Scattering model I*t + A*(1-t), t = exp(-beta * depth)."""
    h, w = img.shape[:2]
    p = params or haze_params(rng)
    d = depth if depth is not None else depth_field(h, w, rng)
    t = transmission(p, d)[..., None]
    A = np.clip(np.array(p["airlight"], np.float32), 0, 1)[None, None, :]
    return np.clip(img * t + A * (1 - t), 0, 1).astype(np.float32)


# ----------------------------------------------------------------------------------------------- rain
def rain_params(rng: np.random.Generator) -> Dict:
    return dict(angle=float(rng.uniform(-30, 30)),          # degrees from vertical
                density=float(rng.uniform(0.001, 0.008)),   # seeds per pixel
                length=int(rng.integers(10, 36)),
                width=int(rng.integers(1, 4)),
                intensity=float(rng.uniform(0.25, 0.7)))


def rain_layer(h: int, w: int, rng: np.random.Generator, params: Optional[Dict] = None) -> np.ndarray:
    """Streak layer in [0,1] (HxW): random seeds, motion-blurred along the angle, widened, blurred."""
    p = params or rain_params(rng)
    seeds = (rng.random((h, w)) < p["density"]).astype(np.float32)
    seeds *= rng.uniform(0.5, 1.0, size=(h, w)).astype(np.float32)
    L = max(3, int(p["length"]))
    k = np.zeros((L, L), np.float32)
    k[:, L // 2] = 1.0
    M = cv2.getRotationMatrix2D(((L - 1) / 2.0, (L - 1) / 2.0), p["angle"], 1.0)
    k = cv2.warpAffine(k, M, (L, L))
    k /= max(k.sum(), 1e-6)
    streak = cv2.filter2D(seeds, -1, k, borderType=cv2.BORDER_REFLECT)
    if p["width"] > 1:
        streak = cv2.dilate(streak, np.ones((1, p["width"]), np.uint8))
    streak = cv2.GaussianBlur(streak, (3, 3), 0.6)
    streak = streak / (streak.max() + 1e-6)
    return np.clip(streak * p["intensity"] * 1.5, 0, 1).astype(np.float32)


def add_rain(img: np.ndarray, rng: np.random.Generator, params: Optional[Dict] = None,
             layer: Optional[np.ndarray] = None) -> np.ndarray:
    h, w = img.shape[:2]
    s = layer if layer is not None else rain_layer(h, w, rng, params)
    return np.clip(img + s[..., None], 0, 1).astype(np.float32)


# ----------------------------------------------------------------------------------------- compression
def jpeg(img: np.ndarray, quality: int = 30) -> np.ndarray:
    u8 = (np.clip(img, 0, 1) * 255 + 0.5).astype(np.uint8)
    ok, buf = cv2.imencode(".jpg", cv2.cvtColor(u8, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    assert ok
    out = cv2.cvtColor(cv2.imdecode(buf, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
    return out.astype(np.float32) / 255.0


# ------------------------------------------------------------------------------------------- combined
def degrade(img: np.ndarray, rng: np.random.Generator, spec: Dict) -> np.ndarray:
    """spec keys (all optional): haze (dict|True), rain (dict|True), noise (sigma), signal_dep, jpeg (q).
    Applied in physical order haze -> rain -> noise -> compression."""
    out = img.astype(np.float32)
    if spec.get("haze"):
        out = add_haze(out, rng, spec["haze"] if isinstance(spec["haze"], dict) else None)
    if spec.get("rain"):
        out = add_rain(out, rng, spec["rain"] if isinstance(spec["rain"], dict) else None)
    if spec.get("noise"):
        out = add_noise(out, rng, float(spec["noise"]), float(spec.get("signal_dep", 0.0)))
    if spec.get("jpeg"):
        out = jpeg(out, int(spec["jpeg"]))
    return out


# Training mix: (probability, kinds). Noise appears, alone or combined, in ~70% of samples so it is not
# neglected (model.md: joint training first cost the small model 0.5-1.5 dB on noise). Clean frames (no
# degradation: the target is the input) and JPEG alone are in the mix because, trained without them, the
# shipped model took a clean 256 px val crop to 32.1 dB and JPEG q70 from 35.5 to 31.2 dB, i.e. it damaged
# the frames a camera sends most of the time (evaluate.py: the "clean" and "jpeg" rows).
TRAIN_MIX = (
    (0.06, ()),
    (0.28, ("noise",)),
    (0.10, ("haze",)),
    (0.10, ("rain",)),
    (0.06, ("jpeg",)),
    (0.12, ("rain", "noise")),
    (0.10, ("haze", "noise")),
    (0.12, ("haze", "rain", "noise")),
    (0.06, ("noise", "jpeg")),
)


def random_spec(rng: np.random.Generator, kinds=None) -> Dict:
    if kinds is None:
        probs = np.array([p for p, _ in TRAIN_MIX])
        kinds = TRAIN_MIX[int(rng.choice(len(TRAIN_MIX), p=probs / probs.sum()))][1]
    spec: Dict = {}
    if "haze" in kinds:
        spec["haze"] = haze_params(rng)
    if "rain" in kinds:
        spec["rain"] = rain_params(rng)
    if "noise" in kinds:
        spec["noise"] = float(rng.uniform(5, 50))
        if rng.random() < 0.3:
            spec["signal_dep"] = float(rng.uniform(0.0, 0.01))
    if "jpeg" in kinds:
        spec["jpeg"] = int(rng.integers(15, 90))
    return spec


# Fixed evaluation conditions (evaluate.py and the validation set of train.py)
EVAL_CONDITIONS = {
    "noise15": {"noise": 15.0},
    "noise25": {"noise": 25.0},
    "noise50": {"noise": 50.0},
    "rain": {"rain": True},
    "haze": {"haze": True},
    "jpeg": {"jpeg": 20},
    "haze+rain+noise": {"haze": True, "rain": True, "noise": 15.0},
    "clean": {},
}
