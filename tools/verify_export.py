#!/usr/bin/env python3
"""Independent verifier for Kordon export files (`kordon export`).

Built from docs/signed-records.md (section 5) and docs/transparency-log.md;
it shares no code with the Rust crates and uses only the Python standard
library. Ed25519 follows the RFC 8032 section 6 reference code, with the
strict checks of signed-records.md section 1.2 (S < L, canonical point
encodings, no small-order key or R). It is slow (pure Python), which is
fine for the few records of an export.

Usage:

    python3 tools/verify_export.py --server-key HEX [--evidence] EXPORT.json

--server-key HEX  the server's public key (64 hex digits, as printed by
                  `kordon-server init` or `kordon-server log checkpoint`),
                  pinned from outside the file. Without it the file is
                  refused: a file that names its own key proves nothing.
--evidence        evidence mode: what is otherwise a warning (a record not
                  acknowledged by the server, no record-set statement,
                  records made after the statement, a kordon-export/1 file)
                  refuses the file.

Output: one line per problem, starting "problem: "; one per warning,
starting "warning: "; a line per verified record; a summary.
Exit status: 0 verified; 1 refused (at least one problem); 2 usage error or
the file cannot be read.

What is checked, for format kordon-export/2 (signed-records.md 5.2):

1. The server key is pinned, and the file's "server_key" equals it.
2. Strict JSON: no key twice in any object at any depth, no NaN/Infinity;
   exact key sets at the top level, in each record and each "log" object;
   integers are integers in the i64 range; lower-case hex, lower-case
   hyphenated UUID, canonical base64; no record id twice.
3. Every checkpoint (transparency-log.md 4) and every register entry in
   "devices" (signed-records.md 5.3) parses strictly and is signed by the
   pinned key; checkpoints ascend by size, register entries by device key.
4. Each record: base64, layout and limits, digest = "id", doc_id =
   "inspection", the JSON copies of signer/officer/created_ms, the strict
   signature, the Automerge change header (its actor is the signer); the
   signer is the pinned key or a device of the register; the receipt, if
   any, under the pinned key; the "log" proof, if any: a record leaf (kind
   01 or 03) naming the record, a checkpoint of that size in the file, and
   the inclusion path (RFC 9162 2.1.3.2) leading to its head. A record
   with neither a valid receipt nor a valid proof is "not acknowledged".
   Every Automerge dependency of every change must be in the file.
5. Completeness: the record-set statement, if any, is signed by the pinned
   key, names this inspection, its log size is a checkpoint's size in the
   file, its heads and everything they depend on are changes of the file,
   and they number exactly its count. Records not reached from the heads
   were made after the statement.
6. The view: Python cannot replay Automerge (`kordon verify` does), so only
   its form is checked against VIEW_STRUCTS below: no unknown key, no
   missing key, values of the right JSON type.

For kordon-export/1 (signed-records.md 5.4): steps 1, 2, 4 (without the
register and the log, which such files do not have) and 6; the file cannot
show completeness or who the signers are, which is a warning, and with
--evidence a problem.
"""

import argparse
import base64
import hashlib
import json
import sys
import unicodedata
import zlib

# --------------------------------------------------------------------------
# The view's form (signed-records.md 5.5)
# --------------------------------------------------------------------------
#
# Mirrors what serde writes for kordon_model::InspectionView
# (crates/kordon-model/src/types.rs) and the types inside it: Location,
# Decision, Review (types.rs); Plate (plate.rs); ContainerCode (container.rs,
# written as a string); Scan, ScanImage (scan.rs); Annotation and the
# internally tagged Shape (annotation.rs); AnprRead, ReadImage,
# ReadCorrection (anpr.rs); Removal, Priority (hotlist.rs); Alert with
# NewAlert flattened into it, AlertResponse (alert.rs).
#
# A field type is: "str", "i64", "u64", "u32", "u8", "f64", "uuid", "pair"
# (a tuple (f64, f64), written as a 2-element array), the name of a struct,
# enum or tagged enum below; "?T" is Option<T> (written as null when None),
# "[T]" is Vec<T>.
# A key starting with "~" may be absent (skip_serializing_if); one starting
# with "+" is always written today but has #[serde(default)], so views in
# kordon-export/1 files written before it existed may lack it.

VIEW_STRUCTS = {
    "InspectionView": {
        "id": "uuid", "created_ms": "i64", "created_by": "str", "unit": "str",
        "crew": "[str]", "location": "Location", "tractor_plate": "?Plate",
        "trailer_plate": "?Plate", "containers": "[str]", "declaration": "?str",
        "notes": "str", "decisions": "[Decision]", "reviews": "[Review]",
        "+scans": "[Scan]", "+annotations": "[Annotation]",
        "~reads": "[AnprRead]", "~alerts": "[Alert]", "~problems": "[str]",
    },
    "Location": {"place": "?str", "lat": "?f64", "lon": "?f64"},
    "Plate": {"raw": "str", "canonical": "str", "key": "str"},
    "Decision": {
        "outcome": "Outcome", "reasons": "[str]", "note": "str",
        "officer": "str", "at_ms": "i64",
    },
    "Review": {
        "verdict": "Verdict", "comment": "str", "supervisor": "str", "at_ms": "i64",
        "+outcome": "?Outcome", "+reasons": "[str]", "+decisions_seen": "?u32",
    },
    "Scan": {
        "id": "str", "images": "[ScanImage]", "name": "?str", "scanner": "?str",
        "captured_ms": "?i64", "pixel_mm": "?f64", "added_ms": "i64", "added_by": "str",
    },
    "ScanImage": {
        "blob": "str", "size": "u64", "width": "u32", "height": "u32", "bits": "u8",
        "channels": "u8", "format": "str", "energy": "Energy",
    },
    "Annotation": {
        "id": "str", "scan": "str", "kind": "AnnotationKind", "shape": "Shape",
        "label": "str", "added_ms": "i64", "added_by": "str",
    },
    "AnprRead": {
        "id": "str", "received_ms": "i64", "captured_ms": "?i64", "vendor": "str",
        "camera": "?str", "lane": "?str", "role": "?PlateRole", "text": "?str",
        "plate": "?Plate", "confidence": "?f64", "char_confidence": "[u8]",
        "country": "?str", "direction": "?str", "images": "[ReadImage]",
        "added_by": "str", "~correction": "ReadCorrection", "~detached": "Removal",
    },
    "ReadImage": {"kind": "ReadImageKind", "blob": "str", "size": "u64", "content_type": "str"},
    "ReadCorrection": {"text": "str", "plate": "Plate", "by": "str", "at_ms": "i64"},
    "Removal": {"by": "str", "at_ms": "i64"},
    "Alert": {
        "id": "str", "at_ms": "i64", "raised_by": "str",
        # NewAlert, #[serde(flatten)]:
        "source": "AlertSource", "read_id": "?str", "role": "?PlateRole", "seen": "str",
        "list_id": "str", "list": "str", "entry_id": "str", "entry_value": "str",
        "reason": "str", "priority": "Priority", "tier": "MatchTier",
        "response": "?AlertResponse",
    },
    "AlertResponse": {"response": "AlertResponseKind", "note": "str", "officer": "str", "at_ms": "i64"},
}

