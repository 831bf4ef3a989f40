"""Train an InterIR variant on synthetic degradations of the train split (CPU or GPU).

    cd model/python
    /usr/bin/python3 -m interir.train --variant live --minutes 100 --threads 1

Resumes automatically from <ckpt>/last.pt. Logs loss and validation PSNR to stdout and <ckpt>/log.csv.
Every step trains both paths on a sequence of n (--frames, default 3) 'consecutive frames' of a patch
(same haze field, moving rain, fresh noise, random-walk shift): a COLD pass (all K stages) on the oldest
frame, then WARM passes (the last k stages; k = 1 with probability --k1, else random in 1..K-1) on each
following frame, each started from the previous frame's final state, as the service chains them.
With --bptt the gradient flows back through the chained states (the network learns what its state does
to the frames after it); without it every state is detached.

Validation also chains --val-chain frames of a still val crop (fresh noise each frame) through warm k=1
passes and reports the last frame's PSNR: the service chains k=1 for as long as a stream runs, and a
model whose chain drifts must not ship.
"""
import argparse
import copy
import csv
import json
import math
import os
import signal
import sys
import time

import cv2
import numpy as np
import torch
import torch.nn.functional as F

from . import data
from .network import InterIR, VARIANTS, count_params, graft


def charbonnier(a, b, eps=1e-3):
    return torch.sqrt((a - b) ** 2 + eps * eps).mean()


def psnr_loss(a, b):
    """mean over samples of log10(MSE_i)/20 (= -PSNR_i/200 + const): every sample's dB counts the same,
    so the mix is balanced by quality, not by error magnitude (hazy samples have ~10x the L1 error of
    noisy ones and dominated a Charbonnier loss: val noise PSNR fell from 26.3 to 22.6 dB while haze
    rose, runs/live/train.log 15-35 min)."""
    return torch.log10(((a - b) ** 2).mean(dim=(1, 2, 3)) + 1e-6).mean() / 20.0


def haze_term(model, state, x, t_true):
    """Mean squared error between the transmission implied by the head's haze correction and the true one,
    at the head's 1/s resolution. The image loss alone taught beta to tell haze from rain and bright
    content only slowly (after 67 min of training beta was +0.05 on hazy crops, while beta = 0.5 everywhere
    gains 3.3 dB on them, `diagnose beta`); this term says directly where the haze is and how thick."""
    U = model.unpack(state)[0]
    beta, t_prior, _ = model.head.haze(U, x)
    implied = 1.0 / (1.0 + beta * (1.0 / t_prior - 1.0)).clamp(min=0.1)
    return ((implied - F.avg_pool2d(t_true, model.s)) ** 2).mean()


class SamplerStream(torch.utils.data.IterableDataset):
    """data.Sampler's batches drawn in DataLoader workers (--workers): on a GPU one process synthesising the
    degradations (2-7 ms per 128 px frame here) would keep the card waiting. Worker i seeds its sampler with
    seed + 7919 i, and the loader takes the workers' batches in turn, so a run is reproducible for a given
    worker count."""

    def __init__(self, images, size, batch, seed, n):
        super().__init__()
        self.args = (images, size, batch, seed, n)

    def __iter__(self):
        images, size, batch, seed, n = self.args
        info = torch.utils.data.get_worker_info()
        wid = info.id if info is not None else 0
        sampler = data.Sampler(images, size, batch, seed=seed + 7919 * wid, n=n)
        while True:
            yield sampler.next()


def batches(images, size, batch, seed, n, workers):
    """Endless training batches (see data.Sampler), made in this process or in `workers` worker processes."""
    if workers > 0:
        # no batch for a minute means the workers are stuck (the first GPU lease lost 7 minutes to workers that
        # never delivered): carry on with batches made here
        loader = torch.utils.data.DataLoader(SamplerStream(images, size, batch, seed, n), batch_size=None,
                                             num_workers=workers, prefetch_factor=2, persistent_workers=True,
                                             timeout=60)
        try:
            for b in loader:
                yield [tuple(x.numpy() for x in f) for f in b]
        except RuntimeError as e:
            print(f"batch workers failed ({e}); making the batches in this process", flush=True)
    sampler = data.Sampler(images, size, batch, seed=seed, n=n)
    while True:
        yield sampler.next()


