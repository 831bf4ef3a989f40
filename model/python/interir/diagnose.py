"""Diagnostics on training checkpoints (val split, 128 px centre crops, fixed seeds).

    cd model/python
    /usr/bin/python3 -m interir.diagnose chain checkpoints/live-nl/last.pt [--frames 16 32 60]
    /usr/bin/python3 -m interir.diagnose beta runs/live-dcp/last.pt [--fixed 0 0.5 1]
    /usr/bin/python3 -m interir.diagnose coarse runs/live-ms/last.pt
    /usr/bin/python3 -m interir.diagnose nl runs/live-nl/last.pt
    /usr/bin/python3 -m interir.diagnose history ../src/main/resources/interir/live.pt --clip "fixed camera"
    /usr/bin/python3 -m interir.diagnose haze --clip "fixed camera" --frames 30
    /usr/bin/python3 -m interir.diagnose bands ../src/main/resources/interir/live.pt --clip "fixed camera"
    /usr/bin/python3 -m interir.diagnose prior checkpoints/live-nl/last.pt

chain: PSNR of the last frame of a warm k=1 chain over N frames of still val crops (the same haze, fresh
       noise 25 every frame; train.py's chained validation), against a cold pass on that frame. A chain that
       falls far below cold drifts.
beta:  for a network with the haze prior (live_dcp): the learned beta per val condition, the gradient of
       the loss on beta's bias per condition (negative: that condition wants more of the prior), and the val
       PSNR with beta replaced by constants.
coarse: for a network with the coarse filter (live_ms): how much of it the head mixes in per val condition,
       and the val PSNR with and without it (mix forced to zero).
nl:    for a network with patch weights (live_nl): gamma per val condition (fine and coarse filter, the median; a
       tap's weight is multiplied by exp(-gamma d), d the patches' mean squared luma difference, luma in [0, 1]),
       and the val PSNR with and without the patch weights (nl_scale forced to zero).
history: for an exported video network on one of evaluate_video's clips (sigma-25 noise, fresh every frame): per
       frame the PSNR, the mean frame count n of the tiles' histories, the share of pixels whose history restarted
       (n < 2), and the share of pixels that changed by more than 10 levels in the clean clip since the last frame:
       where the clip moves more than the histories restart, the means hold moved content.
haze:  how far a classical dehazer on the temporal mean could go (no network): on a clip under haze + rain + noise,
       the PSNR of the last input frame, of the mean of the first N degraded frames and of that mean dehazed by
       evaluate.dark_channel_prior (patch size x transmission floor x omega grid), per 128 px tile as the service
       tiles a frame and over the whole frame, each against the mean of the clean frames. Choose constants on the train clips (clips.VIDEO_SPLIT).
bands: where an exported video network's error lies, on one of evaluate_video's clips and degradations (the same
       draw as its table): the PSNR of the output as the service runs it, and what it would be with two oracles that
       use the clean frames: the best per-colour gain and offset over the clip, and the output's low band (31 px box
       blur) replaced by the clean frame's. The second bounds what any tone or haze correction could add; the rest
       of the error is rain, noise and lost detail. Also how much of the haze's low band is left in the output
       (0: all removed, 1: none) and the mean brightness error.
prior: what the haze prior does on real clips: the single-frame network's PSNR per 128 px tile (every 10th frame)
       with its learned beta and with beta forced to zero (no haze prior), on every evaluate_video clip and
       degradation (its draws) and on every train clip (tune_temporal's draws), with the mean brightness error.
       Where beta is zero does better, the prior took the clip for hazier than it is.
"""
import argparse
import os

import numpy as np
import torch
import torch.nn.functional as F

from . import data, train
from .network import InterIR, VARIANTS, checkpoint_weights


def load(path):
    ck = torch.load(path, map_location="cpu", weights_only=False)
    m = InterIR(ck["variant"])
    m.load_state_dict(checkpoint_weights(ck))
    return m.eval(), ck


def chain(a):
    val = data.load_set("val")
    for path in a.ckpt:
        m, ck = load(path)
        for n in a.frames:
            cold, last = train.evaluate_chain(m, train.chain_set(val, n), torch.device("cpu"))
            print(f"{path} ({ck['minutes']:.0f} min): {n} frames, k=1 chain last frame {last:.2f} dB, cold {cold:.2f} dB")


