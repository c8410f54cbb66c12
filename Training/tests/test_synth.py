"""mextrain.synth: annotations, encoded frame counts, where the warps move pixels, labels, seeds."""
import csv
import json
import os

import cv2
import numpy as np
import pytest

from mextrain.synth import au, faces, render
from mextrain.synth.cli import HEADER, main

SUBJECTS = ["astronaut", "obama"]


def read_rows(out):
    with open(os.path.join(out, "annotations.csv"), newline="") as f:
        lines = f.read().splitlines()
    assert lines[0] == ",".join(HEADER) == "video,onset,apex,offset,type,au,label"
    return list(csv.DictReader(lines))


def decode_gray(path):
    cap = cv2.VideoCapture(str(path))
    frames = []
    while True:
        ok, img = cap.read()
        if not ok:
            break
        frames.append(cv2.cvtColor(img, cv2.COLOR_BGR2GRAY))
    cap.release()
    return frames


@pytest.fixture(scope="module")
def gen30(tmp_path_factory):
    out = str(tmp_path_factory.mktemp("synth30"))
    assert main([out, "--fps", "30", "--videos", "1", "--seconds", "11", "--subjects", *SUBJECTS,
                 "--seed", "7", "--clips", "--jobs", "2"]) == 0
    return out


@pytest.fixture(scope="module")
def gen200(tmp_path_factory):
    out = str(tmp_path_factory.mktemp("synth200"))
    assert main([out, "--fps", "200", "--videos", "1", "--seconds", "6", "--subjects", "astronaut",
                 "--seed", "3", "--micro-fraction", "1"]) == 0
    return out


def test_subjects_are_detected_at_640x480():
    subjects = faces.available_subjects()
    assert len(subjects) >= 4, subjects
    for s in subjects:
        for width in (155, 195):
            frame, face = faces.frame_subject(faces.load_photo(s), width, (320, 215))
            assert frame.shape == (480, 640, 3)
            assert abs(face.box[2] - width) < 0.15 * width, (s, width, face.box)


def test_labels_map_to_aus():
    expected = {"positive": {"AU6", "AU12"},
                "negative": {"AU4", "AU7", "AU9", "AU10", "AU14", "AU15", "AU17"},
                "surprise": {"AU1+2", "AU5", "AU26"}}
    classic = {"positive": {"AU6", "AU12"}, "negative": {"AU4", "AU9", "AU10"}, "surprise": {"AU1+2", "AU26"}}
    for table, allowed in ((au.COMBOS, expected), (au.CLASSIC_COMBOS, classic)):
        assert list(table) == au.LABELS
        for label, combos in table.items():
            for combo, _ in combos:
                units = au.split_combo(combo)
                assert set(units) <= allowed[label], (label, combo)
                assert au.label_of_combo(combo) == label
    used = {u for cs in au.COMBOS.values() for c, _ in cs for u in au.split_combo(c)}
    assert used == set(au.UNITS)
    assert au.split_combo("AU1+2+26") == ["AU1+2", "AU26"]
    assert au.split_combo("AU6+12") == ["AU6", "AU12"]
    assert au.split_combo("AU1+2+5+26") == ["AU1+2", "AU5", "AU26"]
    with pytest.raises(ValueError):
        au.label_of_combo("AU4+12")


def test_one_sided_notation():
    assert au.parse_combo("R12") == ("R", ["AU12"])
    assert au.parse_combo("L1+2") == ("L", ["AU1+2"])
    assert au.parse_combo("AU4+7") == (None, ["AU4", "AU7"])
    assert au.label_of_combo("L14") == "negative" and au.label_of_combo("R1+2+5") == "surprise"
    assert au.one_sided("AU6+12", "R") == "R6+12" and au.one_sided("AU1+2", "L") == "L1+2"
    assert au.one_sided("AU1+2+26", "L") is None and au.one_sided("AU9", "R") is None
    for bad in ("R26", "L17", "X12", "R4+12", "12"):
        with pytest.raises(ValueError):
            au.label_of_combo(bad)


def test_profile_shape():
    p = render.smooth_profile(3, 2, 4)
    assert len(p) == 3 + 2 + 4 + 1
    assert p[0] == 0 and p[-1] == 0 and p.max() == 1
    assert np.all(p[3:6] == 1) and np.all(np.diff(p[:4]) > 0) and np.all(np.diff(p[5:]) < 0)


