"""FACS action units as smooth, localised displacement fields, and the 3-class label mapping.

An AU is a handful of Gaussian "pushes": a facial point (faces.LAYOUT) moves by a unit vector
times a weight, the motion falling off as a Gaussian of the distance with a sigma in face widths.
Each Gaussian is cut at 3 sigma so that the rest of the face stays exactly still (the tests rely
on that). Each AU's field is normalised so that its largest displacement is 1 px; the renderer
multiplies it by the expression's apex intensity (pixels) and the temporal profile. Fields are the
motion of the image content, in pixels of the 640x480 frame.
"""
import numpy as np

# Labels follow the paper's 3-class composite, widened to the AUs of the same emotions:
# positive = AU6/AU12, negative = AU4/AU7/AU9/AU10/AU14/AU15/AU17, surprise = AU1+2/AU5/AU26.
# Each expression uses one combination of one label; weights pick among them.
COMBOS = {
    "positive": [("AU12", 0.5), ("AU6+12", 0.5)],
    "negative": [("AU4", 0.15), ("AU9", 0.1), ("AU10", 0.1), ("AU4+10", 0.1), ("AU4+7", 0.1),
                 ("AU7", 0.05), ("AU14", 0.1), ("AU15", 0.1), ("AU17", 0.05), ("AU15+17", 0.1),
                 ("AU4+15", 0.05)],
    "surprise": [("AU1+2", 0.3), ("AU26", 0.15), ("AU1+2+26", 0.2), ("AU1+2+5", 0.15),
                 ("AU1+2+5+26", 0.1), ("AU5", 0.1)],
}
# The original (version 1) table, still the default (--aus classic): with it a seed gives the same
# expressions as before the table was widened.
CLASSIC_COMBOS = {
    "positive": [("AU12", 0.5), ("AU6+12", 0.5)],
    "negative": [("AU4", 0.4), ("AU9", 0.2), ("AU10", 0.2), ("AU4+10", 0.2)],
    "surprise": [("AU1+2", 0.5), ("AU26", 0.2), ("AU1+2+26", 0.3)],
}
AU_SETS = {"classic": CLASSIC_COMBOS, "extended": COMBOS}
LABELS = list(COMBOS)

# The single AUs a combination string is made of; "AU1+2" is one unit (inner+outer brow raiser
# always move together here).
UNITS = ["AU1+2", "AU4", "AU5", "AU6", "AU7", "AU9", "AU10", "AU12", "AU14", "AU15", "AU17", "AU26"]
_LABEL_OF_UNIT = {"AU1+2": "surprise", "AU5": "surprise", "AU26": "surprise",
                  "AU6": "positive", "AU12": "positive",
                  "AU4": "negative", "AU7": "negative", "AU9": "negative", "AU10": "negative",
                  "AU14": "negative", "AU15": "negative", "AU17": "negative"}
# Midline actions (nose, chin, jaw) have no one-sided form here.
MIDLINE = {"AU9", "AU17", "AU26"}
# One-sided actions, as in FACS: the combination's "AU" becomes "L" or "R", the SUBJECT's left or
# right side, e.g. R12, L14, R1+2, L4+7. For a camera that does not mirror, the subject's right is
# the image's left. The whole combination is on that side.
SIDES = ("L", "R")


def label_of_unit(unit):
    return _LABEL_OF_UNIT[unit]


def parse_combo(au):
    """'AU1+2+26' -> (None, ['AU1+2', 'AU26']); 'R6+12' -> ('R', ['AU6', 'AU12'])."""
    if au.startswith("AU"):
        side, nums = None, au[2:].split("+")
    elif au[:1] in SIDES:
        side, nums = au[0], au[1:].split("+")
    else:
        raise ValueError(f"not an AU combination: {au}")
    out, i = [], 0
    while i < len(nums):
        if nums[i] == "1" and i + 1 < len(nums) and nums[i + 1] == "2":
            out.append("AU1+2")
            i += 2
        else:
            out.append("AU" + nums[i])
            i += 1
    for u in out:
        if u not in UNITS:
            raise ValueError(f"unknown AU {u} in {au}")
        if side and u in MIDLINE:
            raise ValueError(f"{u} has no one-sided form ({au})")
    return side, out


def split_combo(au):
    """'AU1+2+26' -> ['AU1+2', 'AU26']; 'AU6+12' and 'L6+12' -> ['AU6', 'AU12']."""
    return parse_combo(au)[1]


def one_sided(au, side):
    """The one-sided form of a bilateral combination ('AU6+12', 'R' -> 'R6+12'), or None when it
    holds a midline AU."""
    side_, units = parse_combo(au)
    if side_ or any(u in MIDLINE for u in units):
        return None
    return side + au[2:]