def beta(a):
    vset = data.val_set(data.load_set("val"), 128)
    for path in a.ckpt:
        m, ck = load(path)
        if m.head.haze_beta is None:
            raise SystemExit(f"{path}: variant {ck['variant']} has no haze prior")
        print(f"{path} ({ck['minutes']:.0f} min)")
        for cond, (c, d) in vset.items():
            x = torch.from_numpy(d)
            m.zero_grad()
            m.train()
            y, st, _, _ = m.run(x, torch.zeros(0), 0)
            train.psnr_loss(y, torch.from_numpy(c)).backward()
            g = float(m.head.haze_beta.bias.grad)
            m.eval()
            with torch.no_grad():
                b = m.head.haze(st[:, :m.C].clamp(-20, 20), x)[0]
            print(f"  {cond:>16}: beta mean {float(b.mean()):+.3f} (p10 {float(b.quantile(0.1)):+.3f}, "
                  f"p90 {float(b.quantile(0.9)):+.3f}), dloss/dbeta {g:+.4f}")
        sd = {k: v.clone() for k, v in m.state_dict().items()}
        for value in a.fixed:
            m.load_state_dict(sd)
            with torch.no_grad():
                m.head.haze_beta.weight.zero_()
                m.head.haze_beta.bias.fill_(value)
                cells = []
                for cond, (c, d) in vset.items():
                    y = m(torch.from_numpy(d), torch.zeros(0), 0)[0].numpy()
                    cells.append(f"{cond} {np.mean([data.psnr(p, q) for p, q in zip(y, c)]):.2f}")
            print(f"  beta fixed at {value}: " + " | ".join(cells))


def mean_psnr(y, clean):
    return float(np.mean([data.psnr(q, r) for q, r in zip(y.numpy(), clean)]))


def cold_passes(m, vset):
    """(condition, input, clean, cold output, the head's trunk features) for each val condition, without gradients."""
    with torch.no_grad():
        for cond, (c, d) in vset.items():
            x = torch.from_numpy(d)
            y, st, _, _ = m(x, torch.zeros(0), 0)
            yield cond, x, c, y, m.head.features(st[:, :m.C])


def psnr_without(m, x, clean, params):
    """Mean PSNR of a cold pass with `params` zeroed (a part of the head switched off); they are restored after."""
    kept = [p.clone() for p in params]
    for p in params:
        p.zero_()
    y0 = m(x, torch.zeros(0), 0)[0]
    for p, k in zip(params, kept):
        p.copy_(k)
    return mean_psnr(y0, clean)


def coarse(a):
    vset = data.val_set(data.load_set("val"), 128)
    for path in a.ckpt:
        m, ck = load(path)
        mix_layer = m.head.coarse_mix
        if mix_layer is None:
            raise SystemExit(f"{path}: variant {ck['variant']} has no coarse filter")
        print(f"{path} ({ck['minutes']:.0f} min)")
        for cond, x, c, y, t in cold_passes(m, vset):
            mix = F.conv2d(t, mix_layer.weight, mix_layer.bias)
            p0 = psnr_without(m, x, c, [mix_layer.weight, mix_layer.bias])
            print(f"  {cond:>16}: mix mean {float(mix.mean()):+.3f} (p10 {float(mix.quantile(0.1)):+.3f}, "
                  f"p90 {float(mix.quantile(0.9)):+.3f}); PSNR {mean_psnr(y, c):.2f} dB, without the coarse filter {p0:.2f}")


def nl(a):
    vset = data.val_set(data.load_set("val"), 128)
    for path in a.ckpt:
        m, ck = load(path)
        scale = m.head.nl_scale
        if scale is None:
            raise SystemExit(f"{path}: variant {ck['variant']} has no patch weights")
        print(f"{path} ({ck['minutes']:.0f} min): nl_scale {[round(v, 4) for v in scale.tolist()]}")
        for cond, x, c, y, t in cold_passes(m, vset):
            size = [x.shape[2], x.shape[3]]
            gammas = [m.head.nl_gamma(t, j, size) for j in range(scale.numel())]
            g = " ".join(f"{name} {float(v.median()):.3f}" for name, v in zip(("fine", "coarse"), gammas) if v is not None)
            p0 = psnr_without(m, x, c, [scale])
            print(f"  {cond:>16}: gamma median {g}; PSNR {mean_psnr(y, c):.2f} dB, without the patch weights {p0:.2f}")


