"""Summarise `mexd-bench event-step --out` (one JSON line per event, one object per setting).

Prints, per setting: label agreement with the baseline (the first setting) over all events and
over those whose head moved (the registration warped the apex or offset), the largest difference
of any class score from the baseline's, per-event CPU p50/p95/max and p50 over the baseline's; and,
for events of generated videos (spotted, or given by --annotations) that overlap an annotated expression (IoU >= 0.5, in the
annotations.csv beside the set's videos/ folder), how often each setting gives the annotated class.

usage: python3 bench/event-step/summarise.py EVENTS.jsonl
Plain python3: no third-party module.
"""
import csv
import json
import math
import os
import sys


def percentile(values, q):
    """The nearest-rank percentile, as mexd-bench prints it."""
    s = sorted(values)
    return s[min(len(s) - 1, math.ceil(q * len(s)) - 1)]


def median(values):
    s = sorted(values)
    n = len(s)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


def iou(a, b):
    inter = min(a[1], b[1]) - max(a[0], b[0]) + 1
    return 0.0 if inter <= 0 else inter / ((a[1] - a[0] + 1) + (b[1] - b[0] + 1) - inter)


def truth_of(video_path, cache={}):
    """[(onset, offset, label)] of a generated video, from SET/annotations.csv beside SET/videos/;
    [] when there is none (a real clip)."""
    folder = os.path.dirname(os.path.dirname(video_path))
    if folder not in cache:
        cache[folder] = {}
        path = os.path.join(folder, "annotations.csv")
        if os.path.exists(path):
            with open(path) as f:
                for row in csv.DictReader(f):
                    if "label" in row:
                        cache[folder].setdefault(row["video"], []).append(
                            (int(row["onset"]), int(row["offset"]), row["label"]))
    return cache[folder].get(os.path.basename(video_path), [])


def main(path):
    rows = [json.loads(line) for line in open(path) if line.strip()]
    names = [k for k, v in rows[0].items() if isinstance(v, dict)]
    base = names[0]
    moving = [r for r in rows if r["head_motion"] > 0]
    print(f"{len(rows)} events ({sum(r['source'].startswith('spotted') for r in rows)} spotted, "
          f"{sum(r['source'].startswith('annotated') for r in rows)} annotated intervals), "
          f"{len(moving)} with head motion; baseline: {base}")
    print(f"{'setting':<12} {'same label':>16} {'head motion':>13} {'max |dp|':>9} "
          f"{'CPU s p50':>10} {'p95':>6} {'max':>6} {'p50/base':>9}")
    base_p50 = median([r[base]["cpu"] for r in rows])
    for n in names:
        same = sum(r[n]["label"] == r[base]["label"] for r in rows)
        same_moving = sum(r[n]["label"] == r[base]["label"] for r in moving)
        dp = max(abs(a - b) for r in rows for a, b in zip(r[n]["p"], r[base]["p"]))
        cpu = [r[n]["cpu"] for r in rows]
        print(f"{n:<12} {same:>4}/{len(rows)} {100 * same / len(rows):5.1f}% {same_moving:>6}/{len(moving):<6}"
              f" {dp:9.3f} {median(cpu):10.3f} {percentile(cpu, 0.95):6.3f} {max(cpu):6.3f} {median(cpu) / base_p50:8.2f}x")
    print("same label, every pair of settings (events; largest class-score difference):")
    for a in names:
        cells = []
        for b in names:
            same = sum(r[a]["label"] == r[b]["label"] for r in rows)
            dp = max(abs(x - y) for r in rows for x, y in zip(r[a]["p"], r[b]["p"]))
            cells.append(f"{same:>3} ({dp:.3f})")
        print(f"  {a:<12} " + "  ".join(cells))
    print(f"  {'':<12} " + "  ".join(f"{n:>11}" for n in names))
    print("by source (same label as the baseline; CPU s p50/p95/max):")
    for source in ("spotted", "annotated"):
        part = [r for r in rows if r["source"].startswith(source)]
        if not part:
            continue
        cells = []
        for n in names:
            cpu = [r[n]["cpu"] for r in part]
            same = sum(r[n]["label"] == r[base]["label"] for r in part)
            cells.append(f"{n} {same}/{len(part)} {median(cpu):.3f}/{percentile(cpu, 0.95):.3f}/{max(cpu):.3f}")
        print(f"  {source:<10} " + "; ".join(cells))
    matched = []
    for r in rows:
        best = max(truth_of(r["path"]), key=lambda t: iou((r["onset"], r["offset"]), t[:2]), default=None)
        if best and iou((r["onset"], r["offset"]), best[:2]) >= 0.5:
            matched.append((r, best[2]))
    if matched:
        print(f"annotated class given, on the {len(matched)} events of the generated sets that match an "
              f"expression (IoU >= 0.5); with head motion: {sum(r['head_motion'] > 0 for r, _ in matched)}")
        for n in names:
            right = sum(r[n]["label"] == label for r, label in matched)
            right_moving = sum(r[n]["label"] == label for r, label in matched if r["head_motion"] > 0)
            print(f"  {n:<12} {right:>3}/{len(matched)}   head motion {right_moving}/"
                  f"{sum(r['head_motion'] > 0 for r, _ in matched)}")


if __name__ == "__main__":
    main(sys.argv[1])
