"""Export a checkpoint to TorchScript + JSON sidecar, and write the Java cross-check fixture.

    cd model/python
    /usr/bin/python3 -m interir.export --variant live                 # newest runs/live/last.pt
    /usr/bin/python3 -m interir.export --variant live --untrained     # random init (flagged in the JSON)

Writes model/src/main/resources/interir/<variant>.pt and <variant>.json, and (for --fixture, default on)
model/src/test/resources/fixture/: raw little-endian float32 .bin files produced by running the
EXPORTED TorchScript file (loaded back) in Python, plus fixture.json with every shape.
"""
import argparse
import datetime
import json
import os
import sys

import numpy as np
import torch

from . import data
from . import degrade as dg
from .network import InterIR, VARIANTS, checkpoint_weights, count_params
from .video import STATE_PLANES, VideoInterIR

REPO = os.path.abspath(os.path.join(data.HERE, "..", ".."))
RES_DIR = os.path.join(REPO, "model", "src", "main", "resources", "interir")
FIX_DIR = os.path.join(REPO, "model", "src", "test", "resources", "fixture")


def script_model(model: InterIR) -> torch.jit.ScriptModule:
    model.eval()
    return torch.jit.script(model)


def check_roundtrip(model: InterIR, sm, x: torch.Tensor, k: int = 2) -> float:
    """max |scripted - eager| over all outputs, cold and warm."""
    worst = 0.0
    with torch.no_grad():
        e = torch.zeros(0)
        a = model(x, e, 0)
        b = sm(x, e, 0)
        a2 = model(x, a[1], k)
        b2 = sm(x, b[1], k)
        for p, q in list(zip(a, b)) + list(zip(a2, b2)):
            assert p.shape == q.shape, (p.shape, q.shape)
            worst = max(worst, float((p - q).abs().max()))
    return worst


def scripted_and_checked(model, variant: str):
    """The TorchScript of `model`, checked against the eager network on a square batch and a non-square tile."""
    sm = script_model(model)
    cfg = VARIANTS[variant]
    T = cfg["tile"]
    err = check_roundtrip(model, sm, torch.rand(2, 3, T, T))
    err2 = check_roundtrip(model, sm, torch.rand(1, 3, 3 * cfg["s"] * 8, 5 * cfg["s"] * 8))
    print(f"scripted vs eager max abs diff: square {err:.3g}, non-square {err2:.3g}")
    assert err < 1e-5 and err2 < 1e-5
    return sm


def write_bin(path, t):
    np.ascontiguousarray(t.detach().cpu().numpy().astype("<f4")).tofile(path)


