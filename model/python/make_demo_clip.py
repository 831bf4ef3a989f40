"""Make the bundled demo clip: the first seconds of OpenCV's vtest.avi (static surveillance camera),
scaled to 640 wide and centre-cropped to 640x360, degraded by our own synthesis (interir/degrade.py):
one fixed haze field for the whole clip, two rain layers that fall (scroll) frame by frame, fresh
sensor noise per frame. Written as H.264 yuv420p MP4 through the Debian ffmpeg CLI (pipe).

    cd model/python && /usr/bin/python3 make_demo_clip.py
    /usr/bin/python3 make_demo_clip.py --noise-only --out /tmp/fixedcam   # the same camera with noise alone
"""
import argparse
import os
import subprocess

import numpy as np

from interir import degrade as dg

SRC = "/work/shared/data/videos/opencv_vtest.avi"
OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "stream-server", "src", "main",
                       "resources", "demo")
W, H, FPS = 640, 360, 10


def read_frames(src, seconds):
    cmd = ["ffmpeg", "-v", "error", "-i", src, "-t", str(seconds),
           "-vf", f"scale={W}:-2:flags=area,crop={W}:{H}", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"]
    raw = subprocess.run(cmd, check=True, stdout=subprocess.PIPE).stdout
    n = len(raw) // (W * H * 3)
    return np.frombuffer(raw[:n * W * H * 3], np.uint8).reshape(n, H, W, 3)


def encode(frames_u8, path, crf, maxrate):
    cmd = ["ffmpeg", "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{W}x{H}", "-r", str(FPS),
           "-i", "-", "-c:v", "libx264", "-preset", "slow", "-crf", str(crf), "-maxrate", maxrate,
           "-bufsize", maxrate, "-g", str(2 * FPS), "-pix_fmt", "yuv420p", "-movflags", "+faststart", path]
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE)
    for f in frames_u8:
        p.stdin.write(np.ascontiguousarray(f).tobytes())
    p.stdin.close()
    assert p.wait() == 0
    return os.path.getsize(path)


def scrolling_rain(n, rng, params, speed):
    """A tall rain layer scrolled down by `speed` px/frame along the streak angle (wraps around)."""
    tall = dg.rain_layer(3 * H, W, rng, params)
    dx_per_dy = np.tan(np.radians(-params["angle"]))
    out = []
    for t in range(n):
        dy = (t * speed) % (2 * H)
        dx = int(round(t * speed * dx_per_dy)) % W
        win = tall[2 * H - dy:3 * H - dy] if dy > 0 else tall[2 * H:3 * H]
        out.append(np.roll(win, dx, axis=1))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=8.0)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--sigma", type=float, default=15.0)
    ap.add_argument("--crf", type=int, default=23)
    ap.add_argument("--maxrate", default="2400k")
    ap.add_argument("--out", default=OUT_DIR)
    ap.add_argument("--noise-only", action="store_true",
                    help="write noisy.mp4: the clip with sensor noise alone (no haze, no rain), no clean copy")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    rng = np.random.default_rng(a.seed)
    clean = read_frames(SRC, a.seconds)
    n = len(clean)
    haze = dict(beta=1.1, airlight=[0.86, 0.87, 0.9], dmin=0.25)
    depth = dg.depth_field(H, W, rng)
    far = dict(angle=12.0, density=0.0018, length=14, width=1, intensity=0.3)
    near = dict(angle=12.0, density=0.0005, length=30, width=2, intensity=0.5)
    rain_far = scrolling_rain(n, rng, far, 23)
    rain_near = scrolling_rain(n, rng, near, 47)
    deg = []
    for t in range(n):
        f = clean[t].astype(np.float32) / 255.0
        if not a.noise_only:
            f = dg.add_haze(f, rng, haze, depth)
            f = dg.add_rain(f, rng, layer=np.clip(rain_far[t] + rain_near[t], 0, 1))
        f = dg.add_noise(f, rng, a.sigma, 0.002)
        deg.append((f * 255 + 0.5).astype(np.uint8))
    p = os.path.join(a.out, "noisy.mp4" if a.noise_only else "demo.mp4")
    size = encode(deg, p, a.crf, a.maxrate)
    print(f"{p}: {n} frames, {size / 1e6:.2f} MB")
    if a.noise_only:
        return
    pc = os.path.join(a.out, "demo-clean.mp4")
    size_c = encode(clean, pc, a.crf, a.maxrate)
    if size_c >= 1.5e6:
        os.remove(pc)
        print(f"clean version {size_c / 1e6:.2f} MB >= 1.5 MB: not kept")
    else:
        print(f"{pc}: {size_c / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