def check_rows(out, rows, fps):
    man = json.load(open(os.path.join(out, "manifest.json")))
    frames = {v["file"]: v["frames"] for v in man["videos"]}
    assert rows, "no expressions generated"
    combos = {c for cs in au.COMBOS.values() for c, _ in cs}
    combos |= {au.one_sided(c, side) for c in combos for side in au.SIDES} - {None}
    by_video = {}
    for r in rows:
        on, ap, of = int(r["onset"]), int(r["apex"]), int(r["offset"])
        assert r["video"] in frames and os.path.exists(os.path.join(out, "videos", r["video"]))
        assert 0 <= on < ap < of < frames[r["video"]]
        assert on >= 3.0 * fps - 1, "first expression no earlier than 3 s"
        dur = (of - on) / fps
        if r["type"] == "micro":
            assert 0.19 <= dur <= 0.5, dur
        else:
            assert r["type"] == "macro" and 0.5 <= dur <= 4.0, dur
        assert r["au"] in combos and au.label_of_combo(r["au"]) == r["label"]
        by_video.setdefault(r["video"], []).append((on, of))
    for ivs in by_video.values():
        for (a0, a1), (b0, b1) in zip(ivs, ivs[1:]):
            assert b0 - a1 >= 2.0 * fps - 1, "at least 2 s of neutral between expressions"
    return man


def test_annotations_and_frame_counts_30fps(gen30):
    rows = read_rows(gen30)
    man = check_rows(gen30, rows, 30)
    assert len(man["videos"]) == 2 and man["subjects"] == SUBJECTS
    for v in man["videos"]:
        assert v["file"] == f"{v['subject']}_30fps_00.mp4" and v["frames"] == 11 * 30
        cap = cv2.VideoCapture(os.path.join(gen30, "videos", v["file"]))
        assert cap.get(cv2.CAP_PROP_FPS) == pytest.approx(30, abs=0.01)
        assert int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)) == 640 and int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT)) == 480
        cap.release()
        assert len(decode_gray(os.path.join(gen30, "videos", v["file"]))) == v["frames"]


def test_annotations_and_frame_counts_200fps(gen200):
    rows = read_rows(gen200)
    man = check_rows(gen200, rows, 200)
    v = man["videos"][0]
    assert v["frames"] == 1200 and len(decode_gray(os.path.join(gen200, "videos", v["file"]))) == 1200
    assert all(r["type"] == "micro" for r in rows)


def test_clips(gen30):
    rows = read_rows(gen30)
    with open(os.path.join(gen30, "clips.csv"), newline="") as f:
        clips = list(csv.DictReader(f))
    assert len(clips) == len(rows)
    for c, r in zip(clips, rows):
        assert (c["video"], c["onset"], c["apex"], c["offset"], c["label"]) == \
               (r["video"], r["onset"], r["apex"], r["offset"], r["label"])
        for key in ("onset_image", "apex_image", "offset_image"):
            img = cv2.imread(os.path.join(gen30, c[key]))
            assert img is not None and img.shape == (480, 640, 3)


def gray_diff(a, b):
    """|a - b| of two BGR frames in grey levels (float)."""
    g = lambda img: cv2.cvtColor(img, cv2.COLOR_BGR2GRAY).astype(np.float32)
    return np.abs(g(a) - g(b))


def clean_renderer(expressions, n=60, subject="astronaut"):
    base, face = faces.frame_subject(faces.load_photo(subject), 170, (320, 215))
    o = render.Options(fps=30, seconds=n / 30, drift=False)
    r = render.Renderer(base, face, np.random.default_rng(0), n, 30, expressions, o)
    r.blink_amp[:] = 0      # blinks are checked separately
    return base, face, r


@pytest.mark.parametrize("combo", ["AU1+2", "AU4", "AU6+12", "AU12", "AU9", "AU10", "AU26",
                                   "AU5", "AU7", "AU14", "AU15", "AU17", "AU15+17", "AU4+7",
                                   "R12", "L12", "L4+7", "R1+2", "L14", "R15"])
