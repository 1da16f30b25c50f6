#!/usr/bin/env python3
"""Independent verifier for Kordon export files (`kordon export`) and
evidence bundles (`kordon-server bundle`, the console's download).

Built from docs/signed-records.md (sections 5 and 6) and
docs/transparency-log.md; it shares no code with the Rust crates and uses
only the Python standard library. Ed25519 follows the RFC 8032 section 6
reference code, with the strict checks of signed-records.md section 1.2
(S < L, canonical point encodings, no small-order key or R). It is slow
(pure Python), which is fine for the few records of an export.

BLAKE3 (for the scan files of a bundle) is written from the BLAKE3
specification, in pure Python: about 0.3 s per MB on the machine it was
written on (the two 420 kB scans of a sample bundle in 0.25-0.3 s), so a
bundle of large scans takes a while. If the third-party `blake3` module is
installed it is used instead; `--self-test` checks the pure version against
known answers (including multi-chunk inputs) whatever is installed.

Usage:

    python3 tools/verify_export.py --server-key HEX [--evidence] EXPORT.json
    python3 tools/verify_export.py --server-key HEX [--evidence] BUNDLE.zip
    python3 tools/verify_export.py --self-test

--server-key HEX  the server's public key (64 hex digits, as printed by
                  `kordon-server init` or `kordon-server log checkpoint`),
                  pinned from outside the file. Without it the file is
                  refused: a file that names its own key proves nothing.
--evidence        evidence mode: what is otherwise a warning (a record not
                  acknowledged by the server, no record-set statement,
                  records made after the statement, a kordon-export/1 file,
                  a scan image missing from a bundle) refuses the file.
--self-test       checks the pure-Python BLAKE3 and exits (0 if right).

A file that starts with the zip signature ("PK", then the bytes 3 and 4) is
read as a bundle.

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

7. An evidence bundle (signed-records.md 5.6) is a zip, read where it lies
   (nothing is extracted to disk; a scan file is hashed as it inflates, a
   piece at a time). Each entry is read from its local header: stored or
   deflated only, not encrypted, not larger than 2 GiB, inflating to
   exactly the size the zip states (a zip bomb stops there), CRC-32 right;
   a name twice refuses the bundle. "export.json" must
   be there and is checked as steps 1-6 above. Each "scans/<hash>.<ext>"
   must be named by 64 hex digits, and its BLAKE3 must be that name (else
   it "was changed"); the hash must be an image of the view and appear, as
   its 64 hex digits, in the data of an Automerge change whose record's
   signature verified (inflated if compressed): Python cannot replay the
   changes into the view, but the scan record that states the hash is
   signed. Every image the view names must have its file in "scans/": a
   warning, and with --evidence a problem. "overviews/" and "README.txt"
   are for reading and are not checked; any other entry is a warning
   (even with --evidence, as in `kordon verify`).
"""

import argparse
import base64
import hashlib
import io
import json
import struct
import sys
import unicodedata
import zipfile
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
# BLAKE3 (hash mode, 32-byte output), for the scan files of a bundle
# --------------------------------------------------------------------------
#
# Written from the BLAKE3 specification: 1024-byte chunks of 64-byte blocks,
# each block through the compression function (7 rounds of the ChaCha-like
# G over a 4x4 matrix of 32-bit words, the message words permuted between
# rounds); chunks chained with CHUNK_START/CHUNK_END; chunk chaining values
# combined pairwise by PARENT compressions in the left-heavy binary tree;
# ROOT on the last compression.
#
# For speed in CPython the four columns (then the four diagonals) of the
# state are computed at once: a row of the 4x4 matrix is one integer with a
# 32-bit word in each 64-bit lane (lane i at bit 64*i). The rows "a" and "c"
# only ever feed additions and XORs into other rows, so their lanes are left
# unreduced (they grow by at most 2**33 an addition: under 2**40 after 7
# rounds, never spilling into the next lane) and reduced at the end. A
# rotation right by n of each lane is ((x * (1 + 2**32)) >> n) & LANES for x
# with 32-bit lanes: the product puts a copy of each word just above it.