def chain_set(images, n, size=128, seed=4321):
    """n frames of one still centre crop per val image: the same haze field and fresh noise each frame
    (haze + noise 25, the warm-start clip's degradation). Returns (clean [N,3,h,w], [n x degraded])."""
    rng = np.random.default_rng(seed)
    cl, frames = [], [[] for _ in range(n)]
    for c in data.centre_crops(images, size):
        spec = {"haze": dict(beta=0.7, airlight=[0.85, 0.86, 0.88], dmin=0.2), "noise": 25.0}
        for i, (_, d, _) in enumerate(data.degrade_seq(c, rng, spec, size, 0, n)):
            frames[i].append(d.transpose(2, 0, 1))
        cl.append(c.transpose(2, 0, 1))
    return np.stack(cl).astype(np.float32), [np.stack(f).astype(np.float32) for f in frames]


def evaluate_chain(model, cset, device):
    """(cold PSNR of the last frame, warm k=1 PSNR of the last frame after chaining all frames)."""
    clean, frames = cset
    model.eval()
    with torch.no_grad():
        st = torch.zeros(0, device=device)
        for d in frames:
            y, st, _, _ = model(torch.from_numpy(d).to(device), st, 1)
        yc, _, _, _ = model(torch.from_numpy(frames[-1]).to(device), torch.zeros(0, device=device), 0)
    model.train()
    last = float(np.mean([data.psnr(a, c) for a, c in zip(y.cpu().numpy(), clean)]))
    cold = float(np.mean([data.psnr(a, c) for a, c in zip(yc.cpu().numpy(), clean)]))
    return cold, last


