"""The video clips of ../shared/data/videos: their split by file, loading, and degrading a clip frame by frame as a
real scene degrades (one haze for the clip, rain and noise drawn fresh for every frame).
Clips that are degraded themselves (the underwater diver, the 160x120 webcam) have no clean frames and are left out.
"""
import os
from typing import Dict, List

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
