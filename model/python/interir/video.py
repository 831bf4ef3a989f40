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

Which mean speaks for the scene depends on what the network did to it. Averaging the input is unbiased under noise:
its mean converges to the scene, where averaging the restoration keeps the network's bias (its haze prior shifts
the tone of flat low-contrast areas). Under haze the input's mean converges to the hazy scene, and the
restoration's mean is the one to trust. The filter uses `b` where the two means differ at low frequencies by more
than a network's bias (HAZE0 to HAZE1) and `b` has more local contrast than `a` (CONTRAST0 to CONTRAST1: dehazing
multiplies detail, denoising smooths it); elsewhere `a`. That mean is then weighed against the current
restoration y by their error variances: the mean's is the noise variance over n (it shrinks with every still
frame), y's a fraction RHO of the noise variance. Before the two are weighed, y is corrected by the low
frequencies of (mean - y), weighted by how many frames the mean holds.

TorchScript contract (the same as InterIR's, so the Java side runs both):
    forward(x, state, k) -> (y, new_state, residuals, routing)
    state empty: the first frame of a sequence; otherwise the tile's [a (3 planes), b (3 planes), n (1 plane)]
    pixel-unshuffled by the ISN's scale s: [B, 7 s^2, H/s, W/s]. The ISN stages run cold on every frame (k is
    ignored): the temporal evidence is the means of earlier frames, which are bounded, not the stage state.
"""
from typing import List, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

from .network import InterIR, box_sum5, pixel_shuffle

STATE_PLANES = 7  # the running means of the input and of the restoration (RGB each) and their frame count


def blur5(x: torch.Tensor) -> torch.Tensor:
    """5x5 box mean of every channel (window clipped at the border)."""
    B, C, H, W = x.shape
    s = box_sum5(x.reshape(B * C, 1, H, W)).reshape(B, C, H, W)
    n = box_sum5(torch.ones_like(x[:1, :1]))
    return s / n


def noise_sigma(x: torch.Tensor) -> torch.Tensor:
    """Per-sample noise level [B] (in 0..1 units) from the median absolute horizontal luma difference: the median
    ignores edges and streaks, which cover few pixels; for Gaussian noise median|d| = 0.6745 sqrt(2) sigma."""
    luma = x.mean(dim=1)
    d = (luma[:, :, 1:] - luma[:, :, :-1]).abs().flatten(1)
    return d.median(dim=1).values / 0.954 * 1.7320508  # luma averages 3 channels: sigma_luma = sigma / sqrt(3)


def align_history(h: torch.Tensor, target: torch.Tensor, reach: int = 2) -> torch.Tensor:
    """The history planes `h` shifted by the whole-pixel offset (up to `reach` px each way) whose first three planes
    best match `target`, one offset per tile: a pan or a shaking camera moves a tile's content as a whole. The
    match is the mean absolute luma difference; the unshifted view wins ties (a 2% bonus), so noise does not make a
    still camera's history wander."""
    B, _, H, W = h.shape
    n = 2 * reach + 1
    tl = target.mean(dim=1, keepdim=True)
    pad = F.pad(h, [reach, reach, reach, reach], mode="replicate")
    pl = pad[:, :3].mean(dim=1, keepdim=True)
    costs: List[torch.Tensor] = []
    for dy in range(n):
        for dx in range(n):
            costs.append((pl[:, :, dy:dy + H, dx:dx + W] - tl).abs().mean(dim=(1, 2, 3)))
    c = torch.stack(costs, dim=1)
    centre = reach * n + reach
    c[:, centre] = c[:, centre] * 0.98
    best = c.argmin(dim=1)
    rows: List[torch.Tensor] = []
    for b in range(B):
        k = int(best[b])
        dy = k // n
        dx = k % n
        rows.append(pad[b, :, dy:dy + H, dx:dx + W])
    return torch.stack(rows, dim=0)