def test_warp_moves_intended_region_only(combo):
    e = render.Expression(onset=10, apex=16, offset=24, kind="micro", au=combo,
                          label=au.label_of_combo(combo), intensity=3.0, hold_start=16, hold_end=16)
    base, face, r = clean_renderer([e])
    mask = au.region_mask(combo, face, base.shape[:2])
    gray = lambda i: cv2.cvtColor(r.clean_frame(i), cv2.COLOR_BGR2GRAY).astype(np.float32)
    neutral = cv2.cvtColor(base, cv2.COLOR_BGR2GRAY).astype(np.float32)
    apex_diff = np.abs(gray(16) - neutral)
    assert apex_diff[mask].mean() > 2.0, apex_diff[mask].mean()
    # Far from the AU's support nothing moves at all (compact Gaussians), e.g. outside the face box
    # grown by a quarter (by 60% downwards: the jaw drop moves the chin below the box), and in the
    # half of the face the AU does not touch.
    x, y, w, h = face.box
    outside = np.ones(mask.shape, bool)
    outside[max(0, y - h // 4):y + h + int(0.6 * h), max(0, x - w // 4):x + w + w // 4] = False
    assert apex_diff[outside].max() == 0
    side, units = au.parse_combo(combo)
    upper = set(units) <= {"AU1+2", "AU4", "AU5", "AU7"}
    lower = set(units) <= {"AU10", "AU12", "AU14", "AU15", "AU17", "AU26"}
    if upper:
        assert apex_diff[y + int(0.7 * h):y + h].max() == 0      # mouth still
    if lower:
        assert apex_diff[y:y + int(0.45 * h)].max() == 0         # brows and eyes still
    if set(units) <= {"AU5", "AU7"}:
        # Lids only: the brows stay (nothing moves higher than 0.05 face heights below them).
        brow = min(face.points[k][1] for k in ("brow_l", "brow_r", "brow_in_l", "brow_in_r"))
        assert apex_diff[:int(brow - 0.05 * h)].max() == 0
    if side:
        # The subject's right is the image's left: the other half of the face stays still.
        cx = x + w / 2.0
        still = slice(int(np.ceil(cx + 0.06 * w)) + 1, None) if side == "R" else slice(0, int(cx - 0.06 * w) - 1)
        assert apex_diff[:, still].max() == 0
        moving = slice(0, int(cx)) if side == "R" else slice(int(cx), None)
        assert apex_diff[:, moving][mask[:, moving]].mean() > 2.0
    # Still at onset/offset and in neutral stretches.
    for i in (0, 9, 10, 24, 25, 59):
        assert np.array_equal(r.clean_frame(i), base), i


def test_apex_motion_survives_noise_and_compression(gen30):
    """On the encoded videos: the AU region changes much more from onset to apex than it does
    between two neutral frames the same distance apart."""
    rows = read_rows(gen30)
    man = json.load(open(os.path.join(gen30, "manifest.json")))
    boxes = {v["file"]: tuple(v["face_box"]) for v in man["videos"]}
    cache = {}
    ratios = []
    for r in rows:
        if r["video"] not in cache:
            cache[r["video"]] = decode_gray(os.path.join(gen30, "videos", r["video"]))
        fr = [f.astype(np.float32) for f in cache[r["video"]]]
        on, ap, of = int(r["onset"]), int(r["apex"]), int(r["offset"])
        mask = au.region_mask(r["au"], faces.layout(boxes[r["video"]]), (480, 640), 0.5)
        k = ap - on
        expr = np.abs(fr[ap] - fr[on])[mask].mean()
        quiet = np.abs(fr[on - 20] - fr[on - 20 - k])[mask].mean()
        # Compression often copies a still region exactly (skipped blocks): quiet can be 0.
        ratios.append(expr / max(quiet, 0.05))
    assert np.median(ratios) > 1.5, ratios
    assert min(ratios) > 1.1, ratios


def test_neutral_mode_has_no_annotations(tmp_path):
    out = str(tmp_path)
    assert main([out, "--neutral", "5", "--subjects", "obama", "--videos", "1", "--seed", "2"]) == 0
    assert read_rows(out) == []
    man = json.load(open(os.path.join(out, "manifest.json")))
    v = man["videos"][0]
    assert man["neutral"] and v["file"] == "obama_30fps_neutral_00.mp4" and v["frames"] == 150
    assert v["expressions"] == 0 and v["blinks"], "nuisances still present"
    assert len(decode_gray(os.path.join(out, "videos", v["file"]))) == 150


def test_deterministic_with_seed(tmp_path):
    runs = []
    for name, seed in (("a", 5), ("b", 5), ("c", 6)):
        out = str(tmp_path / name)
        assert main([out, "--seconds", "5", "--subjects", "astronaut", "--videos", "1", "--seed", str(seed),
                     "--max-expressions", "2"]) == 0
        rows = read_rows(out)
        frames = decode_gray(os.path.join(out, "videos", "astronaut_30fps_00.mp4"))
        runs.append((rows, frames))
    (ra, fa), (rb, fb), (rc, fc) = runs
    assert ra == rb and len(fa) == len(fb) and all(np.array_equal(x, y) for x, y in zip(fa, fb))
    assert ra != rc or any(not np.array_equal(x, y) for x, y in zip(fa, fc))


def test_blink_moves_eyes_only():
    base, face, r = clean_renderer([], n=30)
    r.blink_amp[:] = 0
    r.blink_amp[5] = 1.0
    diff = gray_diff(r.clean_frame(5), base)
    x, y, w, h = face.box
    assert diff[y + int(0.3 * h):y + int(0.5 * h), x:x + w].mean() > 3
    assert diff[y + int(0.6 * h):].max() == 0


def sway(face_width, seed=1, mode="sway", n=30 * 120, fps=30):
    return render.head_motion(np.random.default_rng(seed), render.stream(seed, "sway"), n, fps, mode, face_width)


def test_head_motion_modes():
    none, drift, sw = sway(200, mode="none"), sway(200, mode="drift"), sway(200)
    for h in (none, drift):
        assert np.all(h.hscale == 1) and h.sudden == []
    assert np.all(none.tx == 0) and np.all(none.rot == 0) and np.all(none.scl == 1)
    assert np.abs(drift.tx).max() < 5 and np.abs(drift.rot).max() < 0.6
    # Sway on top of the same drift: the sway components lie in the documented ranges.
    dev = lambda a: np.abs(a).max()
    assert 0.015 - 1e-9 <= dev(sw.hscale - 1) <= 0.03 + 1e-9
    assert 0.01 - 1e-3 <= dev(sw.scl - drift.scl) <= 0.02 + 1e-3
    assert 0.75 <= dev(sw.rot - drift.rot) <= 1.5 + 1.5 + 1e-6       # sway roll + held tilts
    assert 4.0 <= dev(sw.tx - drift.tx) <= 7.0 + 6.0 + 1e-6          # sway + held shifts
    # Sudden moves: a few per minute, 0.2-0.5 s each, and they are fast (the slow sway is not).
    assert 2 <= len(sw.sudden) <= 5 * 2 + 3, sw.sudden
    for s, e, kind, size in sw.sudden:
        assert 0.2 * 30 - 1 <= e - s <= 0.5 * 30 + 1 and kind in ("shift", "nod", "tilt")
        assert (0.5 <= abs(size) <= 1.5) if kind == "tilt" else (2.0 <= size <= 6.0)
    # Deterministic from the seed; a different seed differs.
    again, other = sway(200), sway(200, seed=2)
    assert np.array_equal(again.tx, sw.tx) and again.sudden == sw.sudden
    assert not np.array_equal(other.tx, sw.tx)


def test_sway_scales_with_face_width():
    big, small = sway(200), sway(100)
    drift = sway(200, mode="drift")        # the drift does not depend on the face width
    assert np.allclose(big.tx - drift.tx, 2 * (small.tx - drift.tx))
    assert np.allclose(big.ty - drift.ty, 2 * (small.ty - drift.ty))
    assert np.array_equal(big.rot, small.rot) and np.array_equal(big.hscale, small.hscale)


def test_affine_inverts_head_motion_with_horizontal_scale():
    base, face, r = clean_renderer([], n=30)
    r.tx[:] = 3.0
    r.ty[:] = -2.0
    r.rot[:] = 1.2
    r.scl[:] = 1.015
    r.hscale[:] = 0.97
    M = r.affine(5)
    # Forward: q = C + T + R S K (p - C), K = diag(0.97, 1) in the face's frame.
    a = np.radians(1.2)
    R = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    C, T = np.array([r.cx, r.cy]), np.array([3.0, -2.0])
    for p in ([r.cx, r.cy], [r.cx + 50, r.cy - 30], [100.0, 400.0]):
        q = C + T + R @ (1.015 * np.diag([0.97, 1.0]) @ (np.array(p) - C))
        assert np.allclose(M[:, :2] @ q + M[:, 2], p, atol=1e-9)
    # The rendered face is narrower by the horizontal scale: a vertical edge 50 px right of the
    # centre moves to 0.97 * 50.
    r.tx[:] = r.ty[:] = r.rot[:] = 0
    r.scl[:] = 1
    M = r.affine(5)
    assert np.allclose(M @ [r.cx + 0.97 * 50, r.cy + 10, 1], [r.cx + 50, r.cy + 10], atol=1e-9)


def test_speech_bursts_and_syllables():
    fps, n = 200, 200 * 60
    rng = np.random.default_rng(4)
    bursts = render.speech_bursts(rng, n, fps, 0.25)
    assert all(1.0 * fps - 1 <= e - s <= 3.0 * fps + 1 for s, e in bursts[:-1])
    total = sum(e - s for s, e in bursts) / fps
    assert 0.25 * 60 - 0.1 <= total <= 0.25 * 60 + 1.0, total
    assert all(b0[1] <= a0[0] for b0, a0 in zip(bursts, bursts[1:]))
    amp, real = render.speech_amplitude(rng, bursts, n, fps, 200.0)
    assert len(real) == len(bursts)
    for (s, e), (rs, re) in zip(bursts, real):
        assert rs == s and s < re <= e and amp[rs] == 0 and amp[re] == 0
        a = amp[rs:re + 1]
        assert 1.5 * 0.55 - 1e-6 <= a.max() <= 4.0 + 1e-6, a.max()
        # Syllables: the mouth closes between them; count the openings.
        peaks = np.sum((a[1:-1] > a[:-2]) & (a[1:-1] >= a[2:]) & (a[1:-1] > 0.1))
        rate = peaks / ((re - rs) / fps)
        assert 2.0 <= rate <= 7.0, rate
    outside = np.ones(n, bool)
    for rs, re in real:
        outside[rs:re + 1] = False
    assert np.all(amp[outside] == 0)
    # Half the face width, half the amplitude (same draws).
    amp2, _ = render.speech_amplitude(np.random.default_rng(9), bursts, n, fps, 100.0)
    amp4, _ = render.speech_amplitude(np.random.default_rng(9), bursts, n, fps, 200.0)
    assert np.allclose(amp4, 2 * amp2, atol=1e-5)


def test_speech_moves_the_lower_face_only():
    base, face, r = clean_renderer([], n=30)
    r.speech_f = au.unit_field("speech", face, base.shape[:2])
    r.speech_amp[:] = 0
    r.speech_amp[5] = 3.0
    diff = gray_diff(r.clean_frame(5), base)
    x, y, w, h = face.box
    assert diff[y + int(0.8 * h):y + int(1.2 * h), x:x + w].mean() > 1.0
    assert diff[:y + int(0.7 * h)].max() == 0            # eyes, brows, nose and upper lip still
    assert np.array_equal(r.clean_frame(4), base)
    assert "speech" not in au.UNITS and all("speech" not in c for cs in au.COMBOS.values() for c, _ in cs)


def test_conditions_keep_expressions_and_write_speech(tmp_path):
    """The same seed under --condition calm and webcam (without frame drops, which renumber the
    frames): the same annotations (speech, head motion and the other nuisances are not annotated
    and draw from their own streams); webcam writes speech.csv; explicit flags override."""
    common = ["--seconds", "7", "--subjects", "obama", "--videos", "1", "--seed", "8", "--first-onset", "1",
              "--aus", "extended", "--one-sided", "0.5"]
    calm, cam = str(tmp_path / "calm"), str(tmp_path / "cam")
    assert main([calm, *common]) == 0
    assert main([cam, *common, "--condition", "webcam", "--speech", "0.4", "--nuisances", "exposure,flicker,hand"]) == 0
    assert read_rows(calm) == read_rows(cam) and read_rows(cam)
    assert all(au.label_of_combo(r["au"]) == r["label"] for r in read_rows(cam))
    assert not os.path.exists(os.path.join(calm, "speech.csv"))
    mc = json.load(open(os.path.join(calm, "manifest.json")))
    mw = json.load(open(os.path.join(cam, "manifest.json")))
    assert mc["conditions"] == {"head_motion": "drift", "speech": 0.0, "nuisances": []} and mc["version"] == "2.0"
    assert mw["conditions"] == {"head_motion": "sway", "speech": 0.4, "nuisances": ["exposure", "flicker", "hand"]}
    vc, vw = mc["videos"][0], mw["videos"][0]
    assert vc["speech"] == [] and vc["hscale_range"] == [1.0, 1.0] and vc["head_motion"] == "drift"
    assert vw["head_motion"] == "sway" and vw["hscale_range"][0] < 0.99 < 1.01 < vw["hscale_range"][1]
    assert vw["speech"] and 0.3 <= vw["speech_fraction"] <= 0.4 + 1.0 / 7 + 0.01
    with open(os.path.join(cam, "speech.csv"), newline="") as f:
        lines = f.read().splitlines()
    assert lines[0] == "video,start,end"
    assert [[int(v) for v in ln.split(",")[1:]] for ln in lines[1:]] == vw["speech"]
    assert vw["blinks"] == vc["blinks"] and vw["face_box"] == vc["face_box"]
    assert vw["nuisances"] == ["exposure", "flicker", "hand"] and "dropped" not in vw and "flicker_hz" in vw
    assert len(decode_gray(os.path.join(cam, "videos", vw["file"]))) == vw["frames"]


def test_extended_aus_and_one_sided_schedule():
    """--aus extended draws the new AUs and one-sided forms; with the classic table and no one-sided
    forms the schedule is the original one, and the one-sided draws do not move the timing."""
    n = 30 * 600
    classic = render.schedule_expressions(np.random.default_rng(3), n, render.Options(max_expressions=200))
    ext = render.schedule_expressions(np.random.default_rng(3), n,
                                      render.Options(max_expressions=200, aus="extended", one_sided=0.2),
                                      render.stream(3, "sides"))
    assert len(classic) == len(ext) > 100
    assert [(e.onset, e.apex, e.offset, e.label) for e in classic] == [(e.onset, e.apex, e.offset, e.label) for e in ext]
    classic_combos = {c for cs in au.CLASSIC_COMBOS.values() for c, _ in cs}
    assert {e.au for e in classic} <= classic_combos
    units = {u for e in ext for u in au.split_combo(e.au)}
    assert {"AU5", "AU7", "AU14", "AU15", "AU17"} <= units
    sided = [e for e in ext if au.parse_combo(e.au)[0]]
    sidable = [e for e in ext if au.parse_combo(e.au)[0] or au.one_sided(e.au, "L")]
    assert 0.1 < len(sided) / len(sidable) < 0.3, (len(sided), len(sidable))
    assert {au.parse_combo(e.au)[0] for e in sided} == {"L", "R"}
    assert all(au.label_of_combo(e.au) == e.label for e in ext)


def test_defaults_give_version_1_1_output(tmp_path):
    """With no new flags a seed gives what version 1.1 of the generator gave (values recorded from
    it: annotations, blinks, crf, noise, face box, intensities, drift)."""
    out = str(tmp_path)
    assert main([out, "--seconds", "14", "--subjects", "hopper", "--videos", "1", "--seed", "21"]) == 0
    rows = [[r[k] for k in HEADER[1:]] for r in read_rows(out)]
    assert rows == [["102", "107", "112", "micro", "AU6+12", "positive"],
                    ["172", "177", "182", "micro", "AU1+2", "surprise"],
                    ["258", "262", "266", "micro", "AU10", "negative"],
                    ["360", "367", "373", "micro", "AU1+2+26", "surprise"]]
    v = json.load(open(os.path.join(out, "manifest.json")))["videos"][0]
    assert v["blinks"] == [[121, 128], [211, 221], [385, 393]] and v["crf"] == 23 and v["noise_sigma"] == 2.804
    assert v["face_box"] == [211, 123, 189, 189] and v["intensities_px"] == [1.942, 3.121, 2.811, 2.095]
    assert v["drift_px_max"] == 2.73 and v["nuisances"] == [] and v["speech"] == [] and v["sudden_moves"] == []
    assert not os.path.exists(os.path.join(out, "speech.csv"))


def test_exposure_and_white_balance_steps():
    fps, n = 30, 30 * 600
    g, events = render.exposure_steps(np.random.default_rng(2), n, fps)
    assert 2 * 10 * 0.6 <= len(events) <= 4 * 10 * 1.5, len(events)
    assert {e[2] for e in events} == {"exposure", "white_balance"}
    still = np.ones(n, bool)
    for s, e, kind, d in events:
        assert 0.3 * fps - 1 <= e - s <= 1.0 * fps + 1
        step = g[s] - 1                          # the jump, at the first frame of the event
        if kind == "exposure":
            assert 0.05 * 0.9 <= abs(step[0]) <= 0.15 and np.allclose(step, step[0])
        else:
            assert 0.05 * 0.9 <= abs(step[0]) <= 0.15 and step[1] == 0 and step[0] * step[2] < 0
        assert np.allclose(g[e], 1) and np.all(np.abs(g[s:e + 1] - 1) <= 0.15 + 1e-9)
        still[s:e] = False
    assert np.all(g[still] == 1)


@pytest.mark.parametrize("fps", [25, 30, 35, 200])
def test_mains_flicker_alias(fps):
    n = fps * 10
    seen = set()
    for seed in range(6):
        f, info = render.mains_flicker(np.random.default_rng(seed), n, fps)
        light = 2 * info["mains_hz"]
        expect = abs(light - fps * round(light / fps))       # e.g. 100 Hz at 30 fps: 10 Hz
        assert info["flicker_hz"] == pytest.approx(expect) and info["mains_hz"] in (50, 60)
        assert 0.01 <= info["flicker_amplitude"] <= 0.03
        seen.add(info["mains_hz"])
        # The frame-rate samples of the 100/120 Hz light are the alias: the peak of its spectrum.
        spec = np.abs(np.fft.rfft(f - f.mean()))
        freqs = np.fft.rfftfreq(n, 1.0 / fps)
        if expect == 0:
            assert np.ptp(f) < 1e-9           # an exact multiple of the frame rate: a constant offset
        elif expect < fps / 2:
            assert freqs[np.argmax(spec)] == pytest.approx(expect, abs=0.11)
            assert 2 * spec.max() / n == pytest.approx(info["flicker_amplitude"], rel=0.02)
        else:                                  # at Nyquist: alternate frames, by m * sin(phase)
            assert np.allclose(f[2::2], f[0]) and np.allclose(f[1::2], 2 - f[0])
    assert seen == {50, 60}


def test_hand_passes_in_front_of_the_face():
    base, face = faces.frame_subject(faces.load_photo("biden"), 190, (320, 215))
    fps, n = 30, 30 * 300
    hands = render.hand_passes(np.random.default_rng(5), n, fps, base, face)
    assert 5 <= len(hands) <= 2 * 5 * 1.5, len(hands)
    x, y, w, h = face.box
    for hand in hands[:4]:
        assert 0.5 * fps - 1 <= hand.end - hand.start <= 1.5 * fps + 1
        # Out of the frame at both ends, over part of the face at mid-time.
        for i in (hand.start, hand.end):
            assert np.array_equal(render.composite_hand(base.copy(), hand, i), base)
        # Skin on skin is hard to see: measure the cover on a black frame.
        black = np.zeros_like(base)
        mid = render.composite_hand(black.copy(), hand, (hand.start + hand.end) // 2)
        covered = mid.max(axis=2) > 40
        assert 0.1 < covered[y:y + h, x:x + w].mean() < 0.95, covered[y:y + h, x:x + w].mean()
        tx, ty = (int(v) for v in face.points[hand.target])
        assert covered[ty - 20:ty + 21, tx - 20:tx + 21].mean() > 0.5, hand.target


def test_mp4_frame_durations(tmp_path):
    from mextrain.synth import mp4times
    import subprocess
    path = str(tmp_path / "v.mp4")
    frames = [np.full((48, 64, 3), 10 * i, np.uint8) for i in range(12)]
    cmd = render.ffmpeg_cmd(path, 30, 20, "veryfast", w=64, h=48, vfr=True)
    subprocess.run(cmd, input=b"".join(f.tobytes() for f in frames), check=True)
    durations = [1 / 30] * 12
    durations[3] = 3 / 30                    # two frames lost after the fourth
    durations[7] = 0.9 / 30
    ticks = mp4times.set_frame_durations(path, durations)
    probe = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v", "-show_entries", "packet=pts,duration",
                            "-of", "csv=p=0", path], capture_output=True, text=True, check=True).stdout.split()
    pts = [int(line.split(",")[0]) for line in probe]
    assert pts == ticks and pts[:6] == [0, 3000, 6000, 9000, 18000, 21000] and pts[8] - pts[7] == 2700
    assert len(decode_gray(path)) == 12
    fast = str(tmp_path / "fast.mp4")
    subprocess.run(render.ffmpeg_cmd(fast, 30, 20, "veryfast", w=64, h=48), input=b"".join(f.tobytes() for f in frames),
                   check=True)
    with pytest.raises(ValueError):
        mp4times.set_frame_durations(fast, durations)      # +faststart: the movie box comes first
    with pytest.raises(ValueError):
        mp4times.set_frame_durations(path, durations[:-1])


def test_frame_drops_renumber_annotations(tmp_path):
    """With drops: the container's timestamps keep real time (gaps where frames were lost), the
    annotations are decoded-frame indices, and the decoded frame at each annotated index is the
    frame rendered for it."""
    import subprocess
    # 35 fps: the flicker of both 50 and 60 Hz mains is visible (5 or 15 Hz), a per-frame
    # brightness pattern to check the alignment of the decoded frames with.
    fps = 35
    common = ["--seconds", "9", "--subjects", "astronaut", "--videos", "1", "--seed", "4", "--first-onset", "1",
              "--min-gap", "0.5", "--max-gap", "1", "--fps", str(fps)]
    plain, dropped = str(tmp_path / "plain"), str(tmp_path / "drops")
    assert main([plain, *common, "--nuisances", "flicker"]) == 0
    assert main([dropped, *common, "--nuisances", "drops,flicker"]) == 0
    v = json.load(open(os.path.join(dropped, "manifest.json")))["videos"][0]
    lost = v["dropped"]
    n = 9 * fps
    assert lost and v["frames"] == v["frames_rendered"] - len(lost) == n - len(lost)
    path = os.path.join(dropped, "videos", v["file"])
    fd, fp = decode_gray(path), decode_gray(os.path.join(plain, "videos", v["file"]))
    assert len(fd) == v["frames"] and len(fp) == n
    probe = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v", "-show_entries", "packet=pts",
                            "-of", "csv=p=0", path], capture_output=True, text=True, check=True).stdout.split()
    pts = np.array([int(p) for p in probe]) / render.TIMESCALE
    kept = np.setdiff1d(np.arange(n), lost)
    # Each frame at its nominal time plus a jitter of at most a quarter frame interval.
    assert np.all(np.abs(pts - kept / fps) <= 0.25 / fps + 1e-4)
    gaps = np.diff(pts) * fps
    assert np.all(gaps[np.diff(kept) > 1] > 1.4) and np.all(gaps[np.diff(kept) == 1] < 1.6)
    # Decoded frame k is rendered frame kept[k]: its mean brightness follows the flicker of that
    # frame, not of its neighbour.
    md = np.array([f.mean() for f in fd])
    mp = np.array([f.mean() for f in fp])
    assert np.abs(md - mp[kept]).mean() < 0.3 * np.abs(md[:-1] - mp[kept[:-1] + 1]).mean()
    rp, rd = read_rows(plain), read_rows(dropped)
    assert len(rp) == len(rd) >= 3
    for a, b in zip(rp, rd):
        assert a["au"] == b["au"] and a["type"] == b["type"]
        for key in ("onset", "apex", "offset"):
            j, k = int(a[key]), int(b[key])
            assert j not in lost and kept[k] == j