def evaluate(model, vset, device, batch=16):
    """Mean PSNR per condition: degraded input, cold output, warm k=2 output from the cold state."""
    model.eval()
    out = {}
    with torch.no_grad():
        for cond, (clean, deg) in vset.items():
            ps_in, ps_cold, ps_warm = [], [], []
            for i in range(0, len(clean), batch):
                c = clean[i:i + batch]
                x = torch.from_numpy(deg[i:i + batch]).to(device)
                y, st, _, _ = model(x, torch.zeros(0, device=device), 0)
                yw, _, _, _ = model(x, st, 2)
                y = y.cpu().numpy()
                yw = yw.cpu().numpy()
                for j in range(len(c)):
                    ps_in.append(data.psnr(deg[i + j], c[j]))
                    ps_cold.append(data.psnr(y[j], c[j]))
                    ps_warm.append(data.psnr(yw[j], c[j]))
            out[cond] = (float(np.mean(ps_in)), float(np.mean(ps_cold)), float(np.mean(ps_warm)))
    model.train()
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--variant", default="live", choices=sorted(VARIANTS))
    ap.add_argument("--minutes", type=float, default=0.0, help="training time budget (total over resumes)")
    ap.add_argument("--steps", type=int, default=0, help="step budget (total over resumes)")
    ap.add_argument("--threads", type=int, default=1, help="torch CPU threads (1 leaves a core to Maven)")
    ap.add_argument("--ckpt", default="", help="checkpoint dir (default runs/<variant>)")
    ap.add_argument("--batch", type=int, default=6)
    ap.add_argument("--patch", type=int, default=128)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--seed", type=int, default=20261127)
    ap.add_argument("--val-every", type=float, default=5.0, help="minutes between validations/checkpoints")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--loss", default="psnr", choices=["psnr", "charbonnier"],
                    help="image loss: per-sample log-MSE (balances degradations) or Charbonnier")
    ap.add_argument("--haze-aux", type=float, default=0.0,
                    help="weight of the haze term (dcp variants): on the cold pass, the transmission the head's "
                         "haze correction implies, 1/(1 + beta (1/t_prior - 1)), against the synthetic haze's t "
                         "(1 where there is no haze)")
    ap.add_argument("--res-weight", type=float, default=0.005,
                    help="weight of the convergence term mean(||F_last|| / ||F_first||) (cold pass)")
    ap.add_argument("--frames", type=int, default=3, help="frames per training sequence (1 cold + n-1 warm)")
    ap.add_argument("--k1", type=float, default=0.0,
                    help="probability that a warm pass runs k=1 (the service's setting); else k is uniform in 1..K-1")
    ap.add_argument("--bptt", action="store_true", help="backpropagate through the chained states")
    ap.add_argument("--cosine-from", type=float, default=0.0,
                    help="minute at which the cosine schedule restarts from --lr (a warm restart on resume)")
    ap.add_argument("--graft", default="",
                    help="start (when <ckpt> has no last.pt) from this checkpoint of the network without the parts "
                         "the variant adds (the haze prior, the coarse filter, the patch weights): see network.graft")
    ap.add_argument("--new-lr-mult", type=float, default=20.0,
                    help="learning-rate factor for the parts a graft adds (the haze prior, the coarse filter, the patch weights)")
    ap.add_argument("--val-chain", type=int, default=16, help="frames of the validation warm chain")
    ap.add_argument("--ema", type=float, default=0.0,
                    help="keep an exponential moving average of the weights with this decay per step (e.g. 0.998; "
                         "0: off); validation then measures the average, and export/diagnose load it")
    ap.add_argument("--workers", type=int, default=0,
                    help="processes that synthesise the training batches (0: this one; on a GPU the card waits "
                         "for them otherwise)")
    ap.add_argument("--tf32", action="store_true",
                    help="CUDA matrix products and convolutions in TF32 (Ampere and later: the tensor cores, 10-bit mantissa)")
    a = ap.parse_args(argv)
    if a.minutes <= 0 and a.steps <= 0:
        ap.error("give --minutes or --steps")
    torch.set_num_threads(a.threads)
    ckdir = a.ckpt or os.path.join(data.HERE, "runs", a.variant)
    os.makedirs(ckdir, exist_ok=True)
    dev = torch.device(a.device)
    if a.tf32:
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    s = VARIANTS[a.variant]["s"]
    assert a.patch % s == 0

    torch.manual_seed(a.seed)
    model = InterIR(a.variant).to(dev)
    # parameters a graft adds start at zero and must travel far: Adam moves each by about lr per step, so they
    # get --new-lr-mult times the rate (at 1x the haze prior's beta had moved by 0.002 after 250 steps)
    new_names = {n for n, _ in model.named_parameters() if ".haze_" in n or ".coarse_" in n or ".nl_" in n}
    groups = [{"params": [p for n, p in model.named_parameters() if n not in new_names], "mult": 1.0}]
    if new_names:
        groups.append({"params": [p for n, p in model.named_parameters() if n in new_names], "mult": a.new_lr_mult})
    opt = torch.optim.Adam(groups, lr=a.lr)
    step, elapsed_prev, best, ck_val = 0, 0.0, -1.0, None
    ema_loaded = None
    warm_from = 0   # the lr warm-up counts from here (a graft starts a fresh optimiser)
    last = os.path.join(ckdir, "last.pt")
    if os.path.exists(last):
        # weights_only=False: PyTorch >= 2.6 refuses the numpy floats and run arguments a checkpoint holds
        ck = torch.load(last, map_location=dev, weights_only=False)
        assert ck["variant"] == a.variant, "checkpoint is of another variant"
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["opt"])
        step, elapsed_prev, best = ck["step"], ck["minutes"], ck.get("best", -1.0)
        ck_val = ck.get("val")
        ema_loaded = ck.get("ema")
        print(f"resumed from {last}: step {step}, {elapsed_prev:.1f} min", flush=True)
    elif a.graft:
        ck = torch.load(a.graft, map_location=dev, weights_only=False)
        names = graft(model, ck["model"])
        step, elapsed_prev = ck["step"], ck["minutes"]
        warm_from = step
        print(f"grafted from {a.graft} (step {step}, {elapsed_prev:.1f} min), new parts (they start so the network computes what it did): {names}; "
              f"fresh optimiser", flush=True)
    # the validation swings by ~1 dB between checkpoints at a constant lr (the mix and the haze term pull
    # the small network back and forth); an average of the recent weights sits between those swings
    ema_model = None
    if a.ema > 0:
        ema_model = copy.deepcopy(model)
        if ema_loaded is not None:
            ema_model.load_state_dict(ema_loaded)
        for p in ema_model.parameters():
            p.requires_grad_(False)
        print(f"weight average: decay {a.ema} per step ({'resumed' if ema_loaded is not None else 'starts at the weights'})",
              flush=True)
    print(f"variant {a.variant}: {count_params(model)} parameters, {json.dumps(VARIANTS[a.variant])}", flush=True)

    if a.workers > 0:
        # OpenCV's thread pool, most likely, does not survive fork: in the first GPU lease no worker delivered a
        # batch in 7 minutes, and with one thread here (no pool is ever made) the second lease's workers did
        cv2.setNumThreads(1)
    train_imgs = data.load_set("train")
    val_imgs = data.load_set("val")
    vset = data.val_set(val_imgs, size=128)
    print(f"train images {len(train_imgs)}, val images {len(val_imgs)}, val conditions {list(vset)}", flush=True)
    cset = chain_set(val_imgs, a.val_chain)
    stream = batches(train_imgs, a.patch, a.batch, a.seed + step, a.frames, a.workers)
    K = model.K
    command = "/usr/bin/python3 -m interir.train " + " ".join(sys.argv[1:] if argv is None else argv)

    csv_path = os.path.join(ckdir, "log.csv")
    new_csv = not os.path.exists(csv_path)
    fcsv = open(csv_path, "a", newline="")
    wr = csv.writer(fcsv)
    if new_csv:
        wr.writerow(["step", "minutes", "loss_cold", "loss_warm", "lr", "kind", "cond", "psnr_in", "psnr_cold",
                     "psnr_warm2"])

    def lr_at(minutes, st):
        frac = 0.0
        if a.minutes > 0:
            frac = (minutes - a.cosine_from) / max(a.minutes - a.cosine_from, 1e-6)
        elif a.steps > 0:
            frac = st / a.steps
        frac = min(max(frac, 0.0), 1.0)
        warm = min(1.0, max(st + 1 - warm_from, 1) / 200.0)
        return a.lr * warm * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * frac)))

    def save(minutes, valres):
        ck = {"model": model.state_dict(), "opt": opt.state_dict(), "step": step, "minutes": minutes,
              "variant": a.variant, "best": best, "val": valres, "command": command,
              "args": vars(a)}
        if ema_model is not None:
            ck["ema"] = ema_model.state_dict()
        tmp = last + ".tmp"
        torch.save(ck, tmp)
        os.replace(tmp, last)

    img_loss = psnr_loss if a.loss == "psnr" else charbonnier
    # SIGTERM/SIGINT save a checkpoint and exit, so a run can be paused at any moment (kill PID) and
    # resumed later without losing the minutes since the last validation
    stop_requested = []
    last_res = ck_val

    def request_stop(signum, frame):
        stop_requested.append(signum)
        signal.signal(signum, signal.SIG_DFL)   # a second signal ends the process at once

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, request_stop)
    t0 = time.time()
    last_val = time.time()
    run_lc, run_lw, run_conv, n_run = 0.0, 0.0, 0.0, 0
    model.train()
    while True:
        minutes = elapsed_prev + (time.time() - t0) / 60.0
        done = (a.minutes > 0 and minutes >= a.minutes) or (a.steps > 0 and step >= a.steps)
        if stop_requested and not done:
            save(minutes, last_res)
            print(f"stopped by signal at step {step}, {minutes:.1f} min; checkpoint saved", flush=True)
            break
        if done or time.time() - last_val >= a.val_every * 60:
            judged = ema_model if ema_model is not None else model
            res = evaluate(judged, vset, dev)
            last_res = res
            # "clean" (the model should leave a clean frame alone) is logged but kept out of the mean, which
            # stays comparable with the runs before it
            mean_cold = float(np.mean([v[1] for k, v in res.items() if k != "clean"]))
            best = max(best, mean_cold)
            line = " ".join(f"{k}: in {v[0]:.2f} cold {v[1]:.2f} warm2 {v[2]:.2f}" for k, v in res.items())
            ch_cold, ch_last = evaluate_chain(judged, cset, dev)
            print(f"[val] step {step} {minutes:.1f} min | {line} | mean cold {mean_cold:.2f} | "
                  f"chain {a.val_chain}x k=1: last frame {ch_last:.2f} (cold {ch_cold:.2f})", flush=True)
            for k, v in res.items():
                wr.writerow([step, f"{minutes:.2f}", "", "", "", "val", k, f"{v[0]:.3f}", f"{v[1]:.3f}", f"{v[2]:.3f}"])
            wr.writerow([step, f"{minutes:.2f}", "", "", "", "val", f"chain{a.val_chain}_k1_last", "",
                         f"{ch_cold:.3f}", f"{ch_last:.3f}"])
            fcsv.flush()
            save(minutes, res)
            last_val = time.time()
            if done:
                break
        lr = lr_at(minutes, step)
        for g in opt.param_groups:
            g["lr"] = lr * g.get("mult", 1.0)   # checkpoints from before the groups have no "mult"
        batch = next(stream)
        seq = [(torch.from_numpy(c).to(dev), torch.from_numpy(d).to(dev)) for c, d, _ in batch]
        empty = torch.zeros(0, device=dev)
        # cold pass on the oldest frame
        c0, d0 = seq[0]
        y0, st, res0, _ = model.run(d0, empty, 0)
        loss_c = img_loss(y0, c0)
        if a.haze_aux > 0:
            loss_c = loss_c + a.haze_aux * haze_term(model, st, d0, torch.from_numpy(batch[0][2]).to(dev))
        # convergence: the ISN residual should shrink over the stages (||F||/||F_0|| is what the service
        # uses to stop early, and a contracting iteration is what makes the warm start safe)
        conv = (res0[:, -1] / (res0[:, 0].detach() + 1e-3)).mean()
        # warm passes chained through the following frames, each from the previous frame's state
        # (detached), as the service does frame after frame
        krng = np.random.default_rng(a.seed + step)
        loss_w = torch.zeros((), device=dev)
        conv_w = torch.zeros((), device=dev)
        for c1, d1 in seq[1:]:
            k = 1 if (K == 1 or krng.random() < a.k1) else int(krng.integers(1, K))
            y1, st, res1, _ = model.run(d1, st if a.bptt else st.detach(), k)
            loss_w = loss_w + img_loss(y1, c1) / (len(seq) - 1)
            conv_w = conv_w + (res1[:, -1] / (res0[:, 0].detach() + 1e-3)).mean() / (len(seq) - 1)
        loss = loss_c + loss_w + a.res_weight * (conv + conv_w)
        if not torch.isfinite(loss):
            print(f"step {step}: non-finite loss, skipped", flush=True)
            opt.zero_grad(set_to_none=True)
            step += 1
            continue
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 0.5)
        opt.step()
        if ema_model is not None:
            with torch.no_grad():
                for pe, p in zip(ema_model.parameters(), model.parameters()):
                    pe.lerp_(p, 1.0 - a.ema)
        step += 1
        run_lc += float(loss_c)
        run_lw += float(loss_w)
        run_conv += float(conv)
        n_run += 1
        if step % 25 == 0:
            print(f"step {step} {minutes:.1f} min lr {lr:.2e} loss cold {run_lc / n_run:.4f} warm {run_lw / n_run:.4f} "
                  f"|F_K|/|F_1| {run_conv / n_run:.3f}",
                  flush=True)
            wr.writerow([step, f"{minutes:.2f}", f"{run_lc / n_run:.5f}", f"{run_lw / n_run:.5f}", f"{lr:.3e}",
                         "train", "", "", "", ""])
            fcsv.flush()
            run_lc, run_lw, run_conv, n_run = 0.0, 0.0, 0.0, 0
    fcsv.close()
    print("done", flush=True)


if __name__ == "__main__":
    main()
