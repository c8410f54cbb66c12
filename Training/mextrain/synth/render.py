"""Schedules (expressions, blinks, drift, lighting), per-frame rendering and FFmpeg encoding."""
import json
import math
import os
import subprocess
from dataclasses import dataclass, asdict

import cv2
import numpy as np

from . import au as aus
from . import faces

NOISE_BANK = 8           # pre-drawn noise fields per video
NOISE_PAD = 64           # random window offsets into each field
REF_FACE_WIDTH = 170.0     # intensities below are for this face width and scale with the real one


@dataclass
class Expression:
    onset: int          # last neutral frame before the motion (profile 0)
    apex: int           # frame of full intensity
    offset: int         # first frame back at neutral (profile 0)
    kind: str           # micro | macro
    au: str             # e.g. AU12, AU1+2, AU6+12
    label: str          # positive | negative | surprise
    intensity: float    # apex displacement in px (largest point of the field)
    hold_start: int     # first frame at full intensity
    hold_end: int       # last frame at full intensity


@dataclass
class Options:
    fps: float = 30.0
    seconds: float = 24.0
    neutral: bool = False
    micro_fraction: float = 0.6
    first_onset_s: float = 3.0
    min_gap_s: float = 2.0
    max_gap_s: float = 3.5
    max_expressions: int = 6
    micro_s: tuple = (0.2, 0.45)
    macro_s: tuple = (0.65, 4.0)
    micro_px: tuple = (1.5, 3.5)
    macro_px: tuple = (3.0, 7.0)
    noise_sigma: tuple = (2.0, 4.0)  # before compression; x264 removes much of it in still areas
    crf: tuple = (20, 23)
    face_width: tuple = (155, 195)
    blink_interval_s: tuple = (2.0, 6.0)
    blinks_avoid_expressions: bool = True
    drift: bool = True
    preset: str = "veryfast"


def smooth_profile(n_up, n_extra, n_down):
    """Raised cosine 0 -> 1 over n_up frames, n_extra more frames at 1, raised cosine 1 -> 0 over
    n_down frames. Values for frames onset..offset inclusive (first and last are 0)."""
    up = 0.5 * (1 - np.cos(np.pi * np.arange(n_up + 1) / n_up))
    down = 0.5 * (1 + np.cos(np.pi * np.arange(n_down + 1) / n_down))
    return np.concatenate([up, np.ones(n_extra), down[1:]])


def schedule_expressions(rng, n_frames, o: Options):
    if o.neutral:
        return []
    fps = o.fps
    labels = []
    out = []
    t = o.first_onset_s + rng.uniform(0, 1.5)
    while len(out) < o.max_expressions:
        micro = rng.random() < o.micro_fraction
        dur = rng.uniform(*(o.micro_s if micro else o.macro_s))
        n = max(4, int(round(dur * fps)))
        if micro:
            n_up = max(2, int(round(n * rng.uniform(0.35, 0.55))))
            n_extra = 0
        else:
            n_up = max(2, int(round(fps * rng.uniform(0.25, 0.6))))
            n_extra = int(round((n - n_up) * rng.uniform(0.0, 0.5)))
        n_down = n - n_up - n_extra
        if n_down < 2:
            n_down = 2
            n = n_up + n_extra + n_down
        onset = int(round(t * fps))
        offset = onset + n
        if offset + int(1.0 * fps) >= n_frames:
            break
        if not labels:      # balanced classes: draw from a shuffled bag of the three labels
            labels = list(rng.permutation(aus.LABELS))
        label = labels.pop()
        combos, weights = zip(*aus.COMBOS[label])
        au = combos[rng.choice(len(combos), p=np.array(weights) / sum(weights))]
        px = rng.uniform(*(o.micro_px if micro else o.macro_px))
        hold_start = onset + n_up
        hold_end = hold_start + n_extra
        apex = (hold_start + hold_end) // 2
        out.append(Expression(onset, apex, offset, "micro" if micro else "macro", au, label,
                              round(float(px), 3), hold_start, hold_end))
        t = offset / fps + rng.uniform(o.min_gap_s, o.max_gap_s)
    return out


def expression_amplitudes(exprs, n_frames):
    """Per expression: (start, values) of the temporal profile in units of its intensity."""
    res = []
    for e in exprs:
        prof = smooth_profile(e.hold_start - e.onset, e.hold_end - e.hold_start, e.offset - e.hold_end)
        assert len(prof) == e.offset - e.onset + 1, (len(prof), e)
        res.append(prof)
    return res


