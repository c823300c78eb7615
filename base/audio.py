"""What a voice recording really is, read from its bytes: never from its name or from the
content type the browser sent.

Phones record in one of three containers: WebM with Opus (Chrome, Android's WebView),
MP4 with AAC (Safari on iPhone) and Ogg with Opus (Firefox). `sniff()` recognises each by
its magic number, walks the container far enough to find an audio track and no video track,
and reads the duration the container holds (declared, or from its last timestamps), so that
a recording longer than allowed is refused even if its size is small.
"""

import struct
from dataclasses import dataclass


class AudioError(ValueError):
    """Not a recording we accept; the message is for the log, the caller shows its own."""


@dataclass(frozen=True)
class Audio:
    content_type: str  # what the bytes are, for the Content-Type we serve them with
    seconds: float
    extension: str


def sniff(data: bytes) -> Audio:
    """The container, its duration in seconds, or AudioError."""
    if data[:4] == b"\x1a\x45\xdf\xa3":
        return _webm(data)
    if data[4:8] == b"ftyp":
        return _mp4(data)
    if data[:4] == b"OggS":
        return _ogg(data)
    raise AudioError("not a WebM, MP4 or Ogg recording")


# --- WebM (Matroska's EBML) -----------------------------------------------------------------

EBML, DOCTYPE = 0x1A45DFA3, 0x4282
SEGMENT, INFO, TIMECODE_SCALE, DURATION = 0x18538067, 0x1549A966, 0x2AD7B1, 0x4489
TRACKS, TRACK_ENTRY, TRACK_TYPE, CODEC_ID = 0x1654AE6B, 0xAE, 0x83, 0x86
CLUSTER, CLUSTER_TIMECODE, SIMPLE_BLOCK, BLOCK_GROUP, BLOCK = (
    0x1F43B675,
    0xE7,
    0xA3,
    0xA0,
    0xA1,
)
# Masters are entered (their children read in line), so that the unknown sizes a live
# recorder writes for the segment and its clusters need no bookkeeping.
MASTERS = {EBML, SEGMENT, INFO, TRACKS, TRACK_ENTRY, CLUSTER, BLOCK_GROUP}
UNKNOWN = object()


def _vint(data: bytes, pos: int, *, keep_marker: bool) -> tuple[int | object, int]:
    if pos >= len(data):
        raise AudioError("truncated")
    first = data[pos]
    length = 8 - first.bit_length() + 1
    if length > 8 or pos + length > len(data):
        raise AudioError("bad variable-length integer")
    value = int.from_bytes(data[pos : pos + length], "big")
    if not keep_marker:
        value &= (1 << (7 * length)) - 1
        if value == (1 << (7 * length)) - 1:
            return UNKNOWN, pos + length
    return value, pos + length


def _webm(data: bytes) -> Audio:
    pos, doctype, scale, declared = 0, None, 1_000_000, 0.0
    audio = video = False
    cluster, last = 0, 0
    while pos < len(data):
        element, pos = _vint(data, pos, keep_marker=True)
        size, pos = _vint(data, pos, keep_marker=False)
        if element in MASTERS:
            continue
        if size is UNKNOWN:
            raise AudioError("unknown size on a plain element")
        body = data[pos : pos + size]
        pos += size
        if len(body) < size:
            break  # a recording cut short at its end still plays up to there
        if element == DOCTYPE:
            doctype = body.rstrip(b"\x00")
        elif element == TIMECODE_SCALE:
            scale = int.from_bytes(body, "big") or scale
        elif element == DURATION and size in (4, 8):
            declared = struct.unpack(">f" if size == 4 else ">d", body)[0]
        elif element == TRACK_TYPE:
            kind = int.from_bytes(body, "big")
            audio, video = audio or kind == 2, video or kind == 1
        elif element == CODEC_ID:
            audio, video = audio or body.startswith(b"A_"), video or body.startswith(b"V_")
        elif element == CLUSTER_TIMECODE:
            cluster = int.from_bytes(body, "big")
        elif element in (SIMPLE_BLOCK, BLOCK) and size >= 4:
            _track, at = _vint(body, 0, keep_marker=False)
            last = max(last, cluster + struct.unpack(">h", body[at : at + 2])[0])
    if doctype not in (b"webm", b"matroska"):
        raise AudioError("EBML but not WebM")
    if not audio or video:
        raise AudioError("no audio track, or a video track")
    seconds = max(declared, last) * scale / 1e9
    return Audio("audio/webm", seconds, "webm")


# --- MP4 (ISO base media file format) ------------------------------------------------------