def test_webcam_condition_has_everything(tmp_path):
    out = str(tmp_path)
    assert main([out, "--condition", "webcam", "--seconds", "4", "--subjects", "biden", "--videos", "1",
                 "--seed", "3", "--fps", "30", "--max-expressions", "1", "--first-onset", "1"]) == 0
    m = json.load(open(os.path.join(out, "manifest.json")))
    assert m["conditions"] == {"head_motion": "sway", "speech": 0.25, "nuisances": list(render.NUISANCES)}
    v = m["videos"][0]
    assert v["head_motion"] == "sway" and v["speech"] and "flicker_hz" in v and "dropped" in v
    assert len(decode_gray(os.path.join(out, "videos", v["file"]))) == v["frames"]
    for bad in (["--nuisances", "rain"], ["--speech", "2"], ["--min-gap", "3", "--max-gap", "2"]):
        with pytest.raises(SystemExit):
            main([str(tmp_path / "bad"), "--subjects", "biden", *bad])


def test_dense_schedule_gives_enough_micro_expressions():
    """--min-gap 1 --max-gap 2 --micro-fraction 1 --max-expressions 100: a 60 s video holds more
    than 25 micro-expressions, so two videos per frame rate give the 50 an evaluation wants."""
    for fps in (30, 200):
        o = render.Options(fps=fps, seconds=60, micro_fraction=1.0, min_gap_s=1.0, max_gap_s=2.0, max_expressions=100)
        n = int(60 * fps)
        ex = render.schedule_expressions(np.random.default_rng(1), n, o)
        assert len(ex) > 25 and all(e.kind == "micro" for e in ex)
        assert all(b.onset - a.offset >= 1.0 * fps - 1 for a, b in zip(ex, ex[1:]))
        assert ex[-1].offset + fps <= n
        # Blinks still find room between them.
        assert len(render.schedule_blinks(np.random.default_rng(1), n, fps, ex, o)) >= 5


