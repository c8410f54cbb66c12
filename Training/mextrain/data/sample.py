"""The sample type every loader yields, and spreadsheet reading shared by the loaders."""
import csv
import os
from dataclasses import dataclass
from pathlib import Path


class AnnotationError(ValueError):
    """A row of an annotation file cannot be used; the message names the file and the row."""


@dataclass(frozen=True)
class Sample:
    dataset: str
    subject: str          # LOSO unit, e.g. "sub01", "006", "spNO.1", "S005"
    clip: str             # unique within the subject, e.g. "EP02_01f"
    emotion: str          # the data set's own label, lower case
    label: int            # class index in the chosen grouping
    onset: Path
    apex: Path
    offset: Path

    @property
    def key(self):
        return f"{self.dataset}/{self.subject}/{self.clip}"


def read_table(path, required):
    """Rows of an .xlsx/.csv as dicts keyed by header, with their 1-based sheet row numbers.

    The header is the first row holding every `required` column (SAMM's sheet has a preamble).
    Header names are compared case- and space-insensitively.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"annotation file not found: {path}")
    if path.suffix.lower() == ".csv":
        with open(path, newline="", encoding="utf-8-sig") as f:
            rows = list(csv.reader(f))
    else:
        import openpyxl
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        rows = [list(r) for r in wb.worksheets[0].iter_rows(values_only=True)]
        wb.close()
    norm = lambda v: "" if v is None else " ".join(str(v).split()).lower()
    want = [norm(r) for r in required]
    for i, row in enumerate(rows):
        header = [norm(v) for v in row]
        if all(w in header for w in want):
            break
    else:
        raise AnnotationError(f"{path}: no header row with columns {required}")
    out = []
    for j, row in enumerate(rows[i + 1:], start=i + 2):
        if all(v is None or str(v).strip() == "" for v in row):
            continue
        out.append((j, {h: v for h, v in zip(header, row) if h}))
    return out


def frame_number(value, path, row, column):
    """A frame index from a sheet cell; CASME II has cells like '/' or empty, which are errors."""
    try:
        f = float(str(value).strip())
        if f != int(f) or f < 0:
            raise ValueError
        return int(f)
    except (TypeError, ValueError):
        raise AnnotationError(f"{path} row {row}: column {column!r} is not a frame number: {value!r}") from None


def find_frame(folder, number, patterns, path, row):
    """The first existing file among patterns.format(n=number) in folder, else an error naming the row."""
    for p in patterns:
        f = Path(folder) / p.format(n=number)
        if f.exists():
            return f
    raise AnnotationError(f"{path} row {row}: frame {number} not found in {folder} "
                          f"(tried {', '.join(p.format(n=number) for p in patterns)})")


def build(dataset, rows, grouping, path, make, skip_bad_rows=False):
    """Shared loop: map each row through `make(row_no, row)` -> (subject, clip, emotion, folder,
    frames(onset, apex, offset), patterns); keep rows whose emotion is in the grouping."""
    samples, skipped = [], []
    for row_no, row in rows:
        try:
            subject, clip, emotion, folder, frames, patterns = make(row_no, row)
            emotion = emotion.strip().lower()
            if emotion not in grouping.known:
                raise AnnotationError(f"{path} row {row_no}: unknown emotion {emotion!r} for {dataset} "
                                      f"(known: {', '.join(sorted(grouping.known))})")
            label = grouping.label(emotion)
            if label is None:
                continue              # a known emotion this grouping leaves out (e.g. fear in casme2-5)
            onset, apex, offset = (find_frame(folder, n, patterns, path, row_no) for n in frames)
        except AnnotationError as e:
            if not skip_bad_rows:
                raise
            skipped.append(str(e))
            continue
        samples.append(Sample(dataset, subject, clip, emotion, label, onset, apex, offset))
    if skipped:
        import warnings
        warnings.warn(f"{len(skipped)} rows skipped:\n" + "\n".join(skipped))
    return samples