B3_IV = (0x6A09E667, 0xBB67AE85, 0x3C6EF372, 0xA54FF53A, 0x510E527F, 0x9B05688C, 0x1F83D9AB, 0x5BE0CD19)
B3_CHUNK_START, B3_CHUNK_END, B3_PARENT, B3_ROOT = 1, 2, 4, 8
B3_CHUNK_LEN = 1024
_B3_BLOCK = struct.Struct("<16I")
_B3_OUT = struct.Struct("<8I")
_W = 0xFFFFFFFF
_LANES = _W | _W << 64 | _W << 128 | _W << 192  # the low 32 bits of each 64-bit lane
_LOW1, _LOW2, _LOW3 = (1 << 64) - 1, (1 << 128) - 1, (1 << 192) - 1  # the lowest 1, 2, 3 lanes


def _b3_pack(w0, w1, w2, w3):
    return w0 | w1 << 64 | w2 << 128 | w3 << 192


_B3_IV_LO = _b3_pack(*B3_IV[:4])
_B3_IV_HI = _b3_pack(*B3_IV[4:])


def _b3_compress(h_lo, h_hi, m, counter, block_len, flags):
    """The compression function, truncated to 32 bytes: chaining value
    (h_lo, h_hi) (words 0-3 and 4-7, packed in lanes) and the 16 message
    words `m` give the next chaining value, packed the same way."""
    k = 0x100000001
    lanes = _LANES
    low1, low2, low3 = _LOW1, _LOW2, _LOW3
    a, b, c = h_lo, h_hi, _B3_IV_LO  # rows 0, 1, 2: state words 0-3, 4-7, 8-11
    d = _b3_pack(counter & _W, (counter >> 32) & _W, block_len, flags)  # words 12-15
    m0, m1, m2, m3, m4, m5, m6, m7, m8, m9, m10, m11, m12, m13, m14, m15 = m
    for rnd in range(7):
        if rnd:  # the message permutation [2, 6, 3, 10, 7, 0, 4, 13, 1, 11, 12, 5, 9, 14, 15, 8]
            m0, m1, m2, m3, m4, m5, m6, m7, m8, m9, m10, m11, m12, m13, m14, m15 = (
                m2, m6, m3, m10, m7, m0, m4, m13, m1, m11, m12, m5, m9, m14, m15, m8)
        # G on the columns (0,4,8,12) (1,5,9,13) (2,6,10,14) (3,7,11,15).
        a = a + b + (m0 | m2 << 64 | m4 << 128 | m6 << 192)
        d = ((((d ^ a) & lanes) * k) >> 16) & lanes
        c = c + d
        b = ((((b ^ c) & lanes) * k) >> 12) & lanes
        a = a + b + (m1 | m3 << 64 | m5 << 128 | m7 << 192)
        d = ((((d ^ a) & lanes) * k) >> 8) & lanes
        c = c + d
        b = ((((b ^ c) & lanes) * k) >> 7) & lanes
        # Rotate rows 1, 2, 3 left by 1, 2, 3 lanes: the columns become the
        # diagonals (0,5,10,15) (1,6,11,12) (2,7,8,13) (3,4,9,14).
        b = (b >> 64) | (b & low1) << 192
        c = (c >> 128) | (c & low2) << 128
        d = (d >> 192) | (d & low3) << 64
        a = a + b + (m8 | m10 << 64 | m12 << 128 | m14 << 192)
        d = ((((d ^ a) & lanes) * k) >> 16) & lanes
        c = c + d
        b = ((((b ^ c) & lanes) * k) >> 12) & lanes
        a = a + b + (m9 | m11 << 64 | m13 << 128 | m15 << 192)
        d = ((((d ^ a) & lanes) * k) >> 8) & lanes
        c = c + d
        b = ((((b ^ c) & lanes) * k) >> 7) & lanes
        b = (b >> 192) | (b & low3) << 64
        c = (c >> 128) | (c & low2) << 128
        d = (d >> 64) | (d & low1) << 192
    return (a ^ c) & lanes, b ^ d


def _b3_words(h_lo, h_hi):
    """The 8 words of a packed chaining value."""
    return (h_lo & _W, (h_lo >> 64) & _W, (h_lo >> 128) & _W, h_lo >> 192,
            h_hi & _W, (h_hi >> 64) & _W, (h_hi >> 128) & _W, h_hi >> 192)


