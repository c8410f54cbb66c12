"""Schedules (expressions, blinks, head motion, speech, lighting), per-frame rendering and FFmpeg
encoding."""
import math
import subprocess
import zlib
from dataclasses import dataclass, replace

import cv2
import numpy as np

from . import au as aus
from . import faces
from . import mp4times

NOISE_BANK = 8           # pre-drawn noise fields per video
NOISE_PAD = 64           # random window offsets into each field
REF_FACE_WIDTH = 170.0     # intensities below are for this face width and scale with the real one
WEBCAM_FACE_WIDTH = 200.0  # head-motion and speech amplitudes are for this face width
HEAD_MOTIONS = ("none", "drift", "sway")
NUISANCES = ("exposure", "flicker", "hand", "drops")
# --condition presets: calm is the original generator (drift only).
CONDITIONS = {
    "calm": dict(head_motion="drift", speech=0.0, nuisances=()),
    "sway": dict(head_motion="sway", speech=0.0, nuisances=()),
    "speech": dict(head_motion="drift", speech=0.25, nuisances=()),
    "webcam": dict(head_motion="sway", speech=0.25, nuisances=NUISANCES),
}
TIMESCALE = 90000          # MP4 track ticks per second for videos with frame drops


def stream(seed, name):
    """An independent random generator per video and component. The components added on top of the
    original generator draw from their own streams, so switching one on does not change the face
    placement, expressions, blinks, drift, lighting or noise that the same seed gives without it."""
    return np.random.default_rng([int(seed), zlib.crc32(name.encode())])


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
    drift: bool = True               # False forces head_motion "none"
    head_motion: str = "drift"       # none | drift | sway
    speech: float = 0.0              # fraction of the video covered by speech bursts (0 = none)
    nuisances: tuple = ()            # camera nuisances, a subset of NUISANCES
    aus: str = "classic"             # classic | extended: the combination table (au.AU_SETS)
    one_sided: float = 0.0           # probability that a combination is drawn one-sided (L/R)
    preset: str = "veryfast"

    @property
    def head(self):
        return self.head_motion if self.drift else "none"


def smooth_profile(n_up, n_extra, n_down):
    """Raised cosine 0 -> 1 over n_up frames, n_extra more frames at 1, raised cosine 1 -> 0 over
    n_down frames. Values for frames onset..offset inclusive (first and last are 0)."""
    up = 0.5 * (1 - np.cos(np.pi * np.arange(n_up + 1) / n_up))
    down = 0.5 * (1 + np.cos(np.pi * np.arange(n_down + 1) / n_down))
    return np.concatenate([up, np.ones(n_extra), down[1:]])


def schedule_expressions(rng, n_frames, o: Options, sides_rng=None):
    """Expressions in time order. One-sided forms are drawn from sides_rng, so that with
    one_sided 0 the draws from rng are those of the original generator."""
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
        combos, weights = zip(*aus.AU_SETS[o.aus][label])
        au = combos[rng.choice(len(combos), p=np.array(weights) / sum(weights))]
        if o.one_sided > 0 and sides_rng.random() < o.one_sided:
            au = aus.one_sided(au, aus.SIDES[sides_rng.integers(2)]) or au
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


def sway_series(rng, n_frames, fps, amplitude, freq_hz=(0.1, 0.3), k=2):
    """Two sinusoids of freq_hz with random phases, scaled so the largest |value| is amplitude."""
    t = np.arange(n_frames) / fps
    out = np.zeros(n_frames)
    for _ in range(k):
        out += rng.uniform(0.5, 1.0) * np.sin(2 * np.pi * rng.uniform(*freq_hz) * t + rng.uniform(0, 2 * np.pi))
    peak = np.abs(out).max()
    return out * (amplitude / peak) if peak > 0 else out


@dataclass
class HeadMotion:
    """Per-frame head pose relative to the framed photo: translation (px), roll (deg), zoom and
    horizontal scale (factors) about the face centre, and the sudden moves in it."""
    tx: np.ndarray
    ty: np.ndarray
    rot: np.ndarray
    scl: np.ndarray
    hscale: np.ndarray
    sudden: list                  # [start, end, kind, size] frames; size px (shift/nod) or deg (tilt)


def raised_step(n):
    """0 -> 1 over n frames (raised cosine), n + 1 values."""
    return 0.5 * (1 - np.cos(np.pi * np.arange(n + 1) / max(n, 1)))


