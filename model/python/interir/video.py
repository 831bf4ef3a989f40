"""The video network: InterIR's single-frame restoration plus a noise-calibrated temporal filter.

A frame restored on its own can only average over its own pixels; a camera that stands still shows the same scene
in every frame with fresh noise and rain, so every earlier frame is another observation of it. The filter keeps,
per tile and pixel, a running mean `a` of the degraded input, a running mean `b` of the single-frame restoration
and the count `n` of frames they hold:

  - where the input agrees with `a` (the 5x5 luma mean of their difference is within what the noise level
    explains), the frame joins the means and `n` grows (up to N_MAX frames);
  - where it does not (something moved, was uncovered, a scene cut), `n` falls back towards 1 and the means follow
    the new frame. The test is a ratio to the expected noise variance of that difference, so it means the same at
    any noise level; its threshold and softness were chosen on the train clips (`tune_temporal.py`), not learned.

Which mean speaks for the scene: the restoration's mean `b` is the better estimate while the history is short
(each restoration is already denoised, where the input's mean `a` still holds noise of variance sigma^2 / n), but it
keeps the network's bias (its haze prior shifts the tone of flat low-contrast areas, its smoothing loses fine
texture), where `a` converges to the scene. So the filter starts from `b` and adds the difference a - b, split into
its 5x5 low frequencies and the rest, each shrunk by a local Wiener gain: kept where its local energy stands above
the noise `a` still holds, dropped where it is that noise. A long still history takes `a`'s tones and texture, a
young one stays with `b`. Under haze `a` converges to the hazy scene and the difference is the haze the network
removed: there (see TemporalFilter.haze_gate) the correction is left out. That mean is then weighed against the
current restoration y by their error variances: the mean's is the noise variance over n (it shrinks with every
still frame), y's a fraction RHO of the noise variance. Before the two are weighed, y is corrected by the low
frequencies of (mean - y), weighted by how many frames the mean holds.

TorchScript contract (the same as InterIR's, so the Java side runs both):
    forward(x, state, k) -> (y, new_state, residuals, routing)
    state empty: the first frame of a sequence; otherwise the tile's [a (3 planes), b (3 planes), n (1 plane), frames
    since the network last ran on it (1 plane), its clock (1 plane)] pixel-unshuffled by the ISN's scale s:
    [B, 9 s^2, H/s, W/s]. The ISN stages run cold on every frame (k is ignored): the temporal evidence is the means
    of earlier frames, which are bounded, not the stage state. Still tiles may skip the ISN (see VideoInterIR).
"""
from typing import List, Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

from .network import InterIR, box_sum5, pixel_shuffle, pixel_unshuffle

# the filter's history (the running means of the input and of the restoration, RGB each, and their frame count), then
# the frames since the network last ran on the tile and the tile's clock (frames seen, modulo SKIP_MAX + 1)
FILTER_PLANES = 7
STATE_PLANES = 9


def window_count(x: torch.Tensor) -> torch.Tensor:
    """[1,1,H,W]: how many pixels the 5x5 window around each pixel of x holds (fewer at the border)."""
    return box_sum5(torch.ones_like(x[:1, :1]))


def blur5(x: torch.Tensor, count: Optional[torch.Tensor] = None) -> torch.Tensor:
    """5x5 box mean of every channel (window clipped at the border); `count` is window_count(x) where the caller
    has it."""
    B, C, H, W = x.shape
    if count is None:
        count = window_count(x)
    return box_sum5(x.reshape(B * C, 1, H, W)).reshape(B, C, H, W) / count


def noise_sigma(x: torch.Tensor) -> torch.Tensor:
    """Per-sample noise level [B] (in 0..1 units) from the median absolute horizontal luma difference: the median
    ignores edges and streaks, which cover few pixels; for Gaussian noise median|d| = 0.6745 sqrt(2) sigma."""
    luma = x.mean(dim=1)
    d = (luma[:, :, 1:] - luma[:, :, :-1]).abs().flatten(1)
    return d.median(dim=1).values / 0.954 * 1.7320508  # luma averages 3 channels: sigma_luma = sigma / sqrt(3)