MP4_CONTAINERS = {b"moov", b"trak", b"mdia", b"minf", b"stbl", b"mvex", b"moof", b"traf"}


def _boxes(data: bytes, start: int, end: int):
    pos = start
    while pos + 8 <= end:
        size, kind = struct.unpack(">I4s", data[pos : pos + 8])
        header = 8
        if size == 1:
            if pos + 16 > end:
                raise AudioError("truncated box")
            size, header = struct.unpack(">Q", data[pos + 8 : pos + 16])[0], 16
        elif size == 0:
            size = end - pos
        if size < header:
            raise AudioError("bad box size")
        yield kind, pos + header, min(pos + size, end)
        pos += size


def _mp4(data: bytes) -> Audio:
    found = {"soun": False, "vide": False}
    timing = {"timescale": 0, "duration": 0, "fragment": 0, "trex": 0, "samples": 0}
    track_scale = {"scale": 0, "media": 0}

    def walk(start: int, end: int) -> None:
        default = timing["trex"]
        for kind, body, stop in _boxes(data, start, end):
            box = data[body:stop]
            if kind in MP4_CONTAINERS:
                walk(body, stop)
            elif kind == b"hdlr" and len(box) >= 12:
                handler = box[8:12].decode("latin-1")
                if handler in found:
                    found[handler] = True
            elif kind == b"mvhd" and len(box) >= 20:
                if box[0] == 1 and len(box) >= 32:
                    timing["timescale"], timing["duration"] = struct.unpack(">IQ", box[20:32])
                else:
                    timing["timescale"], timing["duration"] = struct.unpack(">II", box[12:20])
            elif kind == b"mdhd" and len(box) >= 20:
                if box[0] == 1 and len(box) >= 32:
                    track_scale["scale"], track_scale["media"] = struct.unpack(">IQ", box[20:32])
                else:
                    track_scale["scale"], track_scale["media"] = struct.unpack(">II", box[12:20])
            elif kind == b"mehd" and len(box) >= 8:
                timing["fragment"] = struct.unpack(
                    ">Q" if box[0] == 1 else ">I", box[4 : 12 if box[0] == 1 else 8]
                )[0]
            elif kind == b"trex" and len(box) >= 20:
                timing["trex"] = struct.unpack(">I", box[12:16])[0]
            elif kind == b"tfhd" and len(box) >= 8:
                flags = int.from_bytes(box[1:4], "big")
                at = 8 + (8 if flags & 0x01 else 0) + (4 if flags & 0x02 else 0)
                if flags & 0x08 and len(box) >= at + 4:
                    default = struct.unpack(">I", box[at : at + 4])[0]
            elif kind == b"trun" and len(box) >= 8:
                timing["samples"] += _trun_duration(box, default)

    walk(0, len(data))
    if not found["soun"] or found["vide"]:
        raise AudioError("no sound track, or a video track")
    if timing["duration"] and timing["timescale"]:
        seconds = timing["duration"] / timing["timescale"]
    elif timing["fragment"] and timing["timescale"]:
        seconds = timing["fragment"] / timing["timescale"]
    elif track_scale["media"] and track_scale["scale"]:
        seconds = track_scale["media"] / track_scale["scale"]
    else:
        seconds = timing["samples"] / (track_scale["scale"] or timing["timescale"] or 1)
    return Audio("audio/mp4", seconds, "m4a")


def _trun_duration(box: bytes, default: int) -> int:
    flags = int.from_bytes(box[1:4], "big")
    count = struct.unpack(">I", box[4:8])[0]
    at = 8 + (4 if flags & 0x01 else 0) + (4 if flags & 0x04 else 0)
    per_sample = sum(4 for bit in (0x100, 0x200, 0x400, 0x800) if flags & bit)
    if not flags & 0x100:
        return default * count
    total = 0
    for _ in range(min(count, 1_000_000)):
        if at + 4 > len(box):
            break
        total += struct.unpack(">I", box[at : at + 4])[0]
        at += per_sample
    return total


# --- Ogg (Opus) -----------------------------------------------------------------------------


def _ogg(data: bytes) -> Audio:
    if b"OpusHead" not in data[:512]:
        raise AudioError("Ogg without Opus")
    last = data.rfind(b"OggS")
    if last < 0 or last + 14 > len(data):
        raise AudioError("truncated Ogg")
    granule = struct.unpack("<q", data[last + 6 : last + 14])[0]
    head = data.find(b"OpusHead")
    pre_skip = struct.unpack("<H", data[head + 10 : head + 12])[0] if head >= 0 else 0
    return Audio("audio/ogg", max(granule - pre_skip, 0) / 48000, "ogg")