def event_times(rng, n_frames, fps, per_minute, seconds):
    """Start frames and lengths (frames) of events at random times: exponential gaps at a rate
    drawn per video from per_minute, lengths from seconds, none overlapping or past the end."""
    rate = rng.uniform(*per_minute) / 60.0
    t = rng.exponential(1.0 / rate)
    out = []
    while True:
        n = max(2, int(round(rng.uniform(*seconds) * fps)))
        s = int(round(t * fps))
        if s + n >= n_frames:
            return out
        out.append((s, n))
        t = (s + n) / fps + rng.exponential(1.0 / rate)


def sudden_moves(rng, n_frames, fps, scale, per_minute=(2.0, 5.0), seconds=(0.2, 0.5),
                 shift_px=(2.0, 6.0), tilt_deg=(0.5, 1.5)):
    """Quick moves at random times (exponential gaps, rate drawn per video from per_minute):
    shift (the head moves by shift_px in a random direction and stays), nod (down by shift_px and
    back) or tilt (roll by tilt_deg and stays), each over `seconds`. Persistent shifts and tilts
    turn back towards the start once they add up to more than the largest single move, so the head
    stays in frame. Returns (dx, dy, droll, events)."""
    # Persistent offsets (shift, tilt) are held from the end of a move on; nods add a bump.
    dx, dy, dr, nod = (np.zeros(n_frames) for _ in range(4))
    events = []
    ox = oy = orot = 0.0
    for s, n in event_times(rng, n_frames, fps, per_minute, seconds):
        kind = ("shift", "nod", "tilt")[rng.integers(3)]
        ramp = raised_step(n)
        if kind == "tilt":
            size = rng.uniform(*tilt_deg) * rng.choice([-1, 1])
            if abs(orot + size) > tilt_deg[1]:
                size = -size
            dr[s:s + n + 1] = orot + size * ramp
            orot += size
            dr[s + n + 1:] = orot
        elif kind == "nod":
            size = rng.uniform(*shift_px) * scale
            nod[s:s + n + 1] += size * np.sin(np.pi * np.arange(n + 1) / n) ** 2
        else:
            size = rng.uniform(*shift_px) * scale
            ang = rng.uniform(0, 2 * np.pi)
            mx, my = size * np.cos(ang), size * np.sin(ang)
            if math.hypot(ox + mx, oy + my) > shift_px[1] * scale:
                mx, my = -mx, -my
            dx[s:s + n + 1] = ox + mx * ramp
            dy[s:s + n + 1] = oy + my * ramp
            ox, oy = ox + mx, oy + my
            dx[s + n + 1:] = ox
            dy[s + n + 1:] = oy
        events.append([s, s + n, kind, round(float(size), 3)])
    return dx, dy + nod, dr, events


def head_motion(rng, sway_rng, n_frames, fps, mode, face_width):
    """Head pose per frame. `rng` draws the slow drift exactly as the original generator did (also
    for "none" and "sway", so that the draws after it do not change); "sway" adds, from sway_rng,
    the motion of a seated person in front of a webcam, amplitudes for a 200 px face scaled with
    face_width: translation 4-7 px horizontal and 3-6 px vertical at 0.1-0.3 Hz, zoom 1-2 %, roll
    0.75-1.5 deg, a yaw-like horizontal scale of the face of 1.5-3 % (each the largest deviation
    over the video, drawn per video), and sudden_moves()."""
    if mode not in HEAD_MOTIONS:
        raise ValueError(f"head motion {mode!r} not in {HEAD_MOTIONS}")
    # Head drift: translation up to ~1 px/s, rotation a few hundredths of a degree per second,
    # scale a few tenths of a percent, all slow and smooth.
    v = 0.0 if mode == "none" else 1.0
    tx = smooth_series(rng, n_frames, fps, 0.8 * v)
    ty = smooth_series(rng, n_frames, fps, 0.6 * v)
    rot = smooth_series(rng, n_frames, fps, 0.06 * v)                 # degrees
    scl = 1.0 + smooth_series(rng, n_frames, fps, 0.0015 * v)
    hscale = np.ones(n_frames)
    sudden = []
    if mode == "sway":
        k = face_width / WEBCAM_FACE_WIDTH
        tx = tx + sway_series(sway_rng, n_frames, fps, sway_rng.uniform(4.0, 7.0) * k)
        ty = ty + sway_series(sway_rng, n_frames, fps, sway_rng.uniform(3.0, 6.0) * k)
        scl = scl + sway_series(sway_rng, n_frames, fps, sway_rng.uniform(0.01, 0.02))
        rot = rot + sway_series(sway_rng, n_frames, fps, sway_rng.uniform(0.75, 1.5))
        hscale = hscale + sway_series(sway_rng, n_frames, fps, sway_rng.uniform(0.015, 0.03))
        dx, dy, dr, sudden = sudden_moves(sway_rng, n_frames, fps, k)
        tx, ty, rot = tx + dx, ty + dy, rot + dr
    return HeadMotion(tx, ty, rot, scl, hscale, sudden)