def schedule_blinks(rng, n_frames, fps, exprs, o: Options):
    """Blink intervals (start, end) with a closing of 0.1-0.15 s and a slower opening."""
    out = []
    t = rng.uniform(0.5, o.blink_interval_s[1])
    busy = [(e.onset - 0.15 * fps, e.offset + 0.15 * fps) for e in exprs] if o.blinks_avoid_expressions else []
    while True:
        n_close = max(2, int(round(rng.uniform(0.10, 0.15) * fps)))
        n_open = max(2, int(round(rng.uniform(0.12, 0.22) * fps)))
        s = int(round(t * fps))
        e = s + n_close + n_open
        if e >= n_frames:
            break
        clash = [b for b in busy if s <= b[1] and e >= b[0]]
        if clash:
            t = clash[0][1] / fps + 0.2
            continue
        out.append((s, n_close, n_open))
        t = e / fps + rng.uniform(*o.blink_interval_s)
    return out


def blink_field(face, shape):
    """Content motion (H, W, 2) of a full blink: the skin above each eye slides down over the eye
    (a vertical squash), plus a darkening map for the lid/lash line. Eye regions only."""
    h_img, w_img = shape
    fw, fh = float(face.box[2]), float(face.box[3])
    field = np.zeros((h_img, w_img, 2), np.float32)
    dark = np.zeros((h_img, w_img), np.float32)
    L = 0.085 * fh          # lid travel: about the eye opening
    for name in ("eye_l", "eye_r"):
        ex, ey = face.points[name]
        sx = 0.085 * fw
        x0, x1 = max(0, int(ex - 3 * sx)), min(w_img, int(ex + 3 * sx) + 2)
        y0, y1 = max(0, int(ey - 2.4 * L)), min(h_img, int(ey + 1.2 * L) + 2)
        xs = np.arange(x0, x1, dtype=np.float32) - ex
        ys = np.arange(y0, y1, dtype=np.float32) - ey
        gx = np.exp(-xs ** 2 / (2 * sx * sx))
        gx[np.abs(xs) > 3 * sx] = 0
        top, low, bottom = -1.4 * L, 0.5 * L, 1.0 * L
        # Motion rises from 0 at the lid crease (brows stay put) to L at the lower lid line, then back to 0.
        r = np.where(ys < low, (ys - top) / (low - top), (bottom - ys) / (bottom - low))
        r = np.clip(r, 0, 1)
        field[y0:y1, x0:x1, 1] += (L * r[:, None] * gx[None, :]).astype(np.float32)
        # Closed lids look darker (lashes, shadow) along the closed line.
        dl = np.exp(-(ys - 0.35 * L) ** 2 / (2 * (0.35 * L) ** 2))
        dark[y0:y1, x0:x1] = np.maximum(dark[y0:y1, x0:x1], (dl[:, None] * gx[None, :]).astype(np.float32))
    return field, dark


def smooth_series(rng, n_frames, fps, velocity_px_s, freq_hz=(0.015, 0.07), k=2):
    """A slow sum of sinusoids whose peak velocity is about velocity_px_s (units/s)."""
    t = np.arange(n_frames) / fps
    out = np.zeros(n_frames)
    for _ in range(k):
        f = rng.uniform(*freq_hz)
        v = velocity_px_s / k * rng.uniform(0.5, 1.0)
        out += v / (2 * np.pi * f) * np.sin(2 * np.pi * f * t + rng.uniform(0, 2 * np.pi))
    return out - out[0]


