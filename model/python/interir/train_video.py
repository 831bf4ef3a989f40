"""Train the video network's temporal fusion on chains of frames (see video.py and clips.py).

    cd model/python
    /usr/bin/python3 -m interir.train_video --spatial checkpoints/live-nl/last.pt --minutes 90 --threads 1 \
        --ckpt runs/video

The single-frame network (the spatial path) is loaded from a train.py checkpoint and kept fixed; only the fusion
learns, on segments of --frames frames with the gradient through the segment (each frame's output is the next
frame's previous output). Chains outlive a step (clips.ChainSampler): the last output of a segment, detached, is the
previous output of the chain's next segment, so the fusion learns what long recursions produce. Resumes from <ckpt>/last.pt; logs to <ckpt>/log.csv. Validation chains the held-out clips
(clips.VIDEO_SPLIT) and reports the mean PSNR over all frames, the last frame's, and the single-frame path's.
"""
import argparse
import csv
import math
import os
import time

import cv2
import numpy as np
import torch

from . import clips, data
from .network import checkpoint_weights, count_params
from .video import VideoInterIR


def charbonnier(a, b, eps=1e-3):
    """Mean of sqrt(d^2 + eps^2). Not the log-MSE of train.py: clean and lightly compressed chains have errors near
    zero, and a log weighs them by 1/MSE, so they decided the fusion alone and taught it that the previous output
    only hurts (two runs collapsed onto the single-frame restoration within ten minutes)."""
    return torch.sqrt((a - b) ** 2 + eps * eps).mean()


def run_chain(model: VideoInterIR, noisy, p=None, with_spatial=False):
    """Outputs of every frame of a chain (list of [B,3,H,W] tensors), each frame's output the next one's previous
    output. p: the previous output before the first frame ([B,3,H,W]; None, or NaN rows, where the chain starts:
    its first frame fuses with its own single-frame restoration)."""
    outs, singles = [], []
    for x in noisy:
        with torch.no_grad():
            y, _, _ = model.spatial_pass(x)
        if p is None:
            p = y
        elif torch.isnan(p).any():
            p = torch.where(torch.isnan(p), y, p)
        out = model.fusion(x, y, p)
        outs.append(out)
        singles.append(y)
        p = out
    return (outs, singles) if with_spatial else outs