def speech_bursts(rng, n_frames, fps, fraction, seconds=(1.0, 3.0), margin_s=0.5):
    """Intervals [start, end) in frames of speech bursts of `seconds` each, together covering
    `fraction` of the video (at most what fits between margin_s from either end), at random places
    with random pauses between them."""
    if fraction <= 0:
        return []
    avail = n_frames / fps - 2 * margin_s
    target = min(fraction * n_frames / fps, avail)
    durs = []
    while target - sum(durs) > 1e-9:
        # The last burst is at least seconds[0] long (so the cover may exceed the target by less
        # than that), unless the video has no room left.
        d = min(rng.uniform(*seconds), max(target - sum(durs), seconds[0]), avail - sum(durs))
        if d < 0.3:
            break
        durs.append(d)
    pauses = rng.dirichlet(np.ones(len(durs) + 1)) * max(0.0, avail - sum(durs))
    out, t = [], margin_s
    for d, p in zip(durs, pauses):
        t += p
        out.append((int(round(t * fps)), int(round((t + d) * fps))))
        t += d
    return out


def speech_amplitude(rng, bursts, n_frames, fps, face_width, px=(1.5, 4.0), hz=(2.0, 7.0)):
    """Mouth opening per frame (px at the field's peak) and the bursts' real [start, end] frames
    (start: the last closed frame, end: the first closed frame again). Within a burst the jaw opens
    and closes once per syllable: 0.5 * (1 - cos(phase)) with the syllable rate drawn at 3-5.5 Hz
    per burst and varied by up to +-35 % within it (kept in hz), every syllable its own depth
    (55-100 % of the burst's px, drawn per burst at 1.5-4 px for a 200 px face); a burst ends
    after its last whole syllable, so the mouth is closed at both ends."""
    amp = np.zeros(n_frames, np.float32)
    k = face_width / WEBCAM_FACE_WIDTH
    out = []
    for s, e in bursts:
        n = e - s
        wobble = sway_series(rng, n + 1, fps, 1.0, (0.4, 1.5))
        f = np.clip(rng.uniform(3.0, 5.5) * (1 + 0.35 * wobble), *hz)
        phase = np.concatenate([[0.0], np.cumsum(f[:-1]) / fps]) * 2 * np.pi
        syllables = int(phase[-1] // (2 * np.pi))
        if syllables < 1:
            continue
        depth = rng.uniform(0.55, 1.0, syllables) * rng.uniform(*px) * k
        alive = phase < 2 * np.pi * syllables
        idx = np.minimum((phase // (2 * np.pi)).astype(int), syllables - 1)
        a = np.where(alive, 0.5 * (1 - np.cos(phase)) * depth[idx], 0.0)
        end = s + int(np.argmin(alive))               # first frame past the last syllable
        amp[s:s + n + 1] = np.maximum(amp[s:s + n + 1], a.astype(np.float32))
        out.append([int(s), int(end)])
    return amp, out


def exposure_steps(rng, n_frames, fps, per_minute=(2.0, 4.0), step=(0.05, 0.15), settle_s=(0.3, 1.0)):
    """Per-frame BGR gain (n, 3) of auto-exposure and white-balance corrections: at random times the
    gain jumps by 5-15 % (exposure: all channels alike; white balance: blue by the step, red by
    50-100 % of it the other way, green unchanged) and settles back over 0.3-1 s (raised cosine).
    Returns (gain, events [start, end, kind, [b, g, r] step])."""
    g = np.ones((n_frames, 3))
    events = []
    for s, n in event_times(rng, n_frames, fps, per_minute, settle_s):
        size = rng.uniform(*step) * rng.choice([-1, 1])
        kind = "exposure" if rng.random() < 0.5 else "white_balance"
        d = np.array([size] * 3 if kind == "exposure" else [size, 0.0, -size * rng.uniform(0.5, 1.0)])
        g[s:s + n + 1] *= 1 + d[None, :] * (1 - raised_step(n))[:, None]
        events.append([s, s + n, kind, [round(float(x), 4) for x in d]])
    return g, events


def mains_flicker(rng, n_frames, fps, amplitude=(0.01, 0.03)):
    """Brightness factor per frame from lamps on 50 or 60 Hz mains (drawn per video): light at
    twice the mains frequency, sampled at the frame times, which is a sinusoid at the alias of 100
    or 120 Hz at this frame rate (100 Hz at 30 fps: 10 Hz; 120 Hz at 30 fps: 0 Hz, a constant
    offset). Returns (factor, info)."""
    mains = 50 if rng.random() < 0.5 else 60
    light = 2.0 * mains
    alias = light - fps * round(light / fps)     # signed: sampling light Hz at fps gives this
    m = rng.uniform(*amplitude)
    phase = rng.uniform(0, 2 * np.pi)
    f = 1.0 + m * np.sin(2 * np.pi * alias * np.arange(n_frames) / fps + phase)
    return f, dict(mains_hz=mains, flicker_hz=round(abs(alias), 4), flicker_amplitude=round(float(m), 4))


# A hand in a square template of side 1: (centre x, centre y, half axes, angle deg) of the palm,
# four fingers, the thumb and the wrist, fingers towards y = 0.
HAND_SHAPE = [((0.5, 0.6), (0.19, 0.22), 0), ((0.36, 0.3), (0.045, 0.15), -8),
              ((0.46, 0.26), (0.045, 0.17), -3), ((0.56, 0.27), (0.045, 0.165), 3),
              ((0.65, 0.33), (0.04, 0.13), 9), ((0.28, 0.58), (0.05, 0.14), 40),
              ((0.5, 0.9), (0.15, 0.2), 0)]
HAND_TARGETS = ("nose_tip", "upper_lip", "lower_lip", "chin", "cheek_l", "cheek_r", "eye_l", "eye_r")


@dataclass
class Hand:
    start: int
    end: int
    target: str
    alpha: np.ndarray          # float32 (S, S) coverage, fingers towards the frame's inside
    colour: np.ndarray         # float32 (S, S, 3) BGR
    path: np.ndarray           # (end - start + 1, 2) template centre per frame


def hand_passes(rng, n_frames, fps, base, face, per_minute=(1.0, 2.0), seconds=(0.5, 1.5)):
    """A hand reaching in front of the face and back (touching the nose, mouth, chin, a cheek or an
    eye), 1-2 times per minute (rate drawn per video), each 0.5-1.5 s: it comes from outside the
    frame, from below or the side (within +-70 deg of straight down), its centre reaches a facial
    point (+-0.1 face widths) at mid-time and goes back (raised-cosine out and back). A skin-coloured
    hand shape (palm, fingers, thumb, wrist; the median colour of the cheeks, 80-105 % of it, a
    little darker at the edges), 1.1-1.4 face widths long, blurred at its edges."""
    h_img, w_img = base.shape[:2]
    fw = float(face.box[2])
    skin = []
    for k in ("cheek_l", "cheek_r"):
        x, y = (int(v) for v in face.points[k])
        r = max(2, int(0.05 * fw))
        skin.append(base[y - r:y + r, x - r:x + r].reshape(-1, 3))
    skin = np.median(np.concatenate(skin), axis=0)
    out = []
    for s, n in event_times(rng, n_frames, fps, per_minute, seconds):
        target = HAND_TARGETS[rng.integers(len(HAND_TARGETS))]
        side = int(round(rng.uniform(1.1, 1.4) * fw))
        mask = np.zeros((side, side), np.uint8)
        for (cx, cy), (ax, ay), ang in HAND_SHAPE:
            cv2.ellipse(mask, (int(cx * side), int(cy * side)), (max(1, int(ax * side)), max(1, int(ay * side))),
                        ang, 0, 360, 255, -1)
        approach = np.radians(rng.uniform(-70, 70))      # from the target out of the frame
        out_dir = np.array([np.sin(approach), np.cos(approach)])
        # Fingers point along the motion into the frame, i.e. against out_dir.
        rot = cv2.getRotationMatrix2D((side / 2, side / 2), np.degrees(approach), 1.0)
        mask = cv2.warpAffine(mask, rot, (side, side))
        alpha = cv2.GaussianBlur(mask.astype(np.float32) / 255, (0, 0), max(1.0, 0.012 * side))
        inner = cv2.GaussianBlur(alpha, (0, 0), 0.08 * side)
        colour = (skin * rng.uniform(0.8, 1.05))[None, None, :] * (0.75 + 0.25 * inner)[..., None]
        tx, ty = face.points[target]
        goal = np.array([tx, ty]) + rng.uniform(-0.1, 0.1, 2) * fw
        # Far enough out that the whole template is outside the frame at the ends.
        radius = side * 0.75
        reach = min(((w_img + radius - goal[0]) / out_dir[0]) if out_dir[0] > 0 else
                    ((-radius - goal[0]) / out_dir[0]) if out_dir[0] < 0 else np.inf,
                    (h_img + radius - goal[1]) / out_dir[1])
        bump = np.sin(np.pi * np.arange(n + 1) / n) ** 2
        path = (goal + out_dir * reach)[None, :] - (out_dir * reach)[None, :] * bump[:, None]
        out.append(Hand(s, s + n, target, alpha.astype(np.float32), colour.astype(np.float32), path))
    return out


def composite_hand(img, hand, i):
    """Alpha-blends the hand at frame i over img (in place), with a motion blur along its motion
    of half the distance it moves in one frame (an exposure of half the frame time)."""
    k = i - hand.start
    c = hand.path[k]
    v = hand.path[min(k + 1, len(hand.path) - 1)] - hand.path[max(k - 1, 0)]
    blur = 0.25 * float(np.hypot(*v))
    alpha, colour = hand.alpha, hand.colour * hand.alpha[..., None]
    if blur >= 2:
        size = int(2 * np.ceil(blur) + 1)
        kern = np.zeros((size, size), np.float32)
        d = v / max(np.hypot(*v), 1e-9) * blur
        cv2.line(kern, (int(round(size / 2 - d[0])), int(round(size / 2 - d[1]))),
                 (int(round(size / 2 + d[0])), int(round(size / 2 + d[1]))), 1.0, 1)
        kern /= kern.sum()
        alpha = cv2.filter2D(alpha, -1, kern)
        colour = cv2.filter2D(colour, -1, kern)
    side = alpha.shape[0]
    x0, y0 = int(round(c[0] - side / 2)), int(round(c[1] - side / 2))
    h_img, w_img = img.shape[:2]
    ax0, ay0 = max(0, -x0), max(0, -y0)
    ix0, iy0 = max(0, x0), max(0, y0)
    ix1, iy1 = min(w_img, x0 + side), min(h_img, y0 + side)
    if ix1 <= ix0 or iy1 <= iy0:
        return img
    a = alpha[ay0:ay0 + iy1 - iy0, ax0:ax0 + ix1 - ix0, None]
    col = colour[ay0:ay0 + iy1 - iy0, ax0:ax0 + ix1 - ix0]
    roi = img[iy0:iy1, ix0:ix1].astype(np.float32)
    img[iy0:iy1, ix0:ix1] = np.clip(roi * (1 - a) + col + 0.5, 0, 255).astype(np.uint8)
    return img


def frame_drops(rng, n_frames, fps, keep, singles=(0.01, 0.03), bursts_per_minute=(1.0, 3.0),
                burst=(2, 5)):
    """Boolean (n,) of the frames a webcam pipeline loses: single frames with a probability drawn
    per video at 1-3 %, and bursts of 2-5 frames at 1-3 per minute (rate drawn per video). Frames
    in `keep` (and the first and last) are never dropped."""
    drop = rng.random(n_frames) < rng.uniform(*singles)
    for s, _ in event_times(rng, n_frames, fps, bursts_per_minute, (0.0, 0.0)):
        drop[s:s + int(rng.integers(burst[0], burst[1] + 1))] = True
    drop[list(keep)] = False
    drop[[0, n_frames - 1]] = False
    return drop


def frame_durations(rng, kept_idx, fps, jitter=(0.03, 0.08)):
    """Presentation durations (s) of the written frames: each frame's timestamp is its nominal
    time index / fps plus a jitter (Gaussian, sigma drawn per video at 3-8 % of the frame interval,
    cut at +-25 %; none on the first frame), so a dropped frame leaves a gap of its interval.
    Returns (durations, sigma)."""
    sigma = rng.uniform(*jitter)
    j = np.clip(rng.normal(0, sigma, len(kept_idx)), -0.25, 0.25)
    j[0] = 0.0
    t = (np.asarray(kept_idx) + j) / fps
    return np.append(np.diff(t), 1.0 / fps), sigma


class Renderer:
    """Renders one video's frames from a framed subject and its schedules."""

    def __init__(self, base, face, rng, n_frames, fps, exprs, o: Options, seed=0):
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
        self.head = head_motion(rng, stream(seed, "sway"), n_frames, fps, o.head, float(face.box[2]))
        self.tx, self.ty, self.rot, self.scl = self.head.tx, self.head.ty, self.head.rot, self.head.scl
        self.hscale = self.head.hscale
        # Speech: jaw and lower lip, not an expression (not annotated).
        srng = stream(seed, "speech")
        self.speech_amp, self.speech = speech_amplitude(
            srng, speech_bursts(srng, n_frames, fps, o.speech), n_frames, fps, float(face.box[2]))
        self.speech_f = aus.unit_field("speech", face, shape) if self.speech else None
        # Camera nuisances, each from its own stream.
        unknown = set(o.nuisances) - set(NUISANCES)
        if unknown:
            raise ValueError(f"unknown nuisances {sorted(unknown)}; known: {NUISANCES}")
        self.wb, self.exposure_events = None, []
        if "exposure" in o.nuisances:
            self.wb, self.exposure_events = exposure_steps(stream(seed, "exposure"), n_frames, fps)
        self.flicker, self.flicker_info = None, {}
        if "flicker" in o.nuisances:
            self.flicker, self.flicker_info = mains_flicker(stream(seed, "flicker"), n_frames, fps)
        self.hands = hand_passes(stream(seed, "hand"), n_frames, fps, base, face) if "hand" in o.nuisances else []
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
        for g in aus.sided_unit_fields(e.au, face, shape, cache):
            g = g * rng.uniform(0.75, 1.0)
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
        sp = float(self.speech_amp[i])
        if sp > 0:
            d = self.speech_f * sp if d is None else d + self.speech_f * sp
        return d

    def affine(self, i):
        """2x3 matrix mapping output pixels to base-frame points: the inverse of the head motion
        q = C + T + R S K (p - C) about the face centre C, with roll R, zoom S and the yaw-like
        horizontal scale K = diag(hscale, 1) applied in the face's own frame (before the roll)."""
        a = math.radians(self.rot[i])
        s = self.scl[i]
        c, sn = math.cos(a) / s, math.sin(a) / s
        k = 1.0 / self.hscale[i]        # exactly 1.0 without sway: the same matrix as a similarity
        ox, oy = self.cx + self.tx[i], self.cy + self.ty[i]
        return np.array([[k * c, k * sn, self.cx - k * c * ox - k * sn * oy],
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
        for hand in self.hands:
            if hand.start <= i <= hand.end:
                img = composite_hand(img, hand, i)
        if self.wb is None and self.flicker is None:
            lut = np.clip(np.arange(256) * self.gain[i] + self.bias[i] + 0.5, 0, 255).astype(np.uint8)
        else:
            # Exposure, white balance and flicker are gains of the whole image: a per-channel LUT.
            g = self.gain[i] * (self.flicker[i] if self.flicker is not None else 1.0)
            g = g * (self.wb[i] if self.wb is not None else np.ones(3))
            lut = np.clip(np.arange(256)[:, None] * g[None, :] + self.bias[i] + 0.5, 0, 255)
            lut = lut.astype(np.uint8).reshape(1, 256, 3)
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


def ffmpeg_cmd(path, fps, crf, preset, w=faces.FRAME_W, h=faces.FRAME_H, vfr=False):
    """With vfr, the stream is made for mp4times (no B-frames, the movie box last, 90 kHz ticks)."""
    # Fixed thread count and bitexact flags: the same seed gives the same bytes on this machine.
    cmd = ["ffmpeg", "-y", "-loglevel", "error", "-f", "rawvideo", "-pix_fmt", "bgr24",
           "-s", f"{w}x{h}", "-framerate", f"{fps:g}", "-i", "-",
           "-c:v", "libx264", "-preset", preset, "-crf", str(crf), "-pix_fmt", "yuv420p",
           "-threads", "2", "-fflags", "+bitexact", "-flags:v", "+bitexact", "-map_metadata", "-1"]
    if vfr:
        return cmd + ["-bf", "0", "-video_track_timescale", str(TIMESCALE), path]
    return cmd + ["-movflags", "+faststart", path]


def decoded_indices(drop):
    """For frames numbered before dropping: (before, after), the decoded index of the last written
    frame at or before each frame and of the first written frame at or after it."""
    kept = ~np.asarray(drop)
    count = np.cumsum(kept)
    return count - 1, count - kept


def render_video(path, subject, seed, o: Options):
    """Render and encode one video. Returns (expressions, info dict for the manifest); with frame
    drops every frame number in both is a decoded-frame index (see remap in the code)."""
    rng = np.random.default_rng(seed)
    photo = faces.load_photo(subject)
    fw = rng.uniform(*o.face_width)
    center = (320 + rng.uniform(-20, 20), 215 + rng.uniform(-15, 15))
    base, face = faces.frame_subject(photo, fw, center)
    n_frames = int(round(o.seconds * o.fps))
    exprs = schedule_expressions(rng, n_frames, o, stream(seed, "sides"))
    r = Renderer(base, face, rng, n_frames, o.fps, exprs, o, seed)
    crf = int(rng.integers(o.crf[0], o.crf[1] + 1))
    drop = None
    if "drops" in o.nuisances:
        # The annotated frames themselves are always written, so onset < apex < offset still holds.
        keep = {f for e in exprs for f in (e.onset, e.apex, e.offset)}
        drop = frame_drops(stream(seed, "drops"), n_frames, o.fps, keep)
    proc = subprocess.Popen(ffmpeg_cmd(path, o.fps, crf, o.preset, vfr=drop is not None), stdin=subprocess.PIPE)
    try:
        for i in range(n_frames):
            img = r.frame(i)         # a dropped frame is rendered too: the noise draws stay the same
            if drop is None or not drop[i]:
                proc.stdin.write(img.tobytes())
        proc.stdin.close()
    except BrokenPipeError:
        pass
    if proc.wait() != 0:
        raise RuntimeError(f"ffmpeg failed on {path}")
    timing = {}
    if drop is not None:
        kept = np.flatnonzero(~drop)
        durations, sigma = frame_durations(stream(seed, "timing"), kept, o.fps)
        mp4times.set_frame_durations(path, durations)
        timing = dict(frames_rendered=n_frames, dropped=[int(i) for i in np.flatnonzero(drop)],
                      timestamp_jitter=round(float(sigma), 4))
        before, after = decoded_indices(drop)
        # mexd numbers frames in decoded order, so everything is renumbered: a start or onset (the
        # last still frame) to the last written frame at or before it, an end or offset to the
        # first written frame at or after it.
        remap = lambda s, e: [int(before[s]), int(after[e])]
        exprs = [replace(e, onset=int(before[e.onset]), apex=int(before[e.apex]), offset=int(after[e.offset]),
                         hold_start=int(after[e.hold_start]), hold_end=int(before[e.hold_end])) for e in exprs]
    else:
        remap = lambda s, e: [int(s), int(e)]
    n_out = n_frames - (int(drop.sum()) if drop is not None else 0)
    info = dict(subject=subject, fps=o.fps, frames=n_out, seconds=n_frames / o.fps, seed=int(seed),
                neutral=o.neutral, face_box=list(face.box), crf=crf,
                noise_sigma=round(r.noise_sigma, 3), expressions=len(exprs),
                blinks=[remap(s, s + nc + no) for s, nc, no in r.blinks],
                drift_px_max=round(float(np.abs(np.stack([r.tx, r.ty])).max()), 3),
                rotation_deg_max=round(float(np.abs(r.rot).max()), 4),
                gain_range=[round(float(r.gain.min()), 4), round(float(r.gain.max()), 4)])
    info.update(head_motion=o.head,
                zoom_range=[round(float(r.scl.min()), 4), round(float(r.scl.max()), 4)],
                hscale_range=[round(float(r.hscale.min()), 4), round(float(r.hscale.max()), 4)],
                sudden_moves=[remap(s, e) + rest for s, e, *rest in r.head.sudden],
                speech_fraction=round(sum(e - s for s, e in r.speech) / n_frames, 4),
                speech=[remap(s, e) for s, e in r.speech],
                nuisances=list(o.nuisances),
                exposure_events=[remap(s, e) + rest for s, e, *rest in r.exposure_events],
                **r.flicker_info,
                hands=[remap(h.start, h.end) + [h.target] for h in r.hands],
                **timing)
    return exprs, info
