"""CK+ (Lucey et al. 2010), macro-expressions for pre-training (paper section 4.2).

Layout:
  ROOT/cohn-kanade-images/S005/001/S005_001_00000001.png ... S005_001_00000011.png
  ROOT/Emotion/S005/001/S005_001_00000011_emotion.txt     (one number, e.g. "   3.0000000e+00")
Only sequences with an emotion file are used. Codes: 0 neutral, 1 anger, 2 contempt, 3 disgust,
4 fear, 5 happy, 6 sadness, 7 surprise. Apex = last frame, onset = offset = first frame (4.2).
"""
from pathlib import Path

from .groupings import get_grouping
from .sample import AnnotationError, Sample

CODES = {1: "anger", 2: "contempt", 3: "disgust", 4: "fear", 5: "happy", 6: "sadness", 7: "surprise"}


def load_ckplus(root, grouping=None, annotations=None, frames_dir="cohn-kanade-images", skip_bad_rows=False):
    root = Path(root)
    emo_dir = Path(annotations) if annotations else root / "Emotion"
    if not emo_dir.is_dir():
        raise FileNotFoundError(f"CK+ emotion folder not found: {emo_dir}")
    g = get_grouping("ckplus", grouping)
    samples = []
    for f in sorted(emo_dir.glob("*/*/*_emotion.txt")):
        subject, seq = f.parent.parent.name, f.parent.name
        try:
            text = f.read_text().strip()
            try:
                code = int(float(text))
            except ValueError:
                raise AnnotationError(f"{f} row 1: not an emotion code: {text!r}") from None
            if code not in CODES:
                raise AnnotationError(f"{f} row 1: unknown emotion code {code} (known: 1-7)")
            frames = sorted((root / frames_dir / subject / seq).glob("*.png"))
            if len(frames) < 2:
                raise AnnotationError(f"{f} row 1: fewer than 2 frames in {root / frames_dir / subject / seq}")
        except AnnotationError:
            if skip_bad_rows:
                continue
            raise
        emotion = CODES[code]
        label = g.label(emotion)
        if label is not None:
            samples.append(Sample("ckplus", subject, seq, emotion, label, frames[0], frames[-1], frames[0]))
    return samples