def validate(model, vset):
    model.eval()
    res = {}
    with torch.no_grad():
        for name, (cl, dg_) in vset.items():
            outs, singles = run_chain(model, [torch.from_numpy(f) for f in dg_], with_spatial=True)
            ps = [data.psnr(o.clamp(0, 1).numpy(), c) for o, c in zip(outs, cl)]
            ss = [data.psnr(s.numpy(), c) for s, c in zip(singles, cl)]
            ins = [data.psnr(d, c) for d, c in zip(dg_, cl)]
            res[name] = dict(fused=float(np.mean(ps)), last=float(ps[-1]), single=float(np.mean(ss)),
                             input=float(np.mean(ins)), worst_gain=float(min(p - i for p, i in zip(ps, ins))))
    model.train()
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--spatial", default="checkpoints/live-nl/last.pt", help="train.py checkpoint of the spatial path")
    ap.add_argument("--spatial-variant", default="live_nl")
    ap.add_argument("--width", type=int, default=32, help="channels of the fusion trunk")
    ap.add_argument("--minutes", type=float, default=60.0, help="training time budget (total over resumes)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--ckpt", default="runs/video")
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--patch", type=int, default=96)
    ap.add_argument("--frames", type=int, default=6)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--seed", type=int, default=20261201)
    ap.add_argument("--init", default="", help="start the fusion from this train_video checkpoint (fresh optimiser)")
    ap.add_argument("--init-logit-scale", type=float, default=1.0,
                    help="scale the --init fusion's output layer: a run whose logits grew far past their bound has "
                         "no gradient left there; 0.1 brings them back into tanh's working range")
    ap.add_argument("--weight-decay", type=float, default=0.0, help="AdamW weight decay (keeps the trunk's gains small)")
    ap.add_argument("--val-every", type=float, default=5.0, help="minutes between validations/checkpoints")
    a = ap.parse_args()

    torch.set_num_threads(a.threads)
    cv2.setNumThreads(1)  # the chain synthesis would otherwise take the core left to the builds
    torch.manual_seed(a.seed)
    os.makedirs(a.ckpt, exist_ok=True)
    model = VideoInterIR(a.spatial_variant, a.width)
    model.spatial.load_state_dict(checkpoint_weights(torch.load(a.spatial, map_location="cpu")))
    for q in model.spatial.parameters():
        q.requires_grad_(False)
    model.spatial.eval()
    if a.init:
        model.fusion.load_state_dict(torch.load(a.init, map_location="cpu")["fusion"])
        with torch.no_grad():
            model.fusion.out.weight.mul_(a.init_logit_scale)
            model.fusion.out.bias.mul_(a.init_logit_scale)
    opt = torch.optim.AdamW(model.fusion.parameters(), lr=a.lr, weight_decay=a.weight_decay)
    last = os.path.join(a.ckpt, "last.pt")
    step, minutes = 0, 0.0
    if os.path.exists(last):
        ck = torch.load(last, map_location="cpu")
        model.fusion.load_state_dict(ck["fusion"])
        opt.load_state_dict(ck["opt"])
        step, minutes = ck["step"], ck["minutes"]
        print(f"resumed at step {step}, {minutes:.1f} min", flush=True)
    print(f"fusion parameters: {count_params(model.fusion)}", flush=True)

    train_clips = clips.load_clips("train")
    images = data.load_set("train")
    vset = clips.val_chains(clips.load_clips("val"), data.load_set("val")[:8])
    sampler = clips.ChainSampler(train_clips, images, a.patch, a.batch, a.frames, a.seed + step)
    log_path = os.path.join(a.ckpt, "log.csv")
    new_log = not os.path.exists(log_path)
    logf = open(log_path, "a", newline="")
    log = csv.writer(logf)
    if new_log:
        log.writerow(["step", "minutes", "loss", "lr", "val"])

    t0 = time.time()
    m0 = minutes
    next_val = (math.floor(minutes / a.val_every) + 1) * a.val_every
    losses = []
    carried = None  # the pool's previous outputs, carried from one step to the next (see clips.ChainSampler)
    while minutes < a.minutes:
        lr = a.lr * 0.5 * (1 + math.cos(math.pi * min(1.0, minutes / a.minutes)))
        for g in opt.param_groups:
            g["lr"] = lr
        clean, noisy, fresh = sampler.next()
        noisy = [torch.from_numpy(d) for d in noisy]
        if carried is not None:
            carried[torch.from_numpy(fresh)] = float("nan")
        outs = run_chain(model, noisy, carried)
        carried = outs[-1].detach().clamp(0.0, 1.0)
        loss = sum(charbonnier(o, torch.from_numpy(c)) for o, c in zip(outs, clean)) / len(outs)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.fusion.parameters(), 1.0)
        opt.step()
        step += 1
        losses.append(float(loss))
        minutes = m0 + (time.time() - t0) / 60.0
        if step % 20 == 0:
            print(f"step {step} {minutes:.1f} min loss {np.mean(losses[-20:]):.4f} lr {lr:.2e}", flush=True)
        if minutes >= next_val or minutes >= a.minutes:
            v = validate(model, vset)
            print(f"val @ {minutes:.1f} min: {v}", flush=True)
            log.writerow([step, f"{minutes:.2f}", f"{np.mean(losses[-50:]):.5f}", f"{lr:.2e}", repr(v)])
            logf.flush()
            torch.save(dict(fusion=model.fusion.state_dict(), opt=opt.state_dict(), step=step, minutes=minutes,
                            spatial=a.spatial, spatial_variant=a.spatial_variant, width=a.width, val=v),
                       last + ".tmp")
            os.replace(last + ".tmp", last)
            next_val += a.val_every


if __name__ == "__main__":
    main()