def _b3_chunk(data, start, end, counter, root):
    """The chaining value (8 words) of the chunk data[start:end], at most
    1024 bytes (empty only for an empty input); with `root`, the output of a
    one-chunk input."""
    h_lo, h_hi = _B3_IV_LO, _B3_IV_HI
    unpack, compress = _B3_BLOCK.unpack_from, _b3_compress
    flags = B3_CHUNK_START
    pos, last = start, end - 64  # a block starting at or after `last` is the chunk's last
    while pos < last:
        h_lo, h_hi = compress(h_lo, h_hi, unpack(data, pos), counter, 64, flags)
        flags = 0
        pos += 64
    tail = bytes(data[pos:end])
    flags |= B3_CHUNK_END | (B3_ROOT if root else 0)
    block = _B3_BLOCK.unpack(tail + bytes(64 - len(tail)))
    return _b3_words(*compress(h_lo, h_hi, block, counter, len(tail), flags))


def _b3_parent(left, right, root):
    return _b3_words(*_b3_compress(_B3_IV_LO, _B3_IV_HI, left + right, 0, 64,
                                   B3_PARENT | (B3_ROOT if root else 0)))


class Blake3:
    """Pure-Python BLAKE3, incremental: update() any number of times, then
    digest() (32 bytes) or hexdigest(). Each chunk is compressed once the
    input shows it is not the last; the tree is kept as a stack of the
    chaining values of complete left subtrees (a power of two of chunks
    each), which gives the specification's left-heavy tree: a parent is
    made only when its left subtree holds the largest power of two of chunks
    that leaves at least one chunk on its right."""

    def __init__(self, data=b""):
        self._buf = b""  # the current chunk, at most 1024 bytes
        self._chunks = 0  # chunks compressed so far
        self._stack = []
        if data:
            self.update(data)

    def _push(self, cv):
        self._chunks += 1
        total = self._chunks
        while not total & 1:  # a complete subtree: join it to its left sibling
            cv = _b3_parent(self._stack.pop(), cv, False)
            total >>= 1
        self._stack.append(cv)

    def update(self, data):
        data = memoryview(data).cast("B")
        pos, n = 0, len(data)
        if self._buf:
            take = min(B3_CHUNK_LEN - len(self._buf), n)
            self._buf += bytes(data[:take])
            pos = take
            if pos == n:
                return self
            self._push(_b3_chunk(self._buf, 0, B3_CHUNK_LEN, self._chunks, False))
            self._buf = b""
        while n - pos > B3_CHUNK_LEN:  # never the last chunk: more input follows it
            self._push(_b3_chunk(data, pos, pos + B3_CHUNK_LEN, self._chunks, False))
            pos += B3_CHUNK_LEN
        self._buf = bytes(data[pos:])
        return self

    def digest(self):
        if not self._stack:
            return _B3_OUT.pack(*_b3_chunk(self._buf, 0, len(self._buf), 0, True))
        cv = _b3_chunk(self._buf, 0, len(self._buf), self._chunks, False)
        for i in range(len(self._stack) - 1, -1, -1):
            cv = _b3_parent(self._stack[i], cv, i == 0)
        return _B3_OUT.pack(*cv)

    def hexdigest(self):
        return self.digest().hex()


try:  # the third-party binding, if installed, is much faster; the self-test checks the pure one
    import blake3 as _blake3_binding
    if _blake3_binding.blake3(b"abc").hexdigest() != (
            "6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85"):
        _blake3_binding = None
except Exception:  # not installed (or not usable): the pure version runs
    _blake3_binding = None


def blake3_hasher():
    """A new BLAKE3 hasher (update, hexdigest)."""
    return _blake3_binding.blake3() if _blake3_binding is not None else Blake3()