def history(a):
    from . import evaluate_video as ev
    from .evaluate import TiledModel
    m = TiledModel(a.ckpt[0])
    clean = ev.clip_frames(a.clip, a.frames)
    noisy = ev.degrade_frames(clean, "noise25", seed=0)
    state = None
    print("frame  PSNR  mean n  restarted  changed")
    for i, (f, c) in enumerate(zip(noisy, clean)):
        y, state, _ = m(f.astype(np.float32) / 255, state, 0)
        n = F.pixel_shuffle(state, m.m.s)[:, 6]
        changed = (np.abs(c.astype(np.float32) - clean[i - 1].astype(np.float32)).mean(axis=2) > 10).mean() if i else 0.0
        psnr = ev.psnrs([ev._u8(y)], [c])[0]
        print(f"{i:5d} {psnr:5.2f} {float(n.mean()):7.1f} {float((n < 2).float().mean()):10.2f} {changed:8.2f}")


def haze(a):
    import os
    from . import clips
    from . import evaluate_video as ev
    from .evaluate import dark_channel_prior, tile_starts
    if a.clip in ev.CLIPS:
        clean = ev.clip_frames(a.clip, a.frames)
        seed = 1000 * ev.CLIPS.index(a.clip) + 1  # evaluate_video's draw for the clip
    else:
        clean = list(clips.load_clip(os.path.join(clips.VIDEOS, a.clip), max_frames=a.frames))
        seed = a.seed
    noisy = ev.degrade_frames(clean, "haze+rain+noise", seed=seed)
    mean = np.mean([f.astype(np.float32) / 255 for f in noisy], axis=0)
    ref = np.mean([f.astype(np.float32) / 255 for f in clean], axis=0)
    H, W = mean.shape[:2]
    grid = [(y, x) for y in tile_starts(H, 128, 8) for x in tile_starts(W, 128, 8)]

    def per_tile(patch, omega, floor):
        acc = np.zeros_like(mean)
        cnt = np.zeros((H, W, 1), np.float32)
        for y, x in grid:
            acc[y:y + 128, x:x + 128] += dark_channel_prior(mean[y:y + 128, x:x + 128], patch, omega, floor)
            cnt[y:y + 128, x:x + 128] += 1
        return acc / cnt

    print(f"{a.clip}, {len(clean)} frames: last input frame {ev.psnrs([noisy[-1]], [clean[-1]])[0]:.2f} dB, "
          f"mean of the degraded frames {data.psnr(mean, ref):.2f}")
    for patch in (7, 15):
        for floor in (0.1, 0.4):
            for omega in (0.5, 0.6, 0.7, 0.8):
                print(f"  dark channel on the mean, patch {patch:2d}, t >= {floor}, omega {omega}: per 128 px tile "
                      f"{data.psnr(per_tile(patch, omega, floor), ref):.2f}, whole frame "
                      f"{data.psnr(dark_channel_prior(mean, patch, omega, floor), ref):.2f}")


def bands(a):
    import cv2
    from . import evaluate_video as ev
    from .evaluate import TiledModel
    m = TiledModel(a.ckpt[0])
    clean_u8 = ev.clip_frames(a.clip, a.frames)
    noisy = ev.degrade_frames(clean_u8, a.condition,
                              seed=1000 * ev.CLIPS.index(a.clip) + list(ev.CONDITIONS).index(a.condition))
    outs, _ = ev.run_model(m, noisy, warm=True)
    clean = np.stack(clean_u8).astype(np.float32) / 255
    out = np.stack(outs).astype(np.float32) / 255
    x = np.stack(noisy).astype(np.float32) / 255

    def psnr(frames):
        return float(np.mean([data.psnr(np.clip(f, 0, 1), c) for f, c in zip(frames, clean)]))

    affine = out.copy()
    for ch in range(3):
        design = np.stack([out[..., ch].ravel(), np.ones(out[..., ch].size, np.float32)], 1)
        gain, offset = np.linalg.lstsq(design, clean[..., ch].ravel(), rcond=None)[0]
        affine[..., ch] = out[..., ch] * gain + offset

    def low(f):
        return cv2.blur(f, (31, 31))

    low_oracle = np.stack([o + low(c - o) for o, c in zip(out, clean)])
    haze_low = np.stack([low(f) - low(c) for f, c in zip(x, clean)])
    err_low = np.stack([low(o) - low(c) for o, c in zip(out, clean)])
    left = float((err_low * haze_low).sum() / max(float((haze_low * haze_low).sum()), 1e-12))
    print(f"{a.clip}, {a.condition}, {len(clean)} frames: input {psnr(x):.2f} dB, output {psnr(out):.2f}, "
          f"with the best gain and offset per colour {psnr(affine):.2f}, with the clean low band {psnr(low_oracle):.2f}; "
          f"degradation's low band left in the output {left:.2f}, mean brightness error {float((out - clean).mean()):+.3f}")