def label_of_combo(au):
    labels = {label_of_unit(u) for u in split_combo(au)}
    if len(labels) != 1:
        raise ValueError(f"{au} mixes labels {labels}")
    return labels.pop()


def side_window(side, face, width, ramp=0.06):
    """Float32 (W,) weight across the image: 1 on the subject's `side`, 0 on the other, a raised
    cosine over +-ramp face widths about the face box's centre line (exactly 0 beyond it)."""
    cx, fw = face.box[0] + face.box[2] / 2.0, float(face.box[2])
    u = np.clip((np.arange(width, dtype=np.float32) - cx) / (ramp * fw), -1, 1)
    w = 0.5 * (1 + np.sin(0.5 * np.pi * u))       # 0 at image left .. 1 at image right
    return (w if side == "L" else 1 - w).astype(np.float32)


# (point, (dx, dy) direction * weight, sigma in face widths, dy offset of the point in face heights
# [, dx offset of the point in face widths]). x is image x: for the image-left side "outward" is -x.
# Directions follow the FACS descriptions:
#  AU1+2 inner and outer brow raiser: the whole brow and the skin above it go up.
#  AU4 brow lowerer: the inner brows go down and together.
#  AU5 upper lid raiser: the upper lids and the skin just above them go up (gated: the iris
#    centre and the lower lids do not move), more of the eye shows.
#  AU6 cheek raiser: cheeks and the skin under the eyes go up.
#  AU7 lid tightener: the lower lids go up and a little inward (gated: the upper lids and the
#    iris centre do not move), the eye narrows from below.
#  AU9 nose wrinkler: the sides of the nose and the upper lip go up, the inner brows a little down.
#  AU10 upper lip raiser: the upper lip goes up (gated: the lower lip does not move).
#  AU12 lip corner puller: the lip corners go up and outward.
#  AU14 dimpler: the lip corners are pulled back (in a frontal view a little outward, not up),
#    with a smaller, tighter pull just beyond each corner that creases the skin there (the dimple).
#  AU15 lip corner depressor: the lip corners and the skin below them go down (and a little out).
#  AU17 chin raiser: the chin boss goes up and pushes the lower lip up (gated: the upper lip does
#    not move).
#  AU26 jaw drop: lower lip and chin go down (gated: the upper lip does not move).
#  speech (not an AU, never an expression): the jaw and the lower lip go down, more at the lip, the
#    lip corners a little down and inward (gated like AU26); the renderer makes it open and close
#    once per syllable.
PUSHES = {
    "AU1+2": [("brow_in_l", (0, -1), 0.07, 0), ("brow_in_r", (0, -1), 0.07, 0),
              ("brow_l", (0, -1), 0.08, 0), ("brow_r", (0, -1), 0.08, 0),
              ("brow_out_l", (0, -0.8), 0.07, 0), ("brow_out_r", (0, -0.8), 0.07, 0),
              ("brow_l", (0, -0.5), 0.09, -0.1), ("brow_r", (0, -0.5), 0.09, -0.1)],
    "AU4": [("brow_in_l", (0.55, 0.8), 0.065, 0), ("brow_in_r", (-0.55, 0.8), 0.065, 0),
            ("brow_l", (0.25, 0.5), 0.07, 0), ("brow_r", (-0.25, 0.5), 0.07, 0)],
    "AU5": [("eye_l", (0, -1), 0.035, -0.035), ("eye_r", (0, -1), 0.035, -0.035)],
    "AU6": [("cheek_l", (0, -1), 0.09, 0), ("cheek_r", (0, -1), 0.09, 0),
            ("eye_l", (0, -0.5), 0.05, 0.09), ("eye_r", (0, -0.5), 0.05, 0.09)],
    "AU7": [("eye_l", (0.3, -1), 0.045, 0.05), ("eye_r", (-0.3, -1), 0.045, 0.05)],
    "AU9": [("nose_side_l", (0.3, -1), 0.05, 0), ("nose_side_r", (-0.3, -1), 0.05, 0),
            ("nose_root", (0, 0.5), 0.045, 0), ("upper_lip", (0, -0.4), 0.05, 0),
            ("brow_in_l", (0.2, 0.35), 0.05, 0), ("brow_in_r", (-0.2, 0.35), 0.05, 0)],
    "AU10": [("upper_lip", (0, -1), 0.055, 0), ("upper_lip_l", (0, -0.9), 0.05, 0),
             ("upper_lip_r", (0, -0.9), 0.05, 0), ("nose_side_l", (0, -0.3), 0.04, 0.06),
             ("nose_side_r", (0, -0.3), 0.04, 0.06)],
    "AU12": [("corner_l", (-0.75, -0.65), 0.06, 0), ("corner_r", (0.75, -0.65), 0.06, 0),
             ("cheek_l", (-0.1, -0.3), 0.08, 0.08), ("cheek_r", (0.1, -0.3), 0.08, 0.08)],
    "AU14": [("corner_l", (-0.6, 0.05), 0.045, 0), ("corner_r", (0.6, 0.05), 0.045, 0),
             ("corner_l", (-0.5, 0), 0.025, 0, -0.06), ("corner_r", (0.5, 0), 0.025, 0, 0.06)],
    "AU15": [("corner_l", (-0.25, 1), 0.05, 0), ("corner_r", (0.25, 1), 0.05, 0),
             ("corner_l", (0, 0.5), 0.06, 0.07), ("corner_r", (0, 0.5), 0.06, 0.07)],
    "AU17": [("chin", (0, -1), 0.09, -0.02), ("lower_lip", (0, -0.6), 0.05, 0)],
    "AU26": [("lower_lip", (0, 1), 0.07, 0), ("chin", (0, 1), 0.12, 0),
             ("corner_l", (0, 0.35), 0.05, 0.02), ("corner_r", (0, 0.35), 0.05, 0.02)],
    "speech": [("lower_lip", (0, 1), 0.06, 0.01), ("chin", (0, 0.7), 0.1, 0),
               ("corner_l", (0.12, 0.3), 0.045, 0.02), ("corner_r", (-0.12, 0.3), 0.045, 0.02)],
}