# Known answers: "" and "abc" as published; "foo" from the blake3 crate's
# own tests; the inputs of bytes i % 251 (i = 0, 1, ...) are those of the
# official test vectors (test_vectors.json), hashed with the reference C
# implementation that ships in the blake3 crate (1.8.7, c/, portable code).
B3_KNOWN = [
    (b"", "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262"),
    (b"abc", "6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85"),
    (b"foo", "04e0bb39f30b1a3feb89f536c93be15055482df748674b00d26e5a75777702e9"),
    (1, "2d3adedff11b61f14c886e35afa036736dcd87a74d27b5c1510225d0f592e213"),
    (1023, "10108970eeda3eb932baac1428c7a2163b0e924c9a9e25b35bba72b28f70bd11"),
    (1024, "42214739f095a406f3fc83deb889744ac00df831c10daa55189b5d121c855af7"),
    (1025, "d00278ae47eb27b34faecf67b4fe263f82d5412916c1ffd97c8cb7fb814b8444"),
    (2048, "e776b6028c7cd22a4d0ba182a8bf62205d2ef576467e838ed6f2529b85fba24a"),
    (2049, "5f4d72f40d7a5f82b15ca2b2e44b1de3c2ef86c426c95c1af0b6879522563030"),
    (3073, "7124b49501012f81cc7f11ca069ec9226cecb8a2c850cfe644e327d22d3e1cd3"),
    (8193, "bab6c09cb8ce8cf459261398d2e7aef35700bf488116ceb94a36d0f5f1b7bc3b"),
    (31744, "62b6960e1a44bcc1eb1a611a8d6235b6b4b78f32e7abc4fb4c6cdcce94895c47"),
    (102400, "bc3e3d41a1146b069abffad3c0d44860cf664390afce4d9661f7902e7943e085"),
]


def blake3_self_test():
    """The problems of the pure BLAKE3 (an empty list when it is right)."""
    out = []
    for data, want in B3_KNOWN:
        if isinstance(data, int):
            data = bytes(i % 251 for i in range(data))
        got = Blake3(data).hexdigest()
        if got != want:
            out.append("BLAKE3 of %d bytes is %s, not %s" % (len(data), got, want))
        # The same bytes fed in uneven pieces (chunk and block edges fall inside them).
        h, pos, step = Blake3(), 0, 1
        while pos < len(data):
            h.update(data[pos:pos + step])
            pos, step = pos + step, step * 3 + 1
        if h.hexdigest() != want:
            out.append("BLAKE3 of %d bytes fed in pieces is %s, not %s" % (len(data), h.hexdigest(), want))
    if _blake3_binding is not None:
        data = bytes((i * 7 + 3) % 256 for i in range(5000))
        want = _blake3_binding.blake3(data).hexdigest()
        if Blake3(data).hexdigest() != want:
            out.append("BLAKE3 of 5000 bytes differs from the installed blake3 module")
    return out


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
    """(actor, change hash, dependency hashes, chunk data) of an Automerge
    change chunk (type 1, or type 2 = raw-DEFLATE compressed, whose data is
    given inflated), from its header only."""
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
    return actor, change_hash, deps, data


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
        self.view = None  # the export's "view", if it is an object
        self.signed_data = []  # the data of each Automerge change whose record's signature verified

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
    "change" (its change hash, or None), "deps" (the hashes it depends on)
    and "signed_data" (the Automerge change's data, inflated, if the record's
    signature verified; else None)."""
    out = {"problems": [], "notes": [], "acknowledged": False, "change": None, "deps": [], "signer": None,
           "signed_data": None}
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
            actor, change, deps, data = automerge_header(r["payload"])
            out["change"], out["deps"] = change, deps
            if not bad:
                out["signed_data"] = data
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
                   "acknowledged": False, "change": None, "deps": [], "signer": None, "signed_data": None}
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
        report.view = doc["view"]
        for p in check_view(doc["view"], v1=not ctx.v2):
            report.problem(p)
    report.signed_data = [res["signed_data"] for res in results if res["signed_data"] is not None]

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
# Verifying an evidence bundle
# --------------------------------------------------------------------------

ZIP_MAGIC = b"PK\x03\x04"
BUNDLE_EXPORT = "export.json"
MAX_BUNDLE_ENTRY = 2 << 30  # 2 GiB: the largest entry read (a scan file is at most that)
ZIP_PIECE = 1 << 20  # read and inflate an entry this much at a time
ZIP_LOCAL_HEADER = struct.Struct("<4s5H3L2H")  # 30 bytes


def zip_entry_pieces(fp, info):
    """The bytes of one zip entry, in pieces, read from its local header on
    (nothing is extracted to disk). Raises Bad if the entry is encrypted,
    neither stored nor deflated, truncated, inflates beyond the size the
    central directory states (or short of it), or fails its CRC-32."""
    if info.flag_bits & 1:
        raise Bad("it is encrypted")
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise Bad("compression method %d (only stored and deflated are read)" % info.compress_type)
    size = info.file_size
    fp.seek(info.header_offset)
    header = fp.read(ZIP_LOCAL_HEADER.size)
    if len(header) != ZIP_LOCAL_HEADER.size:
        raise Bad("its local header is truncated")
    magic, _, _, _, _, _, _, _, _, name_len, extra_len = ZIP_LOCAL_HEADER.unpack(header)
    if magic != ZIP_MAGIC:
        raise Bad("its local header is missing")
    raw_name = fp.read(name_len)
    local_name = raw_name.decode("utf-8" if info.flag_bits & 0x800 else "cp437", "replace")
    if local_name != info.orig_filename:
        raise Bad("its local header names it %s" % show(local_name))
    fp.seek(extra_len, 1)
    left = info.compress_size
    if info.compress_type == zipfile.ZIP_STORED and left != size:
        raise Bad("it is stored, yet its stored size %d differs from its size %d" % (left, size))
    inflater = zlib.decompressobj(-15) if info.compress_type == zipfile.ZIP_DEFLATED else None
    total, crc, pending = 0, 0, b""
    while True:
        if not pending and left:
            pending = fp.read(min(left, ZIP_PIECE))
            if not pending:
                raise Bad("it is truncated")
            left -= len(pending)
        if inflater is None:
            out, pending = pending, b""
        else:
            out = inflater.decompress(pending, ZIP_PIECE)
            pending = inflater.unconsumed_tail
        if out:
            total += len(out)
            if total > size:
                raise Bad("it inflates to more than its stated size of %d bytes" % size)
            crc = zlib.crc32(out, crc)
            yield out
        elif inflater is None or inflater.eof or (not pending and not left):
            break
    if inflater is not None:
        if not inflater.eof:
            raise Bad("its compressed data is truncated")
        if pending or left or inflater.unused_data:
            raise Bad("it has bytes after the end of its compressed data")
    if total != size:
        raise Bad("it holds %d bytes, not its stated %d" % (total, size))
    if crc != info.CRC:
        raise Bad("its CRC-32 does not match (the entry was altered or damaged)")


def view_images(view):
    """The scan images the export's view names: BLAKE3 hex -> what it is, in
    the words of `kordon verify` ("scan 1 (T_high.tif, high image, 420198
    bytes)"). Malformed parts are skipped (step 6 reports them)."""
    out = {}
    scans = view.get("scans") if isinstance(view, dict) else None
    for n, scan in enumerate(scans if isinstance(scans, list) else []):
        if not isinstance(scan, dict) or not isinstance(scan.get("images"), list):
            continue
        name = scan.get("name")
        for image in scan["images"]:
            if not isinstance(image, dict) or not isinstance(image.get("blob"), str):
                continue
            energy = image.get("energy") if isinstance(image.get("energy"), str) else ""
            out[image["blob"]] = "scan %d (%s%s image, %s bytes)" % (
                n + 1, name + ", " if isinstance(name, str) else "", energy, image.get("size"))
    return out