def test_nuisances_are_deterministic_from_the_seed():
    base, face = faces.frame_subject(faces.load_photo("obama"), 180, (320, 215))
    n, fps = 30 * 120, 30

    def draw(seed):
        g, ev = render.exposure_steps(render.stream(seed, "exposure"), n, fps)
        f, info = render.mains_flicker(render.stream(seed, "flicker"), n, fps)
        hands = render.hand_passes(render.stream(seed, "hand"), n, fps, base, face)
        drop = render.frame_drops(render.stream(seed, "drops"), n, fps, {100, 101})
        dur, sigma = render.frame_durations(render.stream(seed, "timing"), np.flatnonzero(~drop), fps)
        return (g, ev, f, info, [(h.start, h.end, h.target) for h in hands], [h.path for h in hands], drop, dur)

    def same(x, y):
        if isinstance(x, np.ndarray):
            return np.array_equal(x, y)
        if isinstance(x, list) and x and isinstance(x[0], np.ndarray):
            return len(x) == len(y) and all(np.array_equal(p, q) for p, q in zip(x, y))
        return x == y

    a, b, c = draw(7), draw(7), draw(8)
    assert all(same(x, y) for x, y in zip(a, b))
    assert not np.array_equal(a[0], c[0]) and not np.array_equal(a[6], c[6]) and a[4] != c[4]
    assert not a[6][100] and not a[6][101] and not a[6][0] and not a[6][-1]
    assert 0.01 <= a[6].mean() <= 0.03 + 0.01