def make_fixture(pt_path: str, variant: str, out_dir: str, size: int = 64, k: int = 2, seed: int = 42,
                 made: str = ""):
    """B=2 real val-image crops (size x size) degraded with fixed seeds, run through the exported file."""
    os.makedirs(out_dir, exist_ok=True)
    sp = data.load_split()
    names = sp["val"][:2]
    rng = np.random.default_rng(seed)
    specs = [dict(dg.EVAL_CONDITIONS["noise25"]), dict(dg.EVAL_CONDITIONS["haze+rain+noise"])]
    xs = []
    for name, spec in zip(names, specs):
        img = data.load_image(os.path.join(data.IMAGES, name))
        h, w = img.shape[:2]
        c = img[(h - size) // 2:(h - size) // 2 + size, (w - size) // 2:(w - size) // 2 + size]
        xs.append(dg.degrade(c, rng, spec).transpose(2, 0, 1))
    x = torch.from_numpy(np.stack(xs).astype(np.float32))
    sm = torch.jit.load(pt_path).eval()
    with torch.no_grad():
        y, st, res, rout = sm(x, torch.zeros(0), 0)
        yw, stw, resw, routw = sm(x, st, k)
    files = {"input.bin": x, "cold_y.bin": y, "cold_state.bin": st, "residuals_cold.bin": res,
             "routing_cold.bin": rout, "warm_y.bin": yw, "warm_state.bin": stw, "residuals_warm.bin": resw,
             "routing_warm.bin": routw}
    for n, t in files.items():
        write_bin(os.path.join(out_dir, n), t)
    meta = {
        "model": os.path.basename(pt_path), "variant": variant,
        "dtype": "float32", "byteOrder": "little-endian", "layout": "row-major (C order), NCHW",
        "k": k, "warmFrom": "cold_state.bin (warm call with the same input.bin)",
        "coldCall": "forward(input, empty tensor (numel 0), 0)",
        "warmCall": f"forward(input, cold_state, {k})",
        "shapes": {n.replace(".bin", ""): list(t.shape) for n, t in files.items()},
        "inputs": [{"image": n, "crop": f"centre {size}x{size}", "degradation": s} for n, s in zip(names, specs)],
        "seed": seed,
        "tolerance": {"abs": 1e-4, "note": "stack.md: libtorch 2.3.1 gave bit-identical results to 1.13.1"},
        "made": made or "cd model/python && /usr/bin/python3 -m interir.export --variant " + variant,
    }
    with open(os.path.join(out_dir, "fixture.json"), "w") as f:
        json.dump(meta, f, indent=1)
    return meta


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--variant", default="live", choices=sorted(VARIANTS))
    ap.add_argument("--ckpt", default="", help="checkpoint file (default runs/<variant>/last.pt)")
    ap.add_argument("--untrained", action="store_true", help="export the random initialisation")
    ap.add_argument("--out", default=RES_DIR)
    ap.add_argument("--no-fixture", action="store_true")
    ap.add_argument("--note", default="", help="free text stored in trained.note (e.g. the run's history)")
    ap.add_argument("--fixture-dir", default=FIX_DIR)
    ap.add_argument("--video", action="store_true",
                    help="export the video network: the single-frame network of --variant from --ckpt (default "
                         "checkpoints/live-nl/last.pt) followed by the temporal filter (video.py)")
    ap.add_argument("--name", default="",
                    help="name the service loads it by (<name>.pt, default the variant): e.g. --variant live_dcp "
                         "--name live ships the network with the haze prior as the live tier")
    ap.add_argument("--spatial-scale", type=int, default=1, choices=[1, 2],
                    help="with --video: 2 runs the single-frame network on each tile at half resolution after a "
                         "sequence's first frame (an experiment, not shipped: it fails the gate under haze, "
                         "docs/model.md)")
    ap.add_argument("--max-tile", type=int, default=368,
                    help="with --video: the longest tile side the service cuts frames into (sidecar maxTile; "
                         "evaluate.tile_side): tiles larger than the 128 px training crops restore better, their haze "
                         "prior and low-rank stages seeing more of the view; 368 cuts 640x360 into two tiles, one per "
                         "lane of a 2-core machine")
    a = ap.parse_args(argv)
    torch.set_num_threads(2)
    torch.manual_seed(0)
    if a.video:
        export_video(a)
        return
    model = InterIR(a.variant)
    ck = None
    if not a.untrained:
        path = a.ckpt or os.path.join(data.HERE, "runs", a.variant, "last.pt")
        ck = torch.load(path, map_location="cpu", weights_only=False)
        assert ck["variant"] == a.variant
        model.load_state_dict(checkpoint_weights(ck))
    model.eval()
    sm = scripted_and_checked(model, a.variant)
    cfg = VARIANTS[a.variant]
    T = cfg["tile"]
    os.makedirs(a.out, exist_ok=True)
    name = a.name or a.variant
    pt = os.path.join(a.out, f"{name}.pt")
    sm.save(pt)
    h = T // cfg["s"]
    side = {
        "variant": name,
        "network": a.variant,
        "scale": cfg["s"],
        "stages": cfg["K"],
        "channels": cfg["C"],
        "groups": cfg["G"],
        "stateChannels": model.state_channels(h, h),
        "stateChannelsFormula": "2*C + G*ceil(h/w) + G*ceil(w/h) with h=H/scale, w=W/scale "
                                "(= 2*C + 2*G for square tiles); state shape [B, S, H/scale, W/scale]",
        "stateLayout": "channels [0,C): U; [C,2C): Lambda; then L (G*ceil(h/w) planes); then R "
                       "(G*ceil(w/h) planes)",
        "bank": cfg["NB"],
        "tile": T,
        "overlap": cfg["overlap"],
        "filterSize": cfg["kf"],
        "parameters": count_params(model),
        "forward": "forward(x [B,3,H,W] RGB 0..1, state (numel 0 = cold), k: int) -> "
                   "(y [B,3,H,W] clamped, new_state, residuals [B,stages_run] (RMS of F per stage), "
                   "routing [B,bank] (mean EConv routing weights))",
        "torch": torch.__version__,
        "exported": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "untrained": bool(a.untrained),
        "recommended": {
            "warmK": 1,
            "coldEvery": 60,
            "note": "chain warm k=1 from frame to frame and restart each tile cold every 60 frames (the service's "
                    "pipeline.warmStages and pipeline.coldEvery): training chains are 10 frames long, and a chain "
                    "much longer than those it was trained on can drift. Figures: model/python/eval/results.md, "
                    "'Warm start' (python -m interir.evaluate --warm-frames 60).",
        },
    }
    if ck is not None:
        val = ck.get("val") or {}
        side["trained"] = {
            "command": ck.get("command"),
            "steps": ck["step"],
            "minutes": round(ck["minutes"], 2),
            "hardware": "CPU (2-core machine shared with builds), torch threads " + str(ck["args"].get("threads")),
            "data": "train split of /work/shared/data/images (model/python/split.json, "
                    f"{len(data.load_split()['train'])} photos), synthetic degradations (interir/degrade.py TRAIN_MIX)",
            "batch": ck["args"].get("batch"), "patch": ck["args"].get("patch"),
            "valPsnr": {k: {"input": round(v[0], 2), "cold": round(v[1], 2), "warm2": round(v[2], 2)}
                        for k, v in val.items()},
            "valSet": "val split, one centre 128x128 crop per photo, fixed seeds (interir/data.py val_set)",
            "checkpoint": os.path.relpath(os.path.abspath(path), os.path.join(data.HERE, "..", "..")),
        }
        if a.note:
            side["trained"]["note"] = a.note
    with open(os.path.join(a.out, f"{name}.json"), "w") as f:
        json.dump(side, f, indent=1)
    print(f"wrote {pt} ({os.path.getsize(pt) / 1e6:.2f} MB) and {name}.json")
    if not a.no_fixture:
        meta = make_fixture(pt, name, a.fixture_dir, made="cd model/python && /usr/bin/python3 -m interir.export "
                            + " ".join(sys.argv[1:] if argv is None else argv))
        print(f"fixture in {a.fixture_dir}: {meta['shapes']}")


def export_video(a):
    """The video network: the spatial path's weights from a train.py checkpoint, then the temporal filter, which has
    no weights (its constants are in video.TemporalFilter)."""
    spatial_path = a.ckpt or os.path.join(data.HERE, "checkpoints", "live-nl", "last.pt")
    ck = torch.load(spatial_path, map_location="cpu", weights_only=False)
    assert ck["variant"] == a.variant, (ck["variant"], a.variant)
    model = VideoInterIR(a.variant, spatial_scale=a.spatial_scale)
    model.spatial.load_state_dict(checkpoint_weights(ck))
    model.eval()
    sm = scripted_and_checked(model, a.variant)
    cfg = VARIANTS[a.variant]
    T = cfg["tile"]
    os.makedirs(a.out, exist_ok=True)
    name = a.name or "video"
    pt = os.path.join(a.out, f"{name}.pt")
    sm.save(pt)
    s = cfg["s"]
    f = model.temporal
    side = {
        "variant": name,
        "network": "video(" + a.variant + ")",
        "temporal": True,
        "scale": s,
        "stages": cfg["K"],
        "channels": cfg["C"],
        "groups": cfg["G"],
        "stateChannels": STATE_PLANES * s * s,
        "stateLayout": "the tile's running means of the input (3 planes) and of the single-frame restoration (3 "
                       "planes), their frame count (1 plane), the frames since the network last ran on the tile and "
                       "the tile's clock (1 plane each), pixel-unshuffled by scale: [B, 9*scale^2, H/scale, W/scale]; "
                       "empty on the first frame of a sequence",
        "bank": cfg["NB"],
        "tile": T,
        "maxTile": a.max_tile,
        "overlap": cfg["overlap"],
        "filterSize": cfg["kf"],
        "parameters": count_params(model),
        "temporalFilter": {"t0": f.t0, "t1": f.t1, "rho": f.rho, "kappa": f.kappa, "nMax": f.n_max,
                           "nOffset": f.n_offset, "haze0": f.haze0, "haze1": f.haze1,
                           "contrast0": f.contrast0, "contrast1": f.contrast1,
                           "correctionFrames": f.correction_frames,
                           "skipMax": model.skip_max, "skipN": model.skip_n, "skipKeep": model.skip_keep,
                           "note": "no learned parameters: a noise-calibrated motion test and inverse-variance "
                                   "weighting (model/python/interir/video.py)"},
        "forward": "forward(x [B,3,H,W] RGB 0..1, state (numel 0 = first frame, else the tile's means and count), "
                   "k: int (ignored: every frame runs all stages)) -> (y [B,3,H,W] clamped, new_state, residuals "
                   "[B,stages] (RMS of F per stage), routing [B,bank] (mean EConv routing weights))",
        "torch": torch.__version__,
        "exported": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "untrained": False,
        "recommended": {
            "coldEvery": 0,
            "note": "pass every frame's state to the next frame of the same tile, reset it at a scene cut, a seek or "
                    "a reconnect; no tile-reuse shortcuts (the filter already averages still regions over time)",
        },
        "trained": {
            "command": ck.get("command"),
            "steps": ck["step"],
            "minutes": round(ck["minutes"], 2),
            "data": "the spatial network: train split of /work/shared/data/images (model/python/split.json), "
                    "synthetic degradations (interir/degrade.py TRAIN_MIX); the temporal filter has no weights",
            "checkpoint": os.path.relpath(os.path.abspath(spatial_path), os.path.join(data.HERE, "..", "..")),
        },
    }
    if a.spatial_scale != 1:
        side["spatialScale"] = a.spatial_scale
        side["guidedEps"] = model.guided_eps
    with open(os.path.join(a.out, f"{name}.json"), "w") as f:
        json.dump(side, f, indent=1)
    print(f"wrote {pt} ({os.path.getsize(pt) / 1e6:.2f} MB) and {name}.json")
    if not a.no_fixture:
        meta = make_fixture(pt, name, a.fixture_dir, made="cd model/python && /usr/bin/python3 -m interir.export "
                            + " ".join(sys.argv[1:]))
        print(f"fixture in {a.fixture_dir}: {meta['shapes']}")


if __name__ == "__main__":
    main()
