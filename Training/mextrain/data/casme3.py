"""CAS(ME)3 part A (Li et al. 2022): 100 subjects, 30 fps, RGB-D; the colour frames are used.

Layout:
  ROOT/CAS(ME)3_part_A_ME_label_JpgIndex_v2.xlsx   (or any .xlsx/.csv with the same columns,
                                                     e.g. HTNet's cas(me)3_part_A_edited.csv)
  ROOT/part_A/spNO.1/a/color/123.jpg ...
Sheet columns used: Subject (spNO.<n>), Filename, Onset, Apex, Offset, emotion.
"""
from pathlib import Path

from .groupings import get_grouping
from .sample import build, frame_number, read_table

SHEETS = ["CAS(ME)3_part_A_ME_label_JpgIndex_v2.xlsx", "cas(me)3_part_A_edited.csv"]
COLUMNS = ["Subject", "Filename", "Onset", "Apex", "Offset", "emotion"]


def load_casme3(root, grouping=None, annotations=None, frames_dir="part_A", skip_bad_rows=False):
    root = Path(root)
    path = Path(annotations) if annotations else next(
        (root / s for s in SHEETS if (root / s).exists()), root / SHEETS[0])
    g = get_grouping("casme3", grouping)

    def make(row_no, r):
        subject = str(r["subject"]).strip()
        clip = str(r["filename"]).strip()
        frames = [frame_number(r[c.lower()], path, row_no, c) for c in COLUMNS[2:5]]
        return (subject, clip, str(r["emotion"] or ""), root / frames_dir / subject / clip / "color",
                frames, ["{n}.jpg"])

    return build("casme3", read_table(path, COLUMNS), g, path, make, skip_bad_rows)