# Internally tagged enums (#[serde(tag = ...)]): tag key, then the fields of
# each variant.
VIEW_TAGGED = {
    "Shape": ("type", {
        "rect": {"x": "f64", "y": "f64", "w": "f64", "h": "f64"},
        "free": {"points": "[pair]"},
    }),
}

# Unit enums, #[serde(rename_all = "snake_case")].
VIEW_ENUMS = {
    "Outcome": {"release", "physical_inspection", "detain", "refer"},
    "Verdict": {"agree", "overrule", "return"},
    "Energy": {"single", "high", "low"},
    "AnnotationKind": {"void", "double_wall", "density_anomaly", "undeclared_goods", "other"},
    "PlateRole": {"tractor", "trailer"},
    "ReadImageKind": {"plate", "scene"},
    "AlertSource": {"read", "typed"},
    "MatchTier": {"exact", "ocr_equivalent", "one_edit", "profile"},
    "Priority": {"high", "medium", "low"},
    "AlertResponseKind": {"confirmed", "false_match", "action_taken"},
}

# --------------------------------------------------------------------------
# Ed25519 (RFC 8032, section 6 reference code, with strict checks)
# --------------------------------------------------------------------------

P = 2**255 - 19
L = 2**252 + 27742317777372353535851937790883648493  # group order


def _inv(x):
    return pow(x, P - 2, P)