class TemporalFilter(nn.Module):
    """One step of the filter (see the module docstring). No learned parameters. Its constants:
    - T0, T1: the motion test's threshold and softness, in units of the expected variance;
    - RHO: y's error variance as a fraction of the noise variance;
    - HAZE0, HAZE1: the low-frequency difference between the two means (0..1 units) below which it is the
      network's bias and above which it may be haze;
    - CONTRAST0, CONTRAST1: the ratio of the means' local contrasts above which it is haze;
    - CORRECTION_FRAMES: how many more frames the mean must hold before it corrects half of y's low frequencies;
    - KAPPA: the outlier clamp in noise sigmas (a faint spike moves a still pixel's mean by at most that much; a
      bright rain streak fails the motion test, restarts the history under it and is left to the restoration);
    - N_MAX: the longest memory in frames; N_OFFSET: a first frame's mean counts as 1 - N_OFFSET of a frame."""

    def __init__(self, t0: float = 4.0, t1: float = 8.0, rho: float = 0.05, kappa: float = 3.0,
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

    def keep(self, d: torch.Tensor, s2: torch.Tensor, n0: torch.Tensor) -> torch.Tensor:
        """How much of the history stays, per pixel [B,1,H,W] in (0, 1]: the squared 5x5 mean of the luma difference
        d = x - a as a ratio to its variance if nothing moved, s2 (1 + 1/n0) / 75 (3 colours, 25 pixels)."""
        m = blur5(d.mean(dim=1, keepdim=True)) ** 2
        r = m / (s2 / 75.0 * (1.0 + 1.0 / n0))
        return torch.exp(-F.relu(r - self.t0) / self.t1)

    def forward(self, x: torch.Tensor, y: torch.Tensor, a0: torch.Tensor, b0: torch.Tensor, n0: torch.Tensor
                ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """(output, new input mean, new restoration mean, new count) from the frame x, its single-frame restoration
        y and the aligned history."""
        sigma = noise_sigma(x).view(-1, 1, 1, 1)
        s2 = sigma * sigma + (1.0 / 255.0) ** 2  # 8-bit input: never trust the mean beyond the quantisation
        d = x - a0
        keep = self.keep(d, s2, n0)
        n = torch.clamp(1.0 + keep * n0, max=self.n_max)
        # a still pixel's step is clamped to KAPPA sigma (outliers); where the history is dropped, not at all
        bound = self.kappa * sigma + (1.0 - keep)
        a = a0 + torch.maximum(torch.minimum(d, bound), -bound) / n
        b = b0 + (y - b0) / n
        m = self.mean_for_output(a, b, s2 / n)
        # y's low frequencies move towards the mean's as the mean earns trust, (n - 1) / (n - 1 + CORRECTION_FRAMES):
        # a mean of a few frames is mostly the last frame's haze, rain and noise
        c = y + (n - 1.0) / (n - 1.0 + self.correction_frames) * blur5(m - y)
        vt = s2 / torch.clamp(n - self.n_offset, min=1e-3)
        vy = self.rho * s2
        return (m * vy + c * vt) / (vt + vy), a, b, n

    def mean_for_output(self, a: torch.Tensor, b: torch.Tensor, noise_var: torch.Tensor) -> torch.Tensor:
        """The input's mean `a`, or the restoration's mean `b` where the network removed haze: there the two differ
        at low frequencies by more than a network's bias (HAZE0 to HAZE1) AND `b` has more local contrast than `a`
        (dehazing multiplies detail by 1/t; denoising only ever smooths it). A network's tone shift alone, which
        `a` corrects, fails the second test. `noise_var` is the noise variance left in `a`, taken off its contrast."""
        low = blur5(b - a).abs().mean(dim=1, keepdim=True)
        g_low = torch.clamp((low - self.haze0) / (self.haze1 - self.haze0), 0.0, 1.0)
        va = blur5(((a - blur5(a)) ** 2).mean(dim=1, keepdim=True)) - noise_var
        vb = blur5(((b - blur5(b)) ** 2).mean(dim=1, keepdim=True))
        e2 = 1e-4  # a 0.01 floor, so flat areas compare as equal
        ratio = torch.sqrt((vb + e2) / (torch.clamp(va, min=0.0) + e2))
        g_contrast = torch.clamp((ratio - self.contrast0) / (self.contrast1 - self.contrast0), 0.0, 1.0)
        return a + g_low * g_contrast * (b - a)


class VideoInterIR(nn.Module):
    """InterIR (the spatial path, any variant) followed by the TemporalFilter; see the module docstring for the
    contract."""

    def __init__(self, spatial_variant: str = "live_nl"):
        super().__init__()
        self.spatial = InterIR(spatial_variant)
        self.temporal = TemporalFilter()
        self.s = self.spatial.s
        self.K = self.spatial.K

    def spatial_pass(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(y clamped to [0, 1], residuals, routing) of the single-frame network, all K stages from cold."""
        y, _, res, routing = self.spatial.run(x, torch.zeros(0, device=x.device), self.K)
        return y.clamp(0.0, 1.0), res, routing

    def forward(self, x: torch.Tensor, state: torch.Tensor, k: int
                ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        y, res, routing = self.spatial_pass(x)
        if state.numel() == 0:
            out = y
            a = x
            b = y
            n = torch.ones_like(x[:, :1])
        else:
            h = align_history(pixel_shuffle(state, self.s), x)
            out, a, b, n = self.temporal(x, y, h[:, :3], h[:, 3:6], h[:, 6:7])
        new_state = F.pixel_unshuffle(torch.cat([a, b, n], dim=1), self.s)
        return out.clamp(0.0, 1.0), new_state, res, routing