def align_history(h: torch.Tensor, target: torch.Tensor, reach: int = 2, block: int = 16,
                  margin: float = 0.15) -> torch.Tensor:
    """The history planes `h` shifted so that their first three planes best match `target`, by a whole-pixel
    offset of up to `reach` px each way per tile (a pan or a shaking camera moves a tile's content as a whole) and,
    where a `block` x `block` part of the tile moved on its own (a swaying branch, a walking person), by that block's
    own offset. The match is the mean absolute luma difference. The unshifted view wins ties (a 2% bonus), and a
    block leaves its tile's offset only for one that matches it `margin` better: on a still view the noise alone
    makes some offset of 25 look best by a few percent, and a history that followed it would wander and blur.
    Only the luma is padded for the search and only the tiles with some offset are shifted: most tiles of most
    frames stay where they are."""
    B, _, H, W = h.shape
    n = 2 * reach + 1
    tl = target.mean(dim=1, keepdim=True)
    pl = F.pad(h[:, :3].mean(dim=1, keepdim=True), [reach, reach, reach, reach], mode="replicate")
    costs: List[torch.Tensor] = []
    for dy in range(n):
        for dx in range(n):
            # pooled as they come: the differences of all 25 offsets at full resolution at once were slower
            costs.append(F.avg_pool2d((pl[:, :, dy:dy + H, dx:dx + W] - tl).abs(), block, ceil_mode=True))
    centre = reach * n + reach
    bonus = torch.ones(n * n, dtype=h.dtype, device=h.device)
    bonus[centre] = 0.98
    block_cost = torch.cat(costs, dim=1) * bonus.view(1, -1, 1, 1)     # [B, n*n, hb, wb]
    tile_best = block_cost.mean(dim=(2, 3)).argmin(dim=1)               # [B]
    hb = block_cost.shape[2]
    wb = block_cost.shape[3]
    at_tile = block_cost.gather(1, tile_best.view(B, 1, 1, 1).expand(B, 1, hb, wb))
    own_cost, own_best = block_cost.min(dim=1, keepdim=True)
    best = torch.where(own_cost < (1.0 - margin) * at_tile, own_best, tile_best.view(B, 1, 1, 1).expand(B, 1, hb, wb))
    moved = torch.nonzero((best != centre).flatten(1).any(dim=1)).flatten()
    if moved.numel() == 0:
        return h
    # per pixel of the moved tiles, its place in the replicate-padded history
    bm = best.index_select(0, moved)
    bm = bm.repeat_interleave(block, dim=2)[:, :, :H].repeat_interleave(block, dim=3)[:, :, :, :W]    # [M,1,H,W]
    Wp = W + 2 * reach
    rows = torch.arange(H, device=h.device).view(1, 1, H, 1)
    cols = torch.arange(W, device=h.device).view(1, 1, 1, W)
    idx = (rows + torch.div(bm, n, rounding_mode="floor")) * Wp + cols + torch.remainder(bm, n)
    hp = F.pad(h.index_select(0, moved), [reach, reach, reach, reach], mode="replicate")
    M = hp.shape[0]
    C = hp.shape[1]
    shifted = hp.reshape(M, C, -1).gather(2, idx.reshape(M, 1, H * W).expand(M, C, H * W)).reshape(M, C, H, W)
    return h.index_copy(0, moved, shifted)