def is_hex64(s):
    return len(s) == 64 and all(ch in "0123456789abcdefABCDEF" for ch in s)


def verify_bundle(fp, pinned, evidence):
    """Checks an evidence bundle (a zip, read from the seekable binary file
    `fp`): its export.json as verify_export(), then every scan file against
    the BLAKE3 hashes the signed scan records state. Returns a Report."""
    try:
        archive = zipfile.ZipFile(fp)
        entries = archive.infolist()
    except Exception as e:  # BadZipFile, and whatever else a damaged directory raises
        report = Report(evidence)
        report.problem("not a readable zip: %s" % e)
        return report
    problems, warnings = [], []
    export, scans, seen = None, [], set()
    for i, info in enumerate(entries):
        name = info.orig_filename  # as written (zipfile's .filename stops at a NUL)
        if name in seen:
            problems.append("%s is in the bundle twice" % name)
            continue
        seen.add(name)
        if name.endswith(("/", "\\")):  # a directory
            continue
        if not (name == BUNDLE_EXPORT or name.startswith("scans/")):
            if not (name == "README.txt" or name.startswith("overviews/")):
                warnings.append("%s: not part of a Kordon bundle (not checked)" % name)
            continue
        if info.file_size > MAX_BUNDLE_ENTRY:
            problems.append("%s is larger than %d bytes" % (name, MAX_BUNDLE_ENTRY))
            continue
        try:
            if name == BUNDLE_EXPORT:
                export = b"".join(zip_entry_pieces(fp, info))
            else:
                h = blake3_hasher()
                for piece in zip_entry_pieces(fp, info):
                    h.update(piece)
                scans.append((name, h.hexdigest()))
        except (Bad, zlib.error, OSError, EOFError, ValueError, OverflowError) as e:
            problems.append("%s cannot be read from the zip: %s" % (name, e))
    if export is None:
        report = Report(evidence)
        for p in problems + ["the bundle has no %s" % BUNDLE_EXPORT]:
            report.problem(p)
        report.warnings += [one_line(w) for w in warnings]
        report.summary = "evidence bundle without an export, 0 scan files match their signed hashes"
        return report

    report = verify_export(export, pinned, evidence)
    images = view_images(report.view)
    matched, present = 0, set()
    for name, actual in scans:
        stated = name[len("scans/"):].split(".")[0]
        if not is_hex64(stated):
            problems.append("%s: a scan file is named by its BLAKE3 hash (64 hex digits)" % name)
            continue
        stated = stated.lower()
        if actual != stated:
            problems.append("%s was changed: its BLAKE3 is %s, not the %s the signed scan record states"
                            % (name, actual, stated))
            continue
        present.add(stated)  # the file is there, intact (whether or not it belongs)
        if stated not in images or not any(stated.encode() in d for d in report.signed_data):
            # It must be named by the view and found in the bytes of a change
            # whose signature verified (the view itself is not signed;
            # `kordon verify` rebuilds it from the records).
            problems.append("%s is not an image of this inspection's signed scan records" % name)
        else:
            matched += 1
    for p in problems:
        report.problem(p)
    report.warnings += [one_line(w) for w in warnings]  # a warning even with --evidence, as `kordon verify`
    for blob in sorted(images):
        if blob not in present:
            report.warn("%s is not in the bundle (scans/%s.*)" % (images[blob], blob))
    report.summary = "%s, %d scan file%s match%s %s signed hash%s" % (
        report.summary, matched, "" if matched == 1 else "s", "es" if matched == 1 else "",
        "its" if matched == 1 else "their", "" if matched == 1 else "es")
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