# Vertical gates (points whose mean y is the line, +1 keep below / -1 keep above, softness in face
# heights, dy offset of the line in face heights): a lip AU must not drag the other lip, nor a lid
# AU the other lid, which a round Gaussian would do.
LIPS = ("corner_l", "corner_r")
EYES = ("eye_l", "eye_r")
GATES = {"AU10": (LIPS, -1, 0.025, 0), "AU26": (LIPS, +1, 0.025, 0), "AU17": (LIPS, +1, 0.025, 0),
         "speech": (LIPS, +1, 0.025, 0),
         "AU5": (EYES, -1, 0.01, -0.025), "AU7": (EYES, +1, 0.01, 0.02)}


def unit_field(unit, face, shape):
    """Float32 (H, W, 2) content motion of `unit` at 1 px peak, for a faces.Face in a frame."""
    h_img, w_img = shape
    fw = float(face.box[2])
    fh = float(face.box[3])
    field = np.zeros((h_img, w_img, 2), np.float32)
    for name, (dx, dy), sigma, voff, *hoff in PUSHES[unit]:
        px, py = face.points[name]
        px += (hoff[0] if hoff else 0.0) * fw
        py += voff * fh
        s = sigma * fw
        r = int(np.ceil(3 * s))
        x0, x1 = max(0, int(px) - r), min(w_img, int(px) + r + 2)
        y0, y1 = max(0, int(py) - r), min(h_img, int(py) + r + 2)
        xs = np.arange(x0, x1, dtype=np.float32) - px
        ys = np.arange(y0, y1, dtype=np.float32) - py
        d2 = ys[:, None] ** 2 + xs[None, :] ** 2
        g = np.exp(-d2 / (2 * s * s))
        g[d2 > (3 * s) ** 2] = 0      # compact support: beyond 3 sigma nothing moves
        field[y0:y1, x0:x1, 0] += dx * g
        field[y0:y1, x0:x1, 1] += dy * g
    if unit in GATES:
        names, side, soft, goff = GATES[unit]
        gy = float(np.mean([face.points[n][1] for n in names])) + goff * fh
        ys = np.arange(h_img, dtype=np.float32)
        with np.errstate(over="ignore"):        # far from the line exp overflows: the gate is 0
            gate = 1.0 / (1.0 + np.exp(-side * (ys - gy) / (soft * fh)))
        field *= gate[:, None, None]
    peak = float(np.sqrt((field ** 2).sum(-1)).max())
    return field / peak


def sided_unit_fields(au, face, shape, cache=None):
    """The unit fields of a combination, each at 1 px peak: for a one-sided combination (L/R) each
    is cut to that side (side_window) and normalised again. Cached per unit and side."""
    side, units = parse_combo(au)
    out = []
    for u in units:
        key = (u, side)
        if cache is not None and key in cache:
            out.append(cache[key])
            continue
        f = unit_field(u, face, shape)
        if side:
            f = f * side_window(side, face, shape[1])[None, :, None]
            f /= float(np.sqrt((f ** 2).sum(-1)).max())
        if cache is not None:
            cache[key] = f
        out.append(f)
    return out


def combo_field(au, face, shape, cache=None):
    """Sum of the unit fields of a combination (each at 1 px peak)."""
    return np.sum(sided_unit_fields(au, face, shape, cache), axis=0)


def region_mask(au, face, shape, threshold=0.25):
    """Boolean (H, W): where the combination moves content by >= threshold of its 1 px peak."""
    f = combo_field(au, face, shape)
    return np.sqrt((f ** 2).sum(-1)) >= threshold
