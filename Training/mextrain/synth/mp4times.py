"""Per-frame presentation times in an MP4 written by FFmpeg: rewrites the sample durations.

FFmpeg 5.1 has no way to take per-frame timestamps with raw frames from a pipe, so a video with a
variable frame rate is encoded at a constant rate and its one video track's time-to-sample table
(stts) is then replaced by the wanted durations, with the track, media, movie and edit-list
durations to match. Only sample timing changes: the coded frames, their order and their offsets in
the file stay. It needs a track without B-frames (no composition offsets, so decode order is
presentation order: encode with -bf 0) and the movie box after the media data (no +faststart), so
that a longer time-to-sample table does not move the data that the chunk offsets point to.
"""
import struct

CONTAINERS = {b"moov", b"trak", b"mdia", b"minf", b"stbl", b"edts"}


def _spans(buf, off, end):
    """(type, start, payload start, end) of the boxes in buf[off:end]."""
    out = []
    while off < end:
        size, typ = struct.unpack_from(">I4s", buf, off)
        hdr = 8
        if size == 1:
            size = struct.unpack_from(">Q", buf, off + 8)[0]
            hdr = 16
        elif size == 0:
            size = end - off
        out.append((typ, off, off + hdr, off + size))
        off += size
    return out


def _parse(buf, off, end):
    """[[type, children list or payload bytes]] of the boxes in buf[off:end]."""
    return [[typ, _parse(buf, p, e) if typ in CONTAINERS else bytes(buf[p:e])]
            for typ, _, p, e in _spans(buf, off, end)]


def _serialize(boxes):
    parts = []
    for typ, body in boxes:
        data = _serialize(body) if isinstance(body, list) else body
        parts.append(struct.pack(">I4s", 8 + len(data), typ) + data)
    return b"".join(parts)


def _find(boxes, *path):
    """All boxes at the end of a type path, e.g. _find(moov, b"trak", b"mdia", b"mdhd")."""
    found = [b for b in boxes if b[0] == path[0]]
    if len(path) == 1:
        return found
    return [x for b in found for x in _find(b[1], *path[1:])]


def _set_duration(box, field_v0, field_v1, duration):
    """Writes `duration` into a full box whose duration sits at byte field_v0 (version 0, 32 bits)
    or field_v1 (version 1, 64 bits) of its payload."""
    body = bytearray(box[1])
    if body[0] == 1:
        struct.pack_into(">Q", body, field_v1, duration)
    else:
        struct.pack_into(">I", body, field_v0, duration)
    box[1] = bytes(body)


def _timescale(box, field_v0, field_v1):
    body = box[1]
    return struct.unpack_from(">I", body, field_v1 if body[0] == 1 else field_v0)[0]


def set_frame_durations(path, durations_s):
    """Give the video samples of `path` (one video track) the durations durations_s, in seconds, in
    order (the last one is how long the last frame is shown). Returns the presentation times in
    the track's ticks as written (the first frame at 0)."""
    with open(path, "rb") as f:
        buf = f.read()
    top = _spans(buf, 0, len(buf))
    types = [t for t, *_ in top]
    if types.count(b"moov") != 1 or types.index(b"moov") < types.index(b"mdat"):
        raise ValueError(f"{path}: need one moov after mdat (no +faststart)")
    _, m0, mp, m1 = top[types.index(b"moov")]
    moov = _parse(buf, mp, m1)
    traks = _find(moov, b"trak")
    if len(traks) != 1:
        raise ValueError(f"{path}: need exactly one track, found {len(traks)}")
    trak = traks[0][1]
    stbl = _find(trak, b"mdia", b"minf", b"stbl")[0][1]
    if _find(stbl, b"ctts"):
        raise ValueError(f"{path}: the track has composition offsets (B-frames); encode with -bf 0")
    stsz = _find(stbl, b"stsz")[0][1]
    n_samples = struct.unpack_from(">I", stsz, 8)[0]
    if n_samples != len(durations_s):
        raise ValueError(f"{path}: {n_samples} samples, {len(durations_s)} durations")
    mdhd = _find(trak, b"mdia", b"mdhd")[0]
    mvhd = _find(moov, b"mvhd")[0]
    ts = _timescale(mdhd, 12, 20)            # media ticks per second
    movie_ts = _timescale(mvhd, 12, 20)
    # Round the end times, not each duration, so that rounding does not add up.
    ends, t = [], 0.0
    for d in durations_s:
        t += d
        ends.append(int(round(t * ts)))
    ticks = [b - a for a, b in zip([0] + ends[:-1], ends)]
    if min(ticks) <= 0:
        raise ValueError("every frame needs a positive duration")
    runs = []
    for d in ticks:
        if runs and runs[-1][1] == d:
            runs[-1][0] += 1
        else:
            runs.append([1, d])
    stts = _find(stbl, b"stts")[0]
    stts[1] = struct.pack(">II", 0, len(runs)) + b"".join(struct.pack(">II", c, d) for c, d in runs)
    total = ends[-1]
    movie_total = int(round(total * movie_ts / ts))
    _set_duration(mdhd, 16, 24, total)
    _set_duration(mvhd, 16, 24, movie_total)
    _set_duration(_find(trak, b"tkhd")[0], 20, 28, movie_total)
    for elst in _find(trak, b"edts", b"elst"):
        body = bytearray(elst[1])
        count = struct.unpack_from(">I", body, 4)[0]
        if count != 1:
            raise ValueError(f"{path}: edit list with {count} entries")
        if body[0] == 1:
            struct.pack_into(">Q", body, 8, movie_total)
        else:
            struct.pack_into(">I", body, 8, movie_total)
        elst[1] = bytes(body)
    # Only the movie box changes; the media data before it stays where the chunk offsets say.
    with open(path, "wb") as f:
        f.write(buf[:m0] + _serialize([[b"moov", moov]]) + buf[m1:])
    return [0] + ends[:-1]
