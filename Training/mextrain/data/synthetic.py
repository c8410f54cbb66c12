"""Synthetic clips written by `python -m mextrain.synth OUTDIR --clips` (mextrain/synth).

Layout (see the synth module docstring):
  ROOT/clips.csv    subject,clip,video,onset,apex,offset,type,au,label,onset_image,apex_image,offset_image
  ROOT/clips/<subject>/<video stem>_eNN/{onset,apex,offset}.jpg   (paths in the CSV are relative to ROOT)

The generator's labels are already the paper's 3-class composite (positive AU6/12, negative AU4/9/10,
surprise AU1+2/26), so the one grouping here, `synthetic-3`, maps each label to itself, in the class
order of casme2-3/samm-3/casme3-3 and the parity fixtures: negative, positive, surprise.

Every problem (missing file or column, an unknown label, a non-numeric or out-of-order frame, a
missing image, a duplicate clip) raises AnnotationError naming the file and the 1-based CSV row.
"""
import csv
from pathlib import Path

from .groupings import Grouping
from .sample import AnnotationError, Sample, frame_number

DATASET = "synthetic"
CLASSES = ("negative", "positive", "surprise")
GROUPING = Grouping("synthetic-3", DATASET, CLASSES, {c: (c,) for c in CLASSES}, frozenset(CLASSES))
COLUMNS = ["subject", "clip", "video", "onset", "apex", "offset", "type", "au", "label",
           "onset_image", "apex_image", "offset_image"]
REQUIRED = ["subject", "clip", "onset", "apex", "offset", "label", "onset_image", "apex_image",
            "offset_image"]


def _grouping(grouping):
    if grouping is None or grouping == GROUPING.name:
        return GROUPING
    if isinstance(grouping, Grouping):
        return grouping
    raise ValueError(f"unknown grouping {grouping!r} for synthetic clips; known: {GROUPING.name}")


def load_synthetic(root, grouping=None, annotations=None, skip_bad_rows=False, clip_prefix=""):
    """Samples of ROOT/clips.csv (or `annotations`), one per expression.

    `clip_prefix` is prepended to every clip name, so that several generator runs (different seeds,
    same file names) can be pooled without two samples sharing a key or a cache file.
    The subject is the generator's subject (the base photo): the LOSO unit.
    """
    root = Path(root)
    path = Path(annotations) if annotations else root / "clips.csv"
    if not path.exists():
        raise FileNotFoundError(f"annotation file not found: {path} (run `python -m mextrain.synth "
                                f"OUTDIR --clips`)")
    g = _grouping(grouping)
    with open(path, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    if not rows:
        raise AnnotationError(f"{path}: empty file, expected the header {','.join(COLUMNS)}")
    header = [h.strip().lower() for h in rows[0]]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise AnnotationError(f"{path} row 1: header lacks column(s) {', '.join(missing)} "
                              f"(expected {','.join(COLUMNS)})")

    samples, skipped, seen = [], [], {}
    for row_no, values in enumerate(rows[1:], start=2):
        if all(not v.strip() for v in values):
            continue
        try:
            if len(values) != len(header):
                raise AnnotationError(f"{path} row {row_no}: {len(values)} cells, the header has "
                                      f"{len(header)}")
            r = {h: v.strip() for h, v in zip(header, values)}
            subject, clip = r["subject"], r["clip"]
            if not subject or not clip:
                raise AnnotationError(f"{path} row {row_no}: empty subject or clip")
            label_name = r["label"].lower()
            if label_name not in g.known:
                raise AnnotationError(f"{path} row {row_no}: unknown label {r['label']!r} "
                                      f"(known: {', '.join(sorted(g.known))})")
            frames = [frame_number(r[c], path, row_no, c) for c in ("onset", "apex", "offset")]
            if not frames[0] <= frames[1] <= frames[2] or frames[0] == frames[2]:
                raise AnnotationError(f"{path} row {row_no}: frames not in order onset <= apex <= offset "
                                      f"(onset < offset): {frames}")
            images = []
            for c in ("onset_image", "apex_image", "offset_image"):
                if not r[c]:
                    raise AnnotationError(f"{path} row {row_no}: column {c!r} is empty")
                p = root / r[c]
                if not p.is_file():
                    raise AnnotationError(f"{path} row {row_no}: {c} {p} not found")
                images.append(p)
            key = (subject, clip)
            if key in seen:
                raise AnnotationError(f"{path} row {row_no}: clip {clip!r} of subject {subject!r} "
                                      f"already on row {seen[key]}")
            seen[key] = row_no
            label = g.label(label_name)
            if label is None:
                continue
        except AnnotationError as e:
            if not skip_bad_rows:
                raise
            skipped.append(str(e))
            continue
        samples.append(Sample(DATASET, subject, clip_prefix + clip, label_name, label, *images))
    if skipped:
        import warnings
        warnings.warn(f"{len(skipped)} rows skipped:\n" + "\n".join(skipped))
    return samples