class TemporalFilter(nn.Module):
    """One step of the filter (see the module docstring). No learned parameters. Its constants:
    - T0, T1: the motion test's threshold and softness, in units of the expected variance;
    - RHO: y's error variance as a fraction of the noise variance;
    - HAZE0, HAZE1: the low-frequency difference between the two means (0..1 units) below which it is the
      network's bias and above which it may be haze;
    - CONTRAST0, CONTRAST1: the ratio of the means' local contrasts above which it is haze;
    - CORRECTION_FRAMES: how many more frames the mean must hold before it corrects half of y's low frequencies;
    - KAPPA: the outlier clamp in noise sigmas (a faint spike moves a still pixel's mean by at most that much);
    - N_MAX: the longest memory in frames; N_OFFSET: a first frame's mean counts as 1 - N_OFFSET of a frame.

    The history `hist` [B, FILTER_PLANES, H, W] holds a (3), b (3) and n (1)."""

    def __init__(self, t0: float = 4.0, t1: float = 8.0, rho: float = 0.2, kappa: float = 3.0,
                 n_max: float = 64.0, n_offset: float = 0.9, haze0: float = 0.02, haze1: float = 0.05,
                 contrast0: float = 1.1, contrast1: float = 1.4, correction_frames: float = 4.0):
        super().__init__()
        self.correction_frames = correction_frames
        self.contrast0 = contrast0
        self.contrast1 = contrast1
        self.haze0 = haze0
        self.haze1 = haze1
        self.t0 = t0
        self.t1 = t1
        self.rho = rho
        self.kappa = kappa
        self.n_max = n_max
        self.n_offset = n_offset

    def start(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """The history after a sequence's first frame."""
        one = torch.ones_like(x[:, :1])
        return torch.cat([x, y, one], dim=1)

    def motion(self, x: torch.Tensor, hist: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """(keep, s2): how much of the history stays, per pixel [B,1,H,W] in (0, 1], and the noise variance [B,1,1,1].
        The squared 5x5 mean of the luma difference d = x - a is taken as a ratio to its variance if nothing moved,
        s2 (1 + 1/n) / (3 w) (3 colours, w pixels in the window: 25, fewer at the tile's border)."""
        sigma = noise_sigma(x).view(-1, 1, 1, 1)
        s2 = sigma * sigma + (1.0 / 255.0) ** 2  # 8-bit input: never trust the mean beyond the quantisation
        count = window_count(x)
        m = blur5((x - hist[:, :3]).mean(dim=1, keepdim=True), count) ** 2
        r = m * (3.0 * count) / (s2 * (1.0 + 1.0 / hist[:, 6:7]))
        return torch.exp(-F.relu(r - self.t0) / self.t1), s2

    def forward(self, x: torch.Tensor, y: torch.Tensor, hist: torch.Tensor, keep: torch.Tensor, s2: torch.Tensor
                ) -> Tuple[torch.Tensor, torch.Tensor]:
        """(output, new history) from the frame x, its single-frame restoration y, the aligned history and
        motion(x, hist)."""
        a0 = hist[:, :3]
        b0 = hist[:, 3:6]
        n0 = hist[:, 6:7]
        d = x - a0
        n = torch.clamp(1.0 + keep * n0, max=self.n_max)
        # a still pixel's step is clamped to KAPPA sigma (outliers); where the history is dropped, not at all
        bound = self.kappa * torch.sqrt(s2) + (1.0 - keep)
        a = a0 + torch.maximum(torch.minimum(d, bound), -bound) / n
        b = b0 + (y - b0) / n
        count = window_count(x)
        m = self.mean_for_output(a, b, s2 / n, count)
        # y's low frequencies move towards the mean's as the mean earns trust, (n - 1) / (n - 1 + CORRECTION_FRAMES):
        # a mean of a few frames is mostly the last frame's haze, rain and noise
        c = y + (n - 1.0) / (n - 1.0 + self.correction_frames) * blur5(m - y, count)
        vt = s2 / torch.clamp(n - self.n_offset, min=1e-3)
        vy = self.rho * s2
        return (m * vy + c * vt) / (vt + vy), torch.cat([a, b, n], dim=1)

    def step(self, x: torch.Tensor, y: torch.Tensor, hist: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """motion() then forward(): one frame through the filter, for callers that have y already."""
        keep, s2 = self.motion(x, hist)
        return self.forward(x, y, hist, keep, s2)

    def mean_for_output(self, a: torch.Tensor, b: torch.Tensor, noise_var: torch.Tensor, count: torch.Tensor
                        ) -> torch.Tensor:
        """The restoration's mean `b`, corrected towards the input's mean `a` where their difference is more than
        the noise `a` still holds (`noise_var`, per colour), unless that difference is haze the network removed.
        `count` is window_count(a)."""
        blur_a = blur5(a, count)
        blur_b = blur5(b, count)
        low = blur_a - blur_b  # blur5(a - b), from the blurs the haze test needs anyway
        high = (a - b) - low
        tiny = 1e-8
        # local Wiener gains: each band of a - b is kept where its local energy stands above a's noise in that band
        # (a 5x5 mean holds 1/25 of it, the rest 24/25) and dropped where it is that noise
        g_low = torch.clamp(1.0 - (noise_var / 25.0) / (blur5(low * low, count) + tiny), 0.0, 1.0)
        g_high = torch.clamp(1.0 - (noise_var * 0.96) / (blur5(high * high, count) + tiny), 0.0, 1.0)
        gate = self.haze_gate(a - blur_a, b - blur_b, low, noise_var, count)
        return b + (1.0 - gate) * (g_low * low + g_high * high)

    def haze_gate(self, detail_a: torch.Tensor, detail_b: torch.Tensor, low: torch.Tensor, noise_var: torch.Tensor,
                  count: torch.Tensor) -> torch.Tensor:
        """[B,1,H,W] in [0, 1]: 1 where the restoration's mean `b` differs from the input's mean `a` by haze the
        network removed; `detail_a`, `detail_b` are a and b less their 5x5 means, `low` = blur5(a - b). There the
        two means differ at low frequencies by more than a network's bias (HAZE0 to HAZE1) AND `b` has more
        local contrast than `a` (CONTRAST0 to CONTRAST1: dehazing multiplies detail by 1/t; denoising only ever
        smooths it). A network's tone shift alone fails the second test. Each test passes at the pixel or over
        the whole tile: haze covers a view, and rain or a flat patch can hide it from one pixel's window."""
        shift = low.abs().mean(dim=1, keepdim=True)
        shift = torch.maximum(shift, shift.mean(dim=(1, 2, 3), keepdim=True))
        va = blur5((detail_a * detail_a).mean(dim=1, keepdim=True), count) - noise_var
        vb = blur5((detail_b * detail_b).mean(dim=1, keepdim=True), count)
        e2 = 1e-4  # a 0.01 floor, so flat areas compare as equal
        ratio = torch.sqrt((vb + e2) / (torch.clamp(va, min=0.0) + e2))
        tile_ratio = torch.sqrt((vb.mean(dim=(1, 2, 3), keepdim=True) + e2)
                                / (torch.clamp(va.mean(dim=(1, 2, 3), keepdim=True), min=0.0) + e2))
        ratio = torch.maximum(ratio, tile_ratio)
        g_shift = torch.clamp((shift - self.haze0) / (self.haze1 - self.haze0), 0.0, 1.0)
        g_contrast = torch.clamp((ratio - self.contrast0) / (self.contrast1 - self.contrast0), 0.0, 1.0)
        return g_shift * g_contrast


class VideoInterIR(nn.Module):
    """InterIR (the spatial path, any variant) followed by the TemporalFilter; see the module docstring for the
    contract.

    A tile whose history is long and still (every pixel passes the motion test loosely, keep > SKIP_KEEP, and the
    history holds SKIP_N frames on average) may skip the spatial network: its restoration is then the restoration's
    mean b, moved as far as the input's mean moves this frame. Such a tile still runs the network once every
    SKIP_MAX + 1 frames, so b follows slow changes (light, shadows); the tiles of a frame take turns (by their place
    in the batch), so every frame costs about the same. Anything that moves fails the test and runs the network on
    that frame.

    With `spatial_scale` 2 (an experiment, not shipped: docs/model.md) the spatial network runs on half-resolution
    tiles, except on a sequence's first frame, which has no history to lean on."""

    def __init__(self, spatial_variant: str = "live_nl", skip_max: int = 3, skip_n: float = 16.0,
                 skip_keep: float = 0.135, spatial_scale: int = 1):
        super().__init__()
        self.spatial_scale = spatial_scale
        # the half-resolution pass's guided upsampling regulariser, in units of the half-resolution noise variance (4
        # and 8 gave the same on the hand-held clip and the tree; 1 let noise through)
        self.guided_eps = 4.0
        self.spatial = InterIR(spatial_variant)
        self.temporal = TemporalFilter()
        self.s = self.spatial.s
        self.K = self.spatial.K
        self.skip_max = skip_max
        self.skip_n = skip_n
        self.skip_keep = skip_keep
        self.filter_planes = FILTER_PLANES

    def spatial_pass(self, x: torch.Tensor, scale: int = 1) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(y clamped to [0, 1], residuals, routing) of the single-frame network, all K stages from cold; at `scale` 2
        on the tile averaged down by 2 (a quarter of the pixels), brought back up with the detail the half-resolution
        pass cannot see."""
        if scale == 1:
            y, _, res, routing = self.spatial.run(x, torch.zeros(0, device=x.device), self.K)
            return y.clamp(0.0, 1.0), res, routing
        H = x.shape[2]
        W = x.shape[3]
        xs = F.avg_pool2d(x, scale)
        ys, _, res, routing = self.spatial.run(xs, torch.zeros(0, device=x.device), self.K)
        # back to full resolution by a guided filter's local affine map from the half-resolution input to its
        # restoration, applied to the full-resolution input (its slope is 1/t under haze, near 0 on flat noise, near
        # 1 on edges): the detail the half-resolution pass cannot see comes from the input, with the pass's tone and
        # haze removal; the regulariser, guided_eps times the half-resolution noise variance, keeps flat noise out
        ys = ys.clamp(0.0, 1.0)
        s2 = noise_sigma(x).view(-1, 1, 1, 1) ** 2
        count = window_count(xs)
        mx = blur5(xs, count)
        my = blur5(ys, count)
        var = blur5(xs * xs, count) - mx * mx
        slope = (blur5(xs * ys, count) - mx * my) / (var + self.guided_eps * s2 / 4.0 + 1e-6)
        offset = my - slope * mx
        slope = F.interpolate(blur5(slope, count), size=[H, W], mode="bilinear", align_corners=False)
        offset = F.interpolate(blur5(offset, count), size=[H, W], mode="bilinear", align_corners=False)
        return (slope * x + offset).clamp(0.0, 1.0), res, routing

    def skippable(self, hist: torch.Tensor, keep: torch.Tensor, age: torch.Tensor, clock: torch.Tensor
                  ) -> torch.Tensor:
        """[B] bool: the tiles whose restoration comes from their history this frame."""
        period = self.skip_max + 1
        turn = torch.remainder(clock + torch.arange(clock.shape[0], device=clock.device).to(clock.dtype), period) == 0
        return ((keep.amin(dim=(1, 2, 3)) > self.skip_keep) & (hist[:, 6].mean(dim=(1, 2)) >= self.skip_n)
                & (age < float(self.skip_max)) & ~turn)

    def forward(self, x: torch.Tensor, state: torch.Tensor, k: int
                ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        B = x.shape[0]
        if state.numel() == 0:
            y, res, routing = self.spatial_pass(x)
            out = y
            hist = self.temporal.start(x, y)
            age = torch.zeros(B, dtype=x.dtype, device=x.device)
            clock = torch.zeros(B, dtype=x.dtype, device=x.device)
        else:
            h = align_history(pixel_shuffle(state, self.s), x)
            keep, s2 = self.temporal.motion(x, h)
            # the bookkeeping planes hold one value per tile; the mean undoes any mix at the border from alignment
            f = self.filter_planes
            age0 = torch.round(h[:, f].mean(dim=(1, 2)))
            clock0 = torch.round(h[:, f + 1].mean(dim=(1, 2)))
            skip = self.skippable(h, keep, age0, clock0)
            run = torch.nonzero(~skip).flatten()
            # a skipped tile's restoration: the restoration's mean, moved as far as the input's mean moves
            y = h[:, 3:6] + (1.0 - keep) * (x - h[:, :3])
            res = torch.zeros(B, self.K, dtype=x.dtype, device=x.device)
            routing = torch.zeros(B, self.spatial.NB, dtype=x.dtype, device=x.device)
            if run.numel() > 0:
                y_run, res_run, rout_run = self.spatial_pass(x.index_select(0, run), self.spatial_scale)
                y = y.index_copy(0, run, y_run)
                # a skipped tile reports the mean of the tiles that ran (the charts average over tiles)
                res = res + res_run.mean(dim=0, keepdim=True)
                routing = routing + rout_run.mean(dim=0, keepdim=True)
                res = res.index_copy(0, run, res_run)
                routing = routing.index_copy(0, run, rout_run)
            out, hist = self.temporal(x, y, h[:, :f], keep, s2)
            age = torch.where(skip, age0 + 1.0, torch.zeros_like(age0))
            clock = torch.remainder(clock0 + 1.0, float(self.skip_max + 1))
        planes = torch.stack([age, clock], dim=1).view(B, 2, 1, 1).expand(B, 2, x.shape[2], x.shape[3])
        return out.clamp(0.0, 1.0), pixel_unshuffle(torch.cat([hist, planes], dim=1), self.s), res, routing