class Renderer:
    """Renders one video's frames from a framed subject and its schedules."""

    def __init__(self, base, face, rng, n_frames, fps, exprs, o: Options):
        self.base = base
        self.face = face
        self.n = n_frames
        self.fps = fps
        self.exprs = exprs
        shape = base.shape[:2]
        h, w = shape
        scale = face.box[2] / REF_FACE_WIDTH
        cache = {}
        self.fields = [self._expression_field(e, face, shape, cache, rng) * (e.intensity * scale) for e in exprs]
        self.profiles = expression_amplitudes(exprs, n_frames)
        self.blinks = schedule_blinks(rng, n_frames, fps, exprs, o)
        self.blink_f, self.blink_dark = blink_field(face, shape)
        self.blink_amp = np.zeros(n_frames, np.float32)
        for s, nc, no in self.blinks:
            self.blink_amp[s:s + nc + 1] = 0.5 * (1 - np.cos(np.pi * np.arange(nc + 1) / nc))
            self.blink_amp[s + nc:s + nc + no + 1] = 0.5 * (1 + np.cos(np.pi * np.arange(no + 1) / no))
        # Head drift: translation up to ~1 px/s, rotation a few hundredths of a degree per second,
        # scale a few tenths of a percent, all slow and smooth.
        v = 1.0 if o.drift else 0.0
        self.tx = smooth_series(rng, n_frames, fps, 0.8 * v)
        self.ty = smooth_series(rng, n_frames, fps, 0.6 * v)
        self.rot = smooth_series(rng, n_frames, fps, 0.06 * v)                 # degrees
        self.scl = 1.0 + smooth_series(rng, n_frames, fps, 0.0015 * v)
        # Lighting: a slow global gain change of a few percent over seconds, plus a small offset.
        self.gain = 1.0 + np.clip(smooth_series(rng, n_frames, fps, 0.02, (0.02, 0.08)), -0.08, 0.08)
        self.bias = np.clip(smooth_series(rng, n_frames, fps, 0.5, (0.02, 0.08)), -4, 4)
        self.noise_sigma = float(rng.uniform(*o.noise_sigma))
        self.noise_rng = np.random.default_rng(rng.integers(2 ** 63))
        self.h, self.w = h, w
        # Mostly luminance noise with a little per-channel colour noise, rounded to int16.
        bank = []
        for _ in range(NOISE_BANK):
            lum = self.noise_rng.standard_normal((h + NOISE_PAD, w + NOISE_PAD, 1), dtype=np.float32)
            col = self.noise_rng.standard_normal((h + NOISE_PAD, w + NOISE_PAD, 3), dtype=np.float32)
            bank.append(np.rint((lum + 0.4 * col) * (self.noise_sigma / 1.077)).astype(np.int16))
        self.noise_bank = bank
        self.cx, self.cy = face.box[0] + face.box[2] / 2.0, face.box[1] + face.box[3] / 2.0
        self.gx, self.gy = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
        self._expr_at = {}
        for i, e in enumerate(exprs):
            for f in range(e.onset, e.offset + 1):
                self._expr_at.setdefault(f, []).append(i)

    @staticmethod
    def _expression_field(e, face, shape, cache, rng):
        """The expression's field at 1 px nominal peak. Real expressions are rarely exact copies of
        each other: each AU of a combination gets 75-100% of the intensity, and the two sides of the
        face differ by up to +-25% (a smooth left/right ramp), so that no two are the same."""
        f = None
        for u in aus.split_combo(e.au):
            if u not in cache:
                cache[u] = aus.unit_field(u, face, shape)
            g = cache[u] * rng.uniform(0.75, 1.0)
            f = g if f is None else f + g
        cx, fw = face.box[0] + face.box[2] / 2.0, float(face.box[2])
        xs = np.arange(shape[1], dtype=np.float32)
        ramp = 1.0 + rng.uniform(-0.25, 0.25) * np.tanh((xs - cx) / (0.25 * fw))
        return f * ramp[None, :, None].astype(np.float32)

    def displacement(self, i):
        """Content motion (H, W, 2) at frame i in base-frame coordinates, or None when still."""
        d = None
        for k in self._expr_at.get(i, ()):
            a = self.profiles[k][i - self.exprs[k].onset]
            if a > 0:
                d = self.fields[k] * a if d is None else d + self.fields[k] * a
        b = float(self.blink_amp[i])
        if b > 0:
            d = self.blink_f * b if d is None else d + self.blink_f * b
        return d

    def affine(self, i):
        """2x3 matrix mapping output pixels to base-frame points (inverse of the head motion, a
        similarity about the face centre)."""
        a = math.radians(self.rot[i])
        s = self.scl[i]
        c, sn = math.cos(a) / s, math.sin(a) / s
        ox, oy = self.cx + self.tx[i], self.cy + self.ty[i]
        return np.array([[c, sn, self.cx - c * ox - sn * oy],
                         [-sn, c, self.cy + sn * ox - c * oy]], np.float64)

    def frame(self, i):
        M = self.affine(i)
        d = self.displacement(i)
        b = float(self.blink_amp[i])
        if d is None:
            # Neutral frame: one affine resampling (the cheap path for most frames).
            img = cv2.warpAffine(self.base, M, (self.w, self.h), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                                 borderMode=cv2.BORDER_REFLECT101)
        else:
            # Output pixel u shows base point A(u) minus the facial motion there; the motion field
            # lives on the base frame, so it is sampled at A(u) first. One resampling of the image.
            mx = (M[0, 0] * self.gx + M[0, 1] * self.gy + M[0, 2]).astype(np.float32)
            my = (M[1, 0] * self.gx + M[1, 1] * self.gy + M[1, 2]).astype(np.float32)
            dw = cv2.remap(d, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
            mx -= dw[..., 0]
            my -= dw[..., 1]
            img = cv2.remap(self.base, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT101)
            if b > 0:
                # Closed lids are darker (lashes, shadow).
                dk = cv2.remap(self.blink_dark, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
                img = (img * (1.0 - 0.25 * b * dk)[..., None]).astype(np.uint8)
        # Lighting gain and offset through a lookup table, then temporal sensor noise (a random
        # window of a pre-drawn noise field: i.i.d. enough frame to frame, far cheaper than drawing
        # 1M normals per frame), added with saturation.
        lut = np.clip(np.arange(256) * self.gain[i] + self.bias[i] + 0.5, 0, 255).astype(np.uint8)
        img = cv2.LUT(img, lut)
        k = self.noise_rng.integers(len(self.noise_bank))
        oy = self.noise_rng.integers(NOISE_PAD)
        ox = self.noise_rng.integers(NOISE_PAD)
        noise = self.noise_bank[k][oy:oy + self.h, ox:ox + self.w]
        return cv2.add(img, noise, dtype=cv2.CV_8U)

    def clean_frame(self, i, drift=False):
        """Frame i without noise, lighting and (unless drift) head motion: for tests."""
        d = self.displacement(i)
        mx, my = self.gx.copy(), self.gy.copy()
        if d is not None:
            mx -= d[..., 0]
            my -= d[..., 1]
        return cv2.remap(self.base, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT101)


def ffmpeg_cmd(path, fps, crf, preset, w=faces.FRAME_W, h=faces.FRAME_H):
    # Fixed thread count and bitexact flags: the same seed gives the same bytes on this machine.
    return ["ffmpeg", "-y", "-loglevel", "error", "-f", "rawvideo", "-pix_fmt", "bgr24",
            "-s", f"{w}x{h}", "-framerate", f"{fps:g}", "-i", "-",
            "-c:v", "libx264", "-preset", preset, "-crf", str(crf), "-pix_fmt", "yuv420p",
            "-threads", "2", "-fflags", "+bitexact", "-flags:v", "+bitexact", "-map_metadata", "-1",
            "-movflags", "+faststart", path]


def render_video(path, subject, seed, o: Options):
    """Render and encode one video. Returns (expressions, info dict for the manifest)."""
    rng = np.random.default_rng(seed)
    photo = faces.load_photo(subject)
    fw = rng.uniform(*o.face_width)
    center = (320 + rng.uniform(-20, 20), 215 + rng.uniform(-15, 15))
    base, face = faces.frame_subject(photo, fw, center)
    n_frames = int(round(o.seconds * o.fps))
    exprs = schedule_expressions(rng, n_frames, o)
    r = Renderer(base, face, rng, n_frames, o.fps, exprs, o)
    crf = int(rng.integers(o.crf[0], o.crf[1] + 1))
    proc = subprocess.Popen(ffmpeg_cmd(path, o.fps, crf, o.preset), stdin=subprocess.PIPE)
    try:
        for i in range(n_frames):
            proc.stdin.write(r.frame(i).tobytes())
        proc.stdin.close()
    except BrokenPipeError:
        pass
    if proc.wait() != 0:
        raise RuntimeError(f"ffmpeg failed on {path}")
    info = dict(subject=subject, fps=o.fps, frames=n_frames, seconds=n_frames / o.fps, seed=int(seed),
                neutral=o.neutral, face_box=list(face.box), crf=crf,
                noise_sigma=round(r.noise_sigma, 3), expressions=len(exprs),
                blinks=[[int(s), int(s + nc + no)] for s, nc, no in r.blinks],
                drift_px_max=round(float(np.abs(np.stack([r.tx, r.ty])).max()), 3),
                rotation_deg_max=round(float(np.abs(r.rot).max()), 4),
                gain_range=[round(float(r.gain.min()), 4), round(float(r.gain.max()), 4)])
    return exprs, info