def prior(a):
    from . import clips
    from . import evaluate_video as ev
    from .evaluate import tile_starts
    m, ck = load(a.ckpt[0])
    T, overlap = VARIANTS[ck["variant"]]["tile"], VARIANTS[ck["variant"]]["overlap"]
    draws = [(clip, cond, lambda clip=clip: ev.clip_frames(clip, a.frames),
              1000 * ci + di) for ci, clip in enumerate(ev.CLIPS) for di, cond in enumerate(ev.CONDITIONS)]
    draws += [(name, cond, lambda name=name: list(clips.load_clip(os.path.join(clips.VIDEOS, name), max_frames=a.frames)),
               7000 + 10 * ci + di) for ci, name in enumerate(clips.VIDEO_SPLIT["train"])
              for di, cond in enumerate(ev.CONDITIONS)]
    beta_params = list(m.head.haze_beta.parameters())
    print(f"{a.ckpt[0]} ({ck['minutes']:.0f} min): PSNR per 128 px tile, every 10th frame; brightness error in brackets")
    for clip, cond, frames, seed in draws:
        clean = frames()
        noisy = ev.degrade_frames(clean, cond, seed=seed)
        h, w = clean[0].shape[:2]
        grid = [(y, x) for y in tile_starts(h, T, overlap) for x in tile_starts(w, T, overlap)]

        def tiles(f):
            return np.stack([f[y:y + T, x0:x0 + T].transpose(2, 0, 1) for y, x0 in grid]).astype(np.float32) / 255

        pairs = [(torch.from_numpy(tiles(noisy[i])), tiles(clean[i])) for i in range(0, len(clean), 10)]

        def score():
            outs = [(m(x, torch.zeros(0), 0)[0].clamp(0, 1).numpy(), c) for x, c in pairs]
            err = np.mean([((y_ - c) ** 2).mean() for y_, c in outs])
            return f"{-10 * np.log10(err):.2f} ({np.mean([(y_ - c).mean() for y_, c in outs]):+.3f})"

        with torch.no_grad():
            learned = score()
            kept = [p.clone() for p in beta_params]
            for p in beta_params:
                p.zero_()
            without = score()
            for p, k in zip(beta_params, kept):
                p.copy_(k)
        print(f"  {clip:>22} {cond:>16}: learned beta {learned}, beta 0 {without}", flush=True)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="what", required=True)
    c = sub.add_parser("chain")
    c.add_argument("ckpt", nargs="+")
    c.add_argument("--frames", type=int, nargs="+", default=[16, 32, 60])
    b = sub.add_parser("beta")
    b.add_argument("ckpt", nargs="+")
    b.add_argument("--fixed", type=float, nargs="*", default=[0.0, 0.5, 1.0])
    o = sub.add_parser("coarse")
    o.add_argument("ckpt", nargs="+")
    n = sub.add_parser("nl")
    n.add_argument("ckpt", nargs="+")
    h = sub.add_parser("history")
    h.add_argument("ckpt", nargs=1, help="an exported video network (.pt with its .json)")
    h.add_argument("--clip", default="fixed camera", help="one of evaluate_video's clips")
    h.add_argument("--frames", type=int, default=150)
    z = sub.add_parser("haze")
    z.add_argument("--clip", default="fixed camera", help="one of evaluate_video's clips, or a clip file in "
                   "shared/data/videos (seed 7)")
    z.add_argument("--frames", type=int, default=30)
    z.add_argument("--seed", type=int, default=7, help="the degradation's draw for a clip file (haze density varies)")
    d = sub.add_parser("bands")
    d.add_argument("ckpt", nargs=1, help="an exported video network (.pt with its .json)")
    d.add_argument("--clip", default="fixed camera", help="one of evaluate_video's clips")
    d.add_argument("--condition", default="haze+rain+noise", help="noise25 or haze+rain+noise")
    d.add_argument("--frames", type=int, default=150)
    r = sub.add_parser("prior")
    r.add_argument("ckpt", nargs=1, help="a train.py checkpoint")
    r.add_argument("--frames", type=int, default=150)
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    {"chain": chain, "beta": beta, "coarse": coarse, "nl": nl, "history": history, "haze": haze,
     "bands": bands, "prior": prior}[a.what](a)


if __name__ == "__main__":
    main()