D = -121665 * _inv(121666) % P
SQRT_M1 = pow(2, (P - 1) // 4, P)
IDENTITY = (0, 1, 1, 0)  # extended coordinates (X, Y, Z, T)


def _add(p1, p2):
    a = (p1[1] - p1[0]) * (p2[1] - p2[0]) % P
    b = (p1[1] + p1[0]) * (p2[1] + p2[0]) % P
    c = 2 * p1[3] * p2[3] * D % P
    d = 2 * p1[2] * p2[2] % P
    e, f, g, h = b - a, d - c, d + c, b + a
    return (e * f % P, g * h % P, f * g % P, e * h % P)


def _mul(s, pt):
    q = IDENTITY
    while s > 0:
        if s & 1:
            q = _add(q, pt)
        pt = _add(pt, pt)
        s >>= 1
    return q


def _equal(p1, p2):
    return (p1[0] * p2[2] - p2[0] * p1[2]) % P == 0 and (p1[1] * p2[2] - p2[1] * p1[2]) % P == 0


def _recover_x(y, sign):
    if y >= P:
        return None  # non-canonical encoding
    x2 = (y * y - 1) * _inv(D * y * y + 1) % P
    if x2 == 0:
        if sign:
            return None  # "negative zero": non-canonical
        return 0
    x = pow(x2, (P + 3) // 8, P)
    if (x * x - x2) % P != 0:
        x = x * SQRT_M1 % P
    if (x * x - x2) % P != 0:
        return None  # not on the curve
    if (x & 1) != sign:
        x = P - x
    return x


def _decode_point(s):
    """Strict RFC 8032 5.1.3 decoding; None if invalid or non-canonical."""
    if len(s) != 32:
        return None
    y = int.from_bytes(s, "little")
    sign = y >> 255
    y &= (1 << 255) - 1
    x = _recover_x(y, sign)
    if x is None:
        return None
    return (x, y, 1, x * y % P)


def _small_order(pt):
    return _equal(_mul(8, pt), IDENTITY)


_GY = 4 * _inv(5) % P
BASE = (_recover_x(_GY, 0), _GY, 1, _recover_x(_GY, 0) * _GY % P)


def check_public_key(pub):
    """None if `pub` is an acceptable key, else the reason."""
    a = _decode_point(pub)
    if a is None:
        return "not a valid (canonically encoded) Ed25519 point"
    if _small_order(a):
        return "a small-order (weak) Ed25519 point"
    return None


def ed25519_verify_strict(pub, msg, sig):
    """None if `sig` is a valid strict Ed25519 signature of `msg` by `pub`,
    else the reason."""
    problem = check_public_key(pub)
    if problem:
        return "key " + pub.hex() + " is " + problem
    if len(sig) != 64:
        return "signature is not 64 bytes"
    a = _decode_point(pub)
    s = int.from_bytes(sig[32:], "little")
    if s >= L:
        return "signature scalar S is not reduced (S >= L)"
    r = _decode_point(sig[:32])
    if r is None:
        return "signature point R is not a valid canonical point"
    if _small_order(r):
        return "signature point R has small order"
    k = int.from_bytes(hashlib.sha512(sig[:32] + pub + msg).digest(), "little") % L
    if not _equal(_mul(s, BASE), _add(r, _mul(k, a))):
        return "signature does not match (altered bytes or wrong key)"
    return None


# --------------------------------------------------------------------------
# Binary formats: record, receipt, Automerge change header
# --------------------------------------------------------------------------

RECORD_MAGIC = b"KREC"
RECORD_TAG = b"kordon/signed-record/v1"
RECEIPT_MAGIC = b"KRCP"
RECEIPT_TAG = b"kordon/receipt/v1"
RECEIPT_LEN = 149
MAX_OFFICER = 256
MAX_PAYLOAD = 4 * 1024 * 1024
MAX_INFLATED = 64 * 1024 * 1024  # a compressed change larger than this is refused
I64_MIN, I64_MAX = -(2**63), 2**63 - 1
U64_MAX = 2**64 - 1


class Bad(Exception):
    """A check failed; the message says which and why."""


def domain_digest(tag, body):
    """SHA-256(len(tag) || tag || body): what every signature covers."""
    return hashlib.sha256(bytes([len(tag)]) + tag + body).digest()


class Cursor:
    def __init__(self, buf):
        self.buf = buf
        self.pos = 0

    def take(self, n, what):
        if len(self.buf) - self.pos < n:
            raise Bad("truncated: " + what)
        out = self.buf[self.pos:self.pos + n]
        self.pos += n
        return out

    def uint(self, n, what):
        return int.from_bytes(self.take(n, what), "big")

    def int64(self, what):
        return int.from_bytes(self.take(8, what), "big", signed=True)

    def remaining(self):
        return len(self.buf) - self.pos


def parse_record(b):
    """A signed record (signed-records.md 2.3), with its id (2.2)."""
    c = Cursor(b)
    if c.take(4, "magic") != RECORD_MAGIC:
        raise Bad("not a record (bad magic)")
    version = c.uint(1, "version")
    if version != 1:
        raise Bad("unsupported record version %d" % version)
    kind = c.uint(1, "kind")
    if kind != 1:
        raise Bad("unknown record kind %d" % kind)
    rec = {"doc_id": c.take(16, "document id"), "signer": c.take(32, "signer")}
    rec["created_ms"] = c.int64("created_ms")
    officer_len = c.uint(2, "officer length")
    if officer_len > MAX_OFFICER:
        raise Bad("officer is %d bytes (at most %d)" % (officer_len, MAX_OFFICER))
    try:
        rec["officer"] = c.take(officer_len, "officer").decode("utf-8", "strict")
    except UnicodeDecodeError:
        raise Bad("officer is not UTF-8") from None
    payload_len = c.uint(4, "payload length")
    if payload_len > MAX_PAYLOAD:
        raise Bad("payload is %d bytes (at most %d)" % (payload_len, MAX_PAYLOAD))
    rec["payload"] = c.take(payload_len, "payload")
    body_end = c.pos
    rec["signature"] = c.take(64, "signature")
    if c.remaining():
        raise Bad("%d unexpected bytes after the signature" % c.remaining())
    rec["id"] = domain_digest(RECORD_TAG, b[:body_end])
    return rec


def parse_receipt(b):
    """A receipt (signed-records.md 3)."""
    if len(b) < RECEIPT_LEN:
        raise Bad("receipt truncated: %d bytes, expected %d" % (len(b), RECEIPT_LEN))
    if len(b) > RECEIPT_LEN:
        raise Bad("receipt has %d unexpected bytes after the signature" % (len(b) - RECEIPT_LEN))
    if b[0:4] != RECEIPT_MAGIC:
        raise Bad("receipt has bad magic")
    if b[4] != 1:
        raise Bad("unsupported receipt version %d" % b[4])
    return {
        "record_id": b[5:37],
        "server": b[37:69],
        "seq": int.from_bytes(b[69:77], "big"),
        "received_ms": int.from_bytes(b[77:85], "big", signed=True),
        "signature": b[85:149],
        "digest": domain_digest(RECEIPT_TAG, b[:85]),
    }


def read_uleb(c, what):
    """Unsigned LEB128, at most 64 bits, minimal encoding (as Automerge reads it)."""
    value, shift = 0, 0
    while True:
        byte = c.uint(1, what)
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte & 0x80 == 0:
            if shift > 7 and byte == 0:
                raise Bad("overlong LEB128 in " + what)
            if value >= 2**64:
                raise Bad("LEB128 too large in " + what)
            return value
        if shift > 64:
            raise Bad("LEB128 too large in " + what)


def uleb(n):
    """The minimal unsigned LEB128 encoding of n."""
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def inflate(raw):
    """Raw DEFLATE (RFC 1951) data, whole, with a size limit."""
    d = zlib.decompressobj(-15)
    try:
        out = d.decompress(raw, MAX_INFLATED)
    except zlib.error as e:
        raise Bad("compressed Automerge change does not inflate: %s" % e) from None
    if d.unconsumed_tail:
        raise Bad("compressed Automerge change inflates to more than %d bytes" % MAX_INFLATED)
    if not d.eof:
        raise Bad("compressed Automerge change is truncated")
    if d.unused_data:
        raise Bad("compressed Automerge change has %d bytes after its end" % len(d.unused_data))
    return out


def automerge_header(payload):
    """(actor, change hash, dependency hashes) of an Automerge change chunk
    (type 1, or type 2 = raw-DEFLATE compressed), from its header only."""
    c = Cursor(payload)
    if c.take(4, "Automerge magic") != b"\x85\x6f\x4a\x83":
        raise Bad("payload is not an Automerge chunk (bad magic)")
    c.take(4, "Automerge checksum")  # not checked, as the reference decoder
    chunk_type = c.uint(1, "Automerge chunk type")
    if chunk_type not in (1, 2):
        raise Bad("payload is Automerge chunk type %d, not a change" % chunk_type)
    length = read_uleb(c, "Automerge chunk length")
    if length != c.remaining():
        raise Bad("Automerge chunk length %d does not match the %d bytes that follow" % (length, c.remaining()))
    if chunk_type == 1:
        data = payload[c.pos:]
        change_hash = hashlib.sha256(payload[8:]).digest()  # type, length, data
    else:
        data = inflate(payload[c.pos:])
        # The hash of the equivalent uncompressed chunk.
        change_hash = hashlib.sha256(b"\x01" + uleb(len(data)) + data).digest()
    c = Cursor(data)
    deps = read_uleb(c, "Automerge dependency count")
    if deps > c.remaining() // 32:
        raise Bad("truncated: Automerge dependencies")
    deps = [c.take(32, "Automerge dependencies") for _ in range(deps)]
    actor_len = read_uleb(c, "Automerge actor length")
    if actor_len > c.remaining():
        raise Bad("truncated: Automerge actor")
    actor = c.take(actor_len, "Automerge actor")
    return actor, change_hash, deps


def b64decode_strict(s, what):
    """Standard alphabet, padded, canonical (re-encoding gives back `s`)."""
    try:
        raw = base64.b64decode(s.encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError):
        raise Bad(what + " is not valid base64") from None
    if base64.b64encode(raw).decode("ascii") != s:
        raise Bad(what + " is not canonical padded base64")
    return raw


HEX_DIGITS = frozenset("0123456789abcdef")


def hex_lower(s, nbytes=None):
    """Bytes of lower-case hex `s` (of exactly `nbytes` bytes if given), or None."""
    if not isinstance(s, str) or len(s) % 2 or not set(s) <= HEX_DIGITS:
        return None
    if nbytes is not None and len(s) != 2 * nbytes:
        return None
    return bytes.fromhex(s)


def parse_uuid(s):
    """The 16 bytes of a lower-case hyphenated UUID, or None."""
    if not isinstance(s, str):
        return None
    parts = s.split("-")
    if [len(x) for x in parts] != [8, 4, 4, 4, 12]:
        return None
    return hex_lower("".join(parts), 16)


def fmt_uuid(b):
    h = b.hex()
    return "-".join([h[0:8], h[8:12], h[12:16], h[16:20], h[20:32]])


def show(s):
    """A file-supplied value, safe to print on one line."""
    if isinstance(s, str) and len(s) == 64 and set(s) <= HEX_DIGITS:
        return s
    return json.dumps(s, ensure_ascii=True)[:80]


# --------------------------------------------------------------------------
# Signed text: checkpoints (transparency-log.md 4), record-set statements
# and register entries (signed-records.md 5.3)
# --------------------------------------------------------------------------

CHECKPOINT_TAG = b"kordon/checkpoint/v1"
RECORD_SET_TAG = b"kordon/record-set/v1"
DEVICE_TAG = b"kordon/device/v1"
SIG_PREFIX = "\u2014 "  # an em dash and a space


def decimal(s, what, lo, hi):
    """A canonical decimal (no leading zeros, no '+', no "-0") in [lo, hi]."""
    digits = s[1:] if s.startswith("-") else s
    if not digits or not set(digits) <= set("0123456789") or (s != "0" and (digits.startswith("0"))):
        raise Bad("%s %s is not a canonical decimal" % (what, show(s)))
    n = int(s)
    if not lo <= n <= hi:
        raise Bad("%s %s is out of range" % (what, show(s)))
    return n


def parse_note(text, kind):
    """(server key, body lines, body bytes, signature) of a signed note:
    body lines each ended by a newline, a blank line, "— kordon/<key> <sig>"
    and a newline."""
    lines = text.split("\n")
    n = len(lines)
    if n < 4 or lines[n - 1] != "" or lines[n - 3] != "":
        raise Bad("not a Kordon %s: expected lines, a blank line and one signature line, "
                  "each ended by a newline" % kind)
    body = lines[:n - 3]
    if any(line == "" for line in body):
        raise Bad("not a Kordon %s: an empty line inside it" % kind)
    if not body[0].startswith("kordon/"):
        raise Bad("not a Kordon %s: the first line is not kordon/<server key>" % kind)
    server = hex_lower(body[0][len("kordon/"):], 32)
    if server is None:
        raise Bad("not a Kordon %s: the server key is not 64 lower-case hex digits" % kind)
    sig_line = lines[n - 2]
    if not sig_line.startswith(SIG_PREFIX):
        raise Bad("not a Kordon %s: the signature line does not start with \"\u2014 \"" % kind)
    name, space, sig = sig_line[len(SIG_PREFIX):].partition(" ")
    if not space:
        raise Bad("not a Kordon %s: the signature line has no signature" % kind)
    if name != body[0]:
        raise Bad("not a Kordon %s: the signature line names another server than the first line" % kind)
    signature = hex_lower(sig, 64)
    if signature is None:
        raise Bad("not a Kordon %s: the signature is not 128 lower-case hex digits" % kind)
    body_bytes = "".join(line + "\n" for line in body).encode("utf-8")
    return server, body, body_bytes, signature


def parse_checkpoint(text):
    """{"server", "size", "head", "at_ms", "body", "signature"}."""
    server, body, body_bytes, signature = parse_note(text, "checkpoint")
    if len(body) != 4:
        raise Bad("not a Kordon checkpoint: expected 4 lines before the blank line, found %d" % len(body))
    head = hex_lower(body[2], 32)
    if head is None:
        raise Bad("not a Kordon checkpoint: the tree head is not 64 lower-case hex digits")
    return {
        "server": server,
        "size": decimal(body[1], "the tree size", 0, U64_MAX),
        "head": head,
        "at_ms": decimal(body[3], "the time", I64_MIN, I64_MAX),
        "body": body_bytes,
        "signature": signature,
    }


def parse_record_set(text):
    """{"server", "doc", "count", "heads", "log_size", "at_ms", ...}."""
    server, body, body_bytes, signature = parse_note(text, "record-set statement")
    if len(body) != 6:
        raise Bad("not a Kordon record-set statement: expected 6 lines before the blank line, found %d" % len(body))
    if not body[1].startswith("record-set "):
        raise Bad("not a Kordon record-set statement: the second line is not record-set <inspection>")
    doc = parse_uuid(body[1][len("record-set "):])
    if doc is None:
        raise Bad("not a Kordon record-set statement: the inspection is not a lower-case hyphenated UUID")
    heads = []
    for h in body[3].split(" "):
        raw = hex_lower(h, 32)
        if raw is None:
            raise Bad("not a Kordon record-set statement: a head is not 64 lower-case hex digits")
        heads.append(raw)
    if any(a >= b for a, b in zip(heads, heads[1:])):
        raise Bad("not a Kordon record-set statement: the heads are not in strictly ascending order")
    count = decimal(body[2], "the record count", 0, U64_MAX)
    if count == 0:
        raise Bad("not a Kordon record-set statement: a record set of no records")
    return {
        "server": server,
        "doc": doc,
        "count": count,
        "heads": heads,
        "log_size": decimal(body[4], "the log size", 0, U64_MAX),
        "at_ms": decimal(body[5], "the time", I64_MIN, I64_MAX),
        "body": body_bytes,
        "signature": signature,
    }


def unit_ok(unit):
    """1 to 256 bytes of UTF-8 with no control character (Rust char::is_control)."""
    return 0 < len(unit.encode("utf-8")) <= 256 and not any(unicodedata.category(ch) == "Cc" for ch in unit)


def parse_device_entry(text):
    """{"server", "device", "unit", "enrolled_ms", ...}."""
    server, body, body_bytes, signature = parse_note(text, "device entry")
    if len(body) != 4:
        raise Bad("not a Kordon device entry: expected 4 lines before the blank line, found %d" % len(body))
    if not body[1].startswith("device "):
        raise Bad("not a Kordon device entry: the second line is not device <key>")
    device = hex_lower(body[1][len("device "):], 32)
    if device is None:
        raise Bad("not a Kordon device entry: the device key is not 64 lower-case hex digits")
    if not unit_ok(body[2]):
        raise Bad("not a Kordon device entry: the unit is not one line of printable text")
    return {
        "server": server,
        "device": device,
        "unit": body[2],
        "enrolled_ms": decimal(body[3], "the enrollment time", I64_MIN, I64_MAX),
        "body": body_bytes,
        "signature": signature,
    }


def verify_signed_text(parsed, tag, pinned):
    """None if `parsed` (a checkpoint or statement) names the pinned key and
    its signature verifies strictly under it, else the reason."""
    if parsed["server"] != pinned:
        return "signed by server %s, not by the pinned server key" % parsed["server"].hex()
    bad = ed25519_verify_strict(pinned, domain_digest(tag, parsed["body"]), parsed["signature"])
    return "signature: " + bad if bad else None


# --------------------------------------------------------------------------
# Merkle tree (transparency-log.md 1-3 = RFC 9162 2.1)
# --------------------------------------------------------------------------


def leaf_hash(data):
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def verify_inclusion(leaf, index, size, path, head):
    """None if `path` proves the leaf hash `leaf` at `index` in the tree of
    `size` leaves whose head is `head` (RFC 9162 2.1.3.2), else the reason."""
    if not 0 <= index < size:
        return "leaf index %d is not in a tree of %d leaves" % (index, size)
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return "the path has %d hashes, more than a path for this leaf and size" % len(path)
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        return "the path has %d hashes, fewer than a path for this leaf and size" % len(path)
    if r != head:
        return "the path does not lead to the checkpoint's tree head"
    return None


# --------------------------------------------------------------------------
# Strict JSON
# --------------------------------------------------------------------------

FORMAT_V1 = "kordon-export/1"
FORMAT_V2 = "kordon-export/2"
TOP_KEYS = {
    FORMAT_V1: ("format", "inspection", "server_key", "exported_ms", "records", "view"),
    FORMAT_V2: ("format", "inspection", "server_key", "exported_ms", "checkpoints",
                "record_set", "devices", "records", "view"),
}
RECORD_KEYS = {
    FORMAT_V1: ("id", "signer", "officer", "created_ms", "record", "receipt"),
    FORMAT_V2: ("id", "signer", "officer", "created_ms", "record", "receipt", "log"),
}
LOG_KEYS = ("leaf_index", "leaf", "tree_size", "path")


class JsonObject(dict):
    """A JSON object; `duplicates` lists the keys it was given more than once."""
    duplicates = ()


def _object_pairs(pairs):
    obj = JsonObject()
    dups = []
    for k, v in pairs:
        if k in obj and k not in dups:
            dups.append(k)
        obj[k] = v
    if dups:
        obj.duplicates = dups
    return obj


def _no_constant(name):
    raise ValueError("%s is not a JSON number" % name)


def _finite_float(text):
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError("the number %s is out of range" % text[:40])
    return value


def load_strict_json(data):
    """Parses RFC 8259 JSON (UTF-8, no NaN/Infinity), keeping track of keys
    given twice. Raises Bad if it is not JSON."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise Bad("the file is not UTF-8: %s" % e) from None
    if text.startswith("\ufeff"):
        raise Bad("the file is not JSON: it starts with a byte-order mark")
    try:
        return json.loads(text, object_pairs_hook=_object_pairs, parse_constant=_no_constant,
                          parse_float=_finite_float)
    except RecursionError:
        raise Bad("the file is not JSON: nested too deeply") from None
    except ValueError as e:
        raise Bad("the file is not JSON: %s" % e) from None


def path_key(path, key):
    """`path` extended by object key `key`, printable on one line."""
    if not (key.isascii() and key.replace("_", "a").isalnum()):
        key = json.dumps(key, ensure_ascii=True)
    return key if path is None else path + "." + key


def duplicate_keys(value):
    """(path, key) of every key given twice, at any depth (iterative)."""
    out, stack = [], [(value, None)]
    while stack:
        v, path = stack.pop()
        if isinstance(v, dict):
            for k in getattr(v, "duplicates", ()):
                out.append((path or "the file", k))
            for k, child in v.items():
                stack.append((child, path_key(path, k)))
        elif isinstance(v, list):
            for i, child in enumerate(v):
                stack.append((child, "%s[%d]" % (path or "the file", i)))
    return sorted(out)


def key_problems(obj, want, where=None):
    """Problems with the key set of object `obj`: exactly `want`. `where`
    prefixes each problem, if given."""
    prefix = where + ": " if where else ""
    if not isinstance(obj, dict):
        return [prefix + "not a JSON object"]
    out = [prefix + "unknown field %s" % show(k) for k in obj if k not in want]
    out += [prefix + "missing field %s" % show(k) for k in want if k not in obj]
    return out


def is_int(v, lo=I64_MIN, hi=I64_MAX):
    return isinstance(v, int) and not isinstance(v, bool) and lo <= v <= hi


# --------------------------------------------------------------------------
# The view's form
# --------------------------------------------------------------------------

INT_RANGES = {"i64": (I64_MIN, I64_MAX), "u64": (0, U64_MAX), "u32": (0, 2**32 - 1), "u8": (0, 255)}


def check_view_value(value, typ, path, v1, out):
    """Appends to `out` every way `value` is not the JSON of Rust type `typ`."""
    if typ.startswith("?"):
        if value is not None:
            check_view_value(value, typ[1:], path, v1, out)
        return
    if typ.startswith("["):
        if not isinstance(value, list):
            out.append("%s: expected an array" % path)
            return
        for i, item in enumerate(value):
            check_view_value(item, typ[1:-1], "%s[%d]" % (path, i), v1, out)
        return
    if typ == "str" or typ == "uuid":
        if not isinstance(value, str):
            out.append("%s: expected a string" % path)
        elif typ == "uuid" and parse_uuid(value) is None:
            out.append("%s: %s is not a lower-case hyphenated UUID" % (path, show(value)))
        return
    if typ in INT_RANGES:
        lo, hi = INT_RANGES[typ]
        if not is_int(value, lo, hi):
            out.append("%s: expected an integer (%s)" % (path, typ))
        return
    if typ == "f64":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            out.append("%s: expected a number" % path)
        return
    if typ == "pair":
        if not isinstance(value, list) or len(value) != 2:
            out.append("%s: expected an array of two numbers" % path)
        else:
            for i, item in enumerate(value):
                check_view_value(item, "f64", "%s[%d]" % (path, i), v1, out)
        return
    if typ in VIEW_ENUMS:
        if not isinstance(value, str) or value not in VIEW_ENUMS[typ]:
            out.append("%s: %s is not one of %s" % (path, show(value), ", ".join(sorted(VIEW_ENUMS[typ]))))
        return
    if typ in VIEW_TAGGED:
        tag, variants = VIEW_TAGGED[typ]
        if not isinstance(value, dict):
            out.append("%s: expected an object" % path)
            return
        variant = value.get(tag)
        if not isinstance(variant, str) or variant not in variants:
            out.append("%s.%s: %s is not one of %s" % (path, tag, show(variant), ", ".join(sorted(variants))))
            return
        check_view_struct(value, dict(variants[variant], **{tag: "str"}), path, v1, out)
        return
    check_view_struct(value, VIEW_STRUCTS[typ], path, v1, out)


def check_view_struct(value, fields, path, v1, out):
    if not isinstance(value, dict):
        out.append("%s: expected an object" % path)
        return
    known = {}
    for spec, typ in fields.items():
        name = spec.lstrip("~+")
        absent_ok = spec.startswith("~") or (v1 and spec.startswith("+"))
        known[name] = typ
        if name not in value and not absent_ok:
            out.append("%s: missing field %s" % (path, show(name)))
    for key, item in value.items():
        if key not in known:
            out.append("%s: unknown field %s" % (path, show(key)))
        else:
            check_view_value(item, known[key], path_key(path, key), v1, out)


def check_view(view, v1):
    """Problems with the form of the export's "view"."""
    out = []
    check_view_value(view, "InspectionView", "view", v1, out)
    return out


# --------------------------------------------------------------------------
# Verifying an export
# --------------------------------------------------------------------------


class Report:
    """What the verification found."""

    def __init__(self, evidence):
        self.evidence = evidence
        self.problems = []
        self.warnings = []
        self.notes = []  # one line per verified record, for the reader
        self.summary = ""

    def problem(self, text):
        self.problems.append(one_line(text))

    def warn(self, text):
        """A warning; with --evidence, a problem."""
        (self.problems if self.evidence else self.warnings).append(one_line(text))


def one_line(text):
    """Every problem and warning is printed on one line."""
    return text.replace("\r", "\\r").replace("\n", "\\n")


class Context:
    """What the records are checked against."""

    def __init__(self, fmt, pinned, doc_id):
        self.v2 = fmt == FORMAT_V2
        self.fmt = fmt
        self.pinned = pinned  # bytes, or None when no key was pinned
        self.doc_id = doc_id  # bytes, or None if "inspection" is malformed
        self.checkpoints = {}  # tree size -> head, of verified checkpoints
        self.register = {}  # device key -> unit, of verified register entries


def check_checkpoints(texts, ctx, report):
    """Step 3: every checkpoint, verified under the pinned key."""
    last = None
    for i, text in enumerate(texts):
        if not isinstance(text, str):
            report.problem("checkpoint %d: not a string" % i)
            continue
        try:
            cp = parse_checkpoint(text)
        except Bad as e:
            report.problem("checkpoint %d: %s" % (i, e))
            continue
        if last is not None and cp["size"] <= last:
            report.problem("checkpoint %d: checkpoints must be in ascending order of size, each size once" % i)
        last = cp["size"]
        if ctx.pinned is None:
            continue
        bad = verify_signed_text(cp, CHECKPOINT_TAG, ctx.pinned)
        if bad:
            report.problem("checkpoint %d (size %d): not signed by the pinned server: %s" % (i, cp["size"], bad))
            continue
        ctx.checkpoints[cp["size"]] = cp["head"]


def check_register(texts, ctx, report):
    """Step 3: every register entry, verified under the pinned key."""
    last = None
    for i, text in enumerate(texts):
        if not isinstance(text, str):
            report.problem("device entry %d: not a string" % i)
            continue
        try:
            entry = parse_device_entry(text)
        except Bad as e:
            report.problem("device entry %d: %s" % (i, e))
            continue
        if last is not None and entry["device"] <= last:
            report.problem("device entry %d: entries must be in ascending order of device key, each once" % i)
        last = entry["device"]
        if ctx.pinned is None:
            continue
        bad = verify_signed_text(entry, DEVICE_TAG, ctx.pinned)
        if bad:
            report.problem("device entry %d (%s): not signed by the pinned server: %s"
                           % (i, entry["device"].hex(), bad))
            continue
        ctx.register[entry["device"]] = entry["unit"]


def check_receipt(text, r, ctx):
    """Step 4.4: (problems, note) for one base64 receipt of parsed record `r`."""
    if not isinstance(text, str):
        return ["receipt: neither a string nor null"], None
    try:
        c = parse_receipt(b64decode_strict(text, "receipt"))
    except Bad as e:
        return ["receipt: %s" % e], None
    problems = []
    if r is not None and c["record_id"] != r["id"]:
        problems.append("receipt: it is for record %s, not this one" % c["record_id"].hex())
    if ctx.pinned is None:
        return problems, None  # said once for the file
    if c["server"] != ctx.pinned:
        problems.append("receipt: signed by %s, not by the pinned server key" % c["server"].hex())
    else:
        bad = ed25519_verify_strict(c["server"], c["digest"], c["signature"])
        if bad:
            problems.append("receipt: signature: " + bad)
    if problems or r is None:
        return problems, None
    return [], "receipt seq %d" % c["seq"]


def check_log_proof(log, r, ctx):
    """Step 4.5: (problems, note) for one "log" object of parsed record `r`.
    Every problem says "inclusion proof"."""
    keys = key_problems(log, LOG_KEYS, "log")
    if keys:
        return keys, None
    index, size, leaf_hex, path = log["leaf_index"], log["tree_size"], log["leaf"], log["path"]
    problems = []
    if not is_int(index):
        problems.append("inclusion proof: leaf_index is not an integer in the i64 range")
    if not is_int(size):
        problems.append("inclusion proof: tree_size is not an integer in the i64 range")
    leaf = hex_lower(leaf_hex)
    if leaf is None:
        problems.append("inclusion proof: the leaf is not lower-case hex")
    hashes = None
    if not isinstance(path, list):
        problems.append("inclusion proof: the path is not an array")
    else:
        hashes = [hex_lower(h, 32) for h in path]
        if any(h is None for h in hashes):
            problems.append("inclusion proof: a path hash is not 64 lower-case hex digits")
    if problems:
        return problems, None
    if not ((leaf[:1] == b"\x01" and len(leaf) == 33) or (leaf[:1] == b"\x03" and len(leaf) == 41)):
        return ["inclusion proof: the leaf is not a record leaf (kind 01, 33 bytes, or 03, 41 bytes)"], None
    if r is not None and leaf[1:33] != r["id"]:
        return ["inclusion proof: the leaf names record %s, not this one" % leaf[1:33].hex()], None
    if ctx.pinned is None:
        return [], None  # checkpoints cannot be checked; said once for the file
    if size not in ctx.checkpoints:
        return ["inclusion proof: no checkpoint of size %d (signed by the pinned server) in the file "
                "to check it against" % size], None
    bad = verify_inclusion(leaf_hash(leaf), index, size, hashes, ctx.checkpoints[size])
    if bad:
        return ["inclusion proof: leaf %d in the checkpoint of size %d: %s" % (index, size, bad)], None
    if r is None:
        return [], None
    return [], "leaf %d of checkpoint %d" % (index, size)


def check_record(rec, ctx):
    """Step 4 for one entry of "records": a dict with "problems", "notes"
    (what acknowledges it), "acknowledged", "signer" (bytes or None),
    "change" (its change hash, or None) and "deps" (the hashes it depends on)."""
    out = {"problems": [], "notes": [], "acknowledged": False, "change": None, "deps": [], "signer": None}
    problems = out["problems"]
    problems += key_problems(rec, RECORD_KEYS[ctx.fmt])
    if not isinstance(rec, dict):
        return out
    for key in ("id", "signer", "officer", "record"):
        if key in rec and not isinstance(rec[key], str):
            problems.append("%s is not a string" % key)
    if "created_ms" in rec and not is_int(rec["created_ms"]):
        problems.append("created_ms is not an integer in the i64 range")
    if isinstance(rec.get("id"), str) and hex_lower(rec["id"], 32) is None:
        problems.append("id is not 64 lower-case hex digits")
    if isinstance(rec.get("signer"), str) and hex_lower(rec["signer"], 32) is None:
        problems.append("signer is not 64 lower-case hex digits")

    # 4.1 and 4.2: the bytes, the copies, the signature, the change's actor.
    r = None
    if isinstance(rec.get("record"), str):
        try:
            r = parse_record(b64decode_strict(rec["record"], "record"))
        except Bad as e:
            problems.append(str(e))
    if r is not None:
        out["signer"] = r["signer"]
        if r["id"].hex() != rec.get("id"):
            problems.append("id in the file does not match the record bytes (digest is %s)" % r["id"].hex())
        if ctx.doc_id is not None and r["doc_id"] != ctx.doc_id:
            problems.append("record belongs to inspection %s, not to this one" % fmt_uuid(r["doc_id"]))
        if r["signer"].hex() != rec.get("signer"):
            problems.append("signer in the file differs from the signed record (%s)" % r["signer"].hex())
        if r["officer"] != rec.get("officer"):
            problems.append("officer in the file differs from the signed record (%s)" % show(r["officer"]))
        if r["created_ms"] != rec.get("created_ms") or not is_int(rec.get("created_ms")):
            problems.append("created_ms in the file differs from the signed record (%d)" % r["created_ms"])
        bad = ed25519_verify_strict(r["signer"], r["id"], r["signature"])
        if bad:
            problems.append("record signature: " + bad)
        try:
            actor, change, deps = automerge_header(r["payload"])
            out["change"], out["deps"] = change, deps
            if actor != r["signer"]:
                problems.append("the change was made by Automerge actor %s, not by its signer" % actor.hex())
        except Bad as e:
            problems.append(str(e))

        # 4.3: the signer must be known (kordon-export/2; a /1 file has no register).
        if ctx.v2 and ctx.pinned is not None and r["signer"] != ctx.pinned and r["signer"] not in ctx.register:
            problems.append("signer %s is not in the device register the file carries (signed by the "
                            "pinned server key)" % r["signer"].hex())

    # 4.4: the receipt.
    if rec.get("receipt") is not None:
        more, note = check_receipt(rec["receipt"], r, ctx)
        problems += more
        if note:
            out["notes"].append(note)
            out["acknowledged"] = True

    # 4.5: the inclusion proof.
    if ctx.v2 and rec.get("log") is not None:
        more, note = check_log_proof(rec["log"], r, ctx)
        problems += more
        if note:
            out["notes"].append(note)
            out["acknowledged"] = True
    return out


def check_record_set(text, ctx, changes, report):
    """Step 5. `changes` maps change hash -> (record index, dependencies).
    Returns (change hashes reached from the heads, hashes reached but not in
    the file), or None if the statement cannot be used."""
    if not isinstance(text, str):
        report.problem("record_set: neither a string nor null")
        return None
    try:
        rs = parse_record_set(text)
    except Bad as e:
        report.problem("record_set: %s" % e)
        return None
    if ctx.pinned is None:
        return None
    bad = verify_signed_text(rs, RECORD_SET_TAG, ctx.pinned)
    if bad:
        report.problem("record_set: not signed by the pinned server: %s" % bad)
        return None
    if ctx.doc_id is not None and rs["doc"] != ctx.doc_id:
        report.problem("record_set: the statement is about inspection %s, not this one" % fmt_uuid(rs["doc"]))
        return None
    if rs["log_size"] not in ctx.checkpoints:
        report.problem("record_set: its log size %d is not the size of a checkpoint (signed by the pinned "
                       "server) in the file" % rs["log_size"])
    # Walk back from the heads: every change reached must be in the file.
    reached, missing, stack = set(), set(), [(h, None) for h in reversed(rs["heads"])]
    while stack:
        h, child = stack.pop()
        if h in reached or h in missing:
            continue
        if h not in changes:
            missing.add(h)
            if child is None:
                report.problem("record_set: head %s of the server's statement is not in the file: "
                               "a record was removed" % h.hex())
            else:
                report.problem("record_set: change %s, a dependency of %s that the server's statement "
                               "covers, is not in the file: a record was removed" % (h.hex(), child.hex()))
            continue
        reached.add(h)
        stack.extend((d, h) for d in changes[h][1])
    if len(reached) != rs["count"]:
        report.problem("record_set: the record count in the server's statement is %d, but its heads reach "
                       "%d changes of the file" % (rs["count"], len(reached)))
    return reached, missing


def check_top(doc, fmt, report):
    """Step 2 at the top level: key set and the types of the fields."""
    for p in key_problems(doc, TOP_KEYS[fmt], "the file"):
        report.problem(p)
    if "exported_ms" in doc and not is_int(doc["exported_ms"]):
        report.problem("exported_ms is not an integer in the i64 range")
    if doc.get("server_key") is not None and not isinstance(doc["server_key"], str):
        report.problem("server_key is neither a string nor null")
    if "records" in doc and not isinstance(doc["records"], list):
        report.problem("records is not an array")
    if "view" in doc and not isinstance(doc["view"], dict):
        report.problem("view is not an object")
    if fmt == FORMAT_V2:
        for key in ("checkpoints", "devices"):
            if key in doc and not isinstance(doc[key], list):
                report.problem("%s is not an array" % key)


def verify_export(data, pinned, evidence):
    """Checks the bytes of an export file; returns a Report."""
    report = Report(evidence)
    if pinned is None:
        report.problem("the server key is not pinned: give --server-key HEX (as printed by "
                       "`kordon-server init`); a file that names its own key proves nothing. "
                       "Checks that need the key were skipped")
    try:
        doc = load_strict_json(data)
    except Bad as e:
        report.problem(str(e))
        return report
    for path, key in duplicate_keys(doc):
        report.problem("%s: duplicate key %s" % (path, show(key)))
    if not isinstance(doc, dict):
        report.problem("the file is not a JSON object")
        return report
    fmt = doc.get("format")
    if not isinstance(fmt, str) or fmt not in TOP_KEYS:
        report.problem("unknown format %s (this tool reads %s and %s)" % (show(fmt), FORMAT_V2, FORMAT_V1))
        return report
    check_top(doc, fmt, report)

    # Step 1: the file's claim about the key.
    server_key = doc.get("server_key")
    if isinstance(server_key, str) and hex_lower(server_key, 32) is None:
        report.problem("server_key %s is not 64 lower-case hex digits" % show(server_key))
    if pinned is not None and server_key != pinned.hex():
        report.problem("server_key in the file is %s, not the pinned server key %s"
                       % ("null" if server_key is None else show(server_key), pinned.hex()))

    doc_id = parse_uuid(doc.get("inspection"))
    if doc_id is None:
        report.problem("inspection %s is not a lower-case hyphenated UUID" % show(doc.get("inspection")))
    ctx = Context(fmt, pinned, doc_id)

    if ctx.v2:
        if isinstance(doc.get("checkpoints"), list):
            check_checkpoints(doc["checkpoints"], ctx, report)
        if isinstance(doc.get("devices"), list):
            check_register(doc["devices"], ctx, report)
    else:
        report.warn("this is a %s file: it cannot show that it holds every record (no record-set statement) "
                    "nor that the server admitted its signers (no device register)" % FORMAT_V1)

    records = doc.get("records") if isinstance(doc.get("records"), list) else []
    if not records:
        report.problem("the export holds no records")
    seen_ids = {}
    results = []
    for i, rec in enumerate(records):
        label = "record %d" % i
        if isinstance(rec, dict) and isinstance(rec.get("id"), str):
            label += " (%s)" % show(rec["id"])
            if rec["id"] in seen_ids:
                report.problem("%s: duplicate record: the same id as record %d" % (label, seen_ids[rec["id"]]))
            seen_ids.setdefault(rec["id"], i)
        try:
            res = check_record(rec, ctx)
        except Exception as e:  # never a traceback: a malformed record is a problem
            res = {"problems": ["could not be checked: %s: %s" % (type(e).__name__, e)], "notes": [],
                   "acknowledged": False, "change": None, "deps": [], "signer": None}
        res["label"] = label
        results.append(res)
        for p in res["problems"]:
            report.problem("%s: %s" % (label, p))
        # In a kordon-export/1 file the server's own records never carry a
        # receipt: the server signed them, so it had them.
        server_own = not ctx.v2 and res["signer"] is not None and res["signer"] == pinned
        if pinned is not None and not res["acknowledged"] and not server_own:
            report.warn("%s: not acknowledged: neither a receipt nor an inclusion proof shows that the "
                        "server has it" % label)

    # Change graph: hash -> (record index, dependencies).
    changes = {}
    for i, res in enumerate(results):
        if res["change"] is not None:
            if res["change"] in changes:
                report.problem("record %d: carries the same Automerge change as record %d"
                               % (i, changes[res["change"]][0]))
                continue
            changes[res["change"]] = (i, res["deps"])

    # Step 5: completeness.
    covered, missing = None, set()
    if ctx.v2 and "record_set" in doc:
        if doc["record_set"] is None:
            report.warn("no record-set statement from the server: nothing shows that the file holds every "
                        "record of the inspection")
        else:
            walked = check_record_set(doc["record_set"], ctx, changes, report)
            if walked is not None:
                covered, missing = walked
                # With a change missing, what the heads no longer reach need
                # not be newer than the statement; the file is refused anyway.
                for h, (i, _) in sorted(changes.items(), key=lambda kv: kv[1][0]):
                    if h not in covered and not missing:
                        report.warn("%s: made after the server's statement of the record set (not reached "
                                    "from its heads)" % results[i]["label"])
    # Every dependency of every change must be in the file (those the
    # statement's walk found missing are reported once, above).
    for res in results:
        for dep in res["deps"]:
            if dep not in changes and dep not in missing:
                report.problem("%s: depends on Automerge change %s, which is not in the file"
                               % (res["label"], dep.hex()))

    # Step 6: the view's form.
    if isinstance(doc.get("view"), dict):
        for p in check_view(doc["view"], v1=not ctx.v2):
            report.problem(p)

    if pinned is not None:
        for res in results:
            if not res["problems"]:
                report.notes.append("ok %s%s" % (res["label"], " (%s)" % ", ".join(res["notes"]) if res["notes"] else ""))
    if covered is not None:
        stated = "covers %d" % len(covered)
    elif ctx.v2 and isinstance(doc.get("record_set"), str):
        stated = "not verified"
    else:
        stated = "not stated"
    report.summary = "%s, %d records, %d acknowledged, record set %s" % (
        fmt, len(records), sum(1 for r in results if r["acknowledged"]), stated)
    return report


# --------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------


class UsageError(Exception):
    pass


class Parser(argparse.ArgumentParser):
    def error(self, message):
        raise UsageError(message)


def parse_server_key(text):
    key = hex_lower(text.lower(), 32) if isinstance(text, str) else None
    if key is None:
        raise UsageError("--server-key must be 64 hex digits (an Ed25519 public key)")
    bad = check_public_key(key)
    if bad:
        raise UsageError("--server-key is %s" % bad)
    return key


def main(argv):
    parser = Parser(prog="verify_export.py", allow_abbrev=False,
                    description="Verify a Kordon export file (docs/signed-records.md section 5).")
    parser.add_argument("--server-key", metavar="HEX", help="the server's public key, pinned from outside the file")
    parser.add_argument("--evidence", action="store_true",
                        help="refuse what is otherwise a warning (unacknowledged records, no record-set statement, ...)")
    parser.add_argument("file", metavar="FILE")
    try:
        args = parser.parse_args(argv[1:])
        pinned = parse_server_key(args.server_key) if args.server_key is not None else None
    except UsageError as e:
        print("usage: verify_export.py [--server-key HEX] [--evidence] FILE", file=sys.stderr)
        print("error: %s" % e, file=sys.stderr)
        return 2
    try:
        with open(args.file, "rb") as f:
            data = f.read()
    except OSError as e:
        print("error: cannot read %s: %s" % (args.file, e.strerror or e), file=sys.stderr)
        return 2

    try:
        report = verify_export(data, pinned, args.evidence)
    except Exception as e:  # never a traceback: an unforeseen input is refused
        print("problem: the file could not be checked: %s: %s" % (type(e).__name__, e))
        print("REFUSED")
        return 1
    for line in report.notes:
        print(line)
    for w in report.warnings:
        print("warning: " + w)
    for p in report.problems:
        print("problem: " + p)
    summary = report.summary
    if report.problems:
        print("REFUSED: %d problem%s%s" % (len(report.problems), "" if len(report.problems) == 1 else "s",
                                          "; " + summary if summary else ""))
        return 1
    print("VERIFIED: %s%s" % (summary, "; %d warning%s" % (len(report.warnings), "" if len(report.warnings) == 1 else "s")
                               if report.warnings else ""))
    print("(the view's form is checked; `kordon verify` also rebuilds it from the records)")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except KeyboardInterrupt:
        sys.exit(2)
    except BrokenPipeError:
        sys.exit(1)
