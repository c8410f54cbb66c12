"""FACS action units as smooth, localised displacement fields, and the 3-class label mapping.

An AU is a handful of Gaussian "pushes": a facial point (faces.LAYOUT) moves by a unit vector
times a weight, the motion falling off as a Gaussian of the distance with a sigma in face widths.
Each Gaussian is cut at 3 sigma so that the rest of the face stays exactly still (the tests rely
on that). Each AU's field is normalised so that its largest displacement is 1 px; the renderer
multiplies it by the expression's apex intensity (pixels) and the temporal profile. Fields are the
motion of the image content, in pixels of the 640x480 frame.
"""
import numpy as np

# Labels follow the paper's 3-class composite: positive = AU6/AU12, negative = AU4/AU9/AU10,
# surprise = AU1+2/AU26. Each expression uses one combination of one label; weights pick among them.
COMBOS = {
    "positive": [("AU12", 0.5), ("AU6+12", 0.5)],
    "negative": [("AU4", 0.4), ("AU9", 0.2), ("AU10", 0.2), ("AU4+10", 0.2)],
    "surprise": [("AU1+2", 0.5), ("AU26", 0.2), ("AU1+2+26", 0.3)],
}
LABELS = list(COMBOS)

# The single AUs a combination string is made of; "AU1+2" is one unit (inner+outer brow raiser
# always move together here).
UNITS = ["AU1+2", "AU4", "AU6", "AU9", "AU10", "AU12", "AU26"]


def label_of_unit(unit):
    return {"AU1+2": "surprise", "AU26": "surprise", "AU6": "positive", "AU12": "positive",
            "AU4": "negative", "AU9": "negative", "AU10": "negative"}[unit]


def split_combo(au):
    """'AU1+2+26' -> ['AU1+2', 'AU26']; 'AU6+12' -> ['AU6', 'AU12']."""
    nums = au[2:].split("+")
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
    return out


def label_of_combo(au):
    labels = {label_of_unit(u) for u in split_combo(au)}
    if len(labels) != 1:
        raise ValueError(f"{au} mixes labels {labels}")
    return labels.pop()


# (point, (dx, dy) direction * weight, sigma in face widths, dy offset of the point in face heights)
# x is image x: for the image-left side "outward" is -x. Directions follow the FACS descriptions:
#  AU1+2 inner and outer brow raiser: the whole brow and the skin above it go up.
#  AU4 brow lowerer: the inner brows go down and together.
#  AU6 cheek raiser: cheeks and the skin under the eyes go up.
#  AU9 nose wrinkler: the sides of the nose and the upper lip go up, the inner brows a little down.
#  AU10 upper lip raiser: the upper lip goes up (gated: the lower lip does not move).
#  AU12 lip corner puller: the lip corners go up and outward.
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
    "AU6": [("cheek_l", (0, -1), 0.09, 0), ("cheek_r", (0, -1), 0.09, 0),
            ("eye_l", (0, -0.5), 0.05, 0.09), ("eye_r", (0, -0.5), 0.05, 0.09)],
    "AU9": [("nose_side_l", (0.3, -1), 0.05, 0), ("nose_side_r", (-0.3, -1), 0.05, 0),
            ("nose_root", (0, 0.5), 0.045, 0), ("upper_lip", (0, -0.4), 0.05, 0),
            ("brow_in_l", (0.2, 0.35), 0.05, 0), ("brow_in_r", (-0.2, 0.35), 0.05, 0)],
    "AU10": [("upper_lip", (0, -1), 0.055, 0), ("upper_lip_l", (0, -0.9), 0.05, 0),
             ("upper_lip_r", (0, -0.9), 0.05, 0), ("nose_side_l", (0, -0.3), 0.04, 0.06),
             ("nose_side_r", (0, -0.3), 0.04, 0.06)],
    "AU12": [("corner_l", (-0.75, -0.65), 0.06, 0), ("corner_r", (0.75, -0.65), 0.06, 0),
             ("cheek_l", (-0.1, -0.3), 0.08, 0.08), ("cheek_r", (0.1, -0.3), 0.08, 0.08)],
    "AU26": [("lower_lip", (0, 1), 0.07, 0), ("chin", (0, 1), 0.12, 0),
             ("corner_l", (0, 0.35), 0.05, 0.02), ("corner_r", (0, 0.35), 0.05, 0.02)],
    "speech": [("lower_lip", (0, 1), 0.06, 0.01), ("chin", (0, 0.7), 0.1, 0),
               ("corner_l", (0.12, 0.3), 0.045, 0.02), ("corner_r", (-0.12, 0.3), 0.045, 0.02)],
}

# Vertical gates (point, +1 keep below / -1 keep above, softness in face heights): a lip AU must
# not drag the other lip, which a round Gaussian would do.
GATES = {"AU10": ("corner_l", -1, 0.025), "AU26": ("corner_l", +1, 0.025),
         "speech": ("corner_l", +1, 0.025)}


def unit_field(unit, face, shape):
    """Float32 (H, W, 2) content motion of `unit` at 1 px peak, for a faces.Face in a frame."""
    h_img, w_img = shape
    fw = float(face.box[2])
    fh = float(face.box[3])
    field = np.zeros((h_img, w_img, 2), np.float32)
    for name, (dx, dy), sigma, voff in PUSHES[unit]:
        px, py = face.points[name]
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
        name, side, soft = GATES[unit]
        gy = face.points[name][1]
        ys = np.arange(h_img, dtype=np.float32)
        gate = 1.0 / (1.0 + np.exp(-side * (ys - gy) / (soft * fh)))
        field *= gate[:, None, None]
    peak = float(np.sqrt((field ** 2).sum(-1)).max())
    return field / peak


def combo_field(au, face, shape, cache=None):
    """Sum of the unit fields of a combination (each at 1 px peak); cached per unit."""
    out = None
    for u in split_combo(au):
        if cache is not None and u in cache:
            f = cache[u]
        else:
            f = unit_field(u, face, shape)
            if cache is not None:
                cache[u] = f
        out = f.copy() if out is None else out + f
    return out


def region_mask(au, face, shape, threshold=0.25):
    """Boolean (H, W): where the combination moves content by >= threshold of its 1 px peak."""
    f = combo_field(au, face, shape)
    return np.sqrt((f ** 2).sum(-1)) >= threshold