def self_test():
    """--self-test: the pure BLAKE3 against known answers."""
    problems = blake3_self_test()
    for p in problems:
        print("problem: " + p)
    if problems:
        print("SELF-TEST FAILED")
        return 1
    print("self-test: pure-Python BLAKE3 matches %d known answers%s" % (
        len(B3_KNOWN), " and the installed blake3 module" if _blake3_binding is not None else ""))
    return 0


def main(argv):
    parser = Parser(prog="verify_export.py", allow_abbrev=False,
                    description="Verify a Kordon export file or evidence bundle (docs/signed-records.md "
                                "section 5).")
    parser.add_argument("--server-key", metavar="HEX", help="the server's public key, pinned from outside the file")
    parser.add_argument("--evidence", action="store_true",
                        help="refuse what is otherwise a warning (unacknowledged records, no record-set statement, "
                             "a scan file missing from a bundle, ...)")
    parser.add_argument("--self-test", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("file", metavar="FILE", nargs="?")
    try:
        args = parser.parse_args(argv[1:])
        if args.self_test:
            return self_test()
        if args.file is None:
            raise UsageError("the file to verify is missing")
        pinned = parse_server_key(args.server_key) if args.server_key is not None else None
    except UsageError as e:
        print("usage: verify_export.py [--server-key HEX] [--evidence] FILE", file=sys.stderr)
        print("error: %s" % e, file=sys.stderr)
        return 2
    try:
        f = open(args.file, "rb")
    except OSError as e:
        print("error: cannot read %s: %s" % (args.file, e.strerror or e), file=sys.stderr)
        return 2

    with f:
        try:
            head = f.read(len(ZIP_MAGIC))
            bundle = head == ZIP_MAGIC  # an evidence bundle, read where it lies if it can be
            if bundle and f.seekable():
                f.seek(0)
                source = f
            else:
                data = head + f.read()
                source = io.BytesIO(data) if bundle else None
        except OSError as e:
            print("error: cannot read %s: %s" % (args.file, e.strerror or e), file=sys.stderr)
            return 2
        try:
            if bundle:
                report = verify_bundle(source, pinned, args.evidence)
            else:
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
