#!/usr/bin/env python3
"""Independent verifier for Kordon export files ("kordon-export/1").

An implementation of docs/signed-records.md that shares no code with the
Rust implementation and uses only the Python standard library. Ed25519
verification follows the RFC 8032 section 6 reference code, with the strict
checks of the spec (S < L, canonical point encodings, no small-order key or
R). It is slow (pure Python), which is fine for the few records of an export.

Usage:  python3 tools/verify_export.py EXPORT.json

For each record it checks: the base64, the record layout and limits (no
trailing bytes), the digest against the file's "id", the document id
against the file's "inspection", the file's signer/officer/created_ms
against the signed bytes, the Automerge change header (its actor must be
the signer), the signature, and the receipt if there is one (layout, record
id, server key equal to the file's "server_key", signature). It also checks
that every Automerge dependency of every change is in the export.

It does not decode Automerge changes beyond their header, so it does not
check the "view" section (`kordon verify` does), and it refuses compressed
Automerge changes (the vehicles never produce them).

Exit status: 0 everything verifies, 1 something does not, 2 unreadable input.
"""

import base64
import hashlib
import json
import sys

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
# Kordon formats
# --------------------------------------------------------------------------

RECORD_MAGIC = b"KREC"
RECORD_TAG = b"kordon/signed-record/v1"
RECEIPT_MAGIC = b"KRCP"
RECEIPT_TAG = b"kordon/receipt/v1"
RECEIPT_LEN = 149
MAX_OFFICER = 256
MAX_PAYLOAD = 4 * 1024 * 1024
EXPORT_FORMAT = "kordon-export/1"
I64_MIN, I64_MAX = -(2**63), 2**63 - 1


class Bad(Exception):
    """A check failed; the message says which and why."""


def domain_digest(tag, body):
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


def automerge_header(payload):
    """(actor, change hash, dependency hashes) of an uncompressed Automerge
    change chunk, from its header only."""
    c = Cursor(payload)
    if c.take(4, "Automerge magic") != b"\x85\x6f\x4a\x83":
        raise Bad("payload is not an Automerge chunk (bad magic)")
    c.take(4, "Automerge checksum")
    chunk_type = c.uint(1, "Automerge chunk type")
    if chunk_type == 2:
        raise Bad("payload is a compressed Automerge change; this tool cannot check its actor")
    if chunk_type != 1:
        raise Bad("payload is Automerge chunk type %d, not a change" % chunk_type)
    length = read_uleb(c, "Automerge chunk length")
    if length != c.remaining():
        raise Bad("Automerge chunk length %d does not match the %d bytes that follow" % (length, c.remaining()))
    deps = read_uleb(c, "Automerge dependency count")
    if deps > c.remaining() // 32:
        raise Bad("truncated: Automerge dependencies")
    deps = [c.take(32, "Automerge dependencies") for _ in range(deps)]
    actor_len = read_uleb(c, "Automerge actor length")
    if actor_len > c.remaining():
        raise Bad("truncated: Automerge actor")
    actor = c.take(actor_len, "Automerge actor")
    change_hash = hashlib.sha256(payload[8:]).digest()  # type, length, data
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


def parse_hex32(s):
    if len(s) != 64:
        return None
    try:
        return bytes.fromhex(s)
    except ValueError:
        return None


def parse_uuid(s):
    parts = s.split("-")
    if [len(x) for x in parts] != [8, 4, 4, 4, 12]:
        return None
    try:
        return bytes.fromhex("".join(parts))
    except ValueError:
        return None


def fmt_uuid(b):
    h = b.hex()
    return "-".join([h[0:8], h[8:12], h[12:16], h[16:20], h[20:32]])


def show(s):
    """A file-supplied string, safe to print on one line."""
    if len(s) == 64 and all(ch in "0123456789abcdef" for ch in s):
        return s
    return json.dumps(s)[:80]


# --------------------------------------------------------------------------
# The export file
# --------------------------------------------------------------------------


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool) and I64_MIN <= v <= I64_MAX


def check_shape(doc):
    """Raises ValueError if `doc` is not shaped like an export file."""
    if not isinstance(doc, dict):
        raise ValueError("the top level is not an object")
    for key, ok in (
        ("format", lambda v: isinstance(v, str)),
        ("inspection", lambda v: isinstance(v, str)),
        ("exported_ms", is_int),
        ("records", lambda v: isinstance(v, list)),
        ("view", lambda v: isinstance(v, dict)),
    ):
        if key not in doc or not ok(doc[key]):
            raise ValueError("missing or mistyped field " + json.dumps(key))
    if doc.get("server_key") is not None and not isinstance(doc["server_key"], str):
        raise ValueError('"server_key" is neither a string nor null')
    for i, rec in enumerate(doc["records"]):
        if not isinstance(rec, dict):
            raise ValueError("records[%d] is not an object" % i)
        for key in ("id", "signer", "officer", "record"):
            if not isinstance(rec.get(key), str):
                raise ValueError("records[%d].%s is missing or not a string" % (i, key))
        if not is_int(rec.get("created_ms")):
            raise ValueError("records[%d].created_ms is missing or not a 64-bit integer" % i)
        if rec.get("receipt") is not None and not isinstance(rec["receipt"], str):
            raise ValueError("records[%d].receipt is neither a string nor null" % i)


def check_receipt(receipt, r, server_key, server_key_problem, counts):
    """Problems with one base64 receipt for parsed record `r` (or None)."""
    counts["receipts_present"] += 1
    try:
        c = parse_receipt(b64decode_strict(receipt, "receipt"))
    except Bad as e:
        return [str(e)], None
    problems = []
    if r is not None and c["record_id"] != r["id"]:
        problems.append("receipt is for record %s, not this one" % c["record_id"].hex())
    if server_key is None:
        problems.append("receipt present but " + server_key_problem)
    elif c["server"] != server_key:
        problems.append("receipt signed by %s, not by the file's server_key" % c["server"].hex())
    else:
        bad_sig = ed25519_verify_strict(c["server"], c["digest"], c["signature"])
        if bad_sig:
            problems.append("receipt signature: " + bad_sig)
    if problems or r is None:
        return problems, None
    counts["receipts"] += 1
    return [], "receipt seq %d" % c["seq"]


def check_record(rec, doc_id, server_key, server_key_problem, counts):
    """(problems, note, Automerge header or None) for one entry of "records"."""
    problems, header = [], None
    try:
        r = parse_record(b64decode_strict(rec["record"], "record"))
    except Bad as e:
        problems.append(str(e))
        r = None
    if r is not None:
        if r["id"].hex() != rec["id"]:
            problems.append("id in file does not match the record bytes (digest is %s)" % r["id"].hex())
        if doc_id is not None and r["doc_id"] != doc_id:
            problems.append("record belongs to document %s, not to this inspection" % fmt_uuid(r["doc_id"]))
        if r["signer"].hex() != rec["signer"]:
            problems.append("signer in file does not match the record (%s)" % r["signer"].hex())
        if r["officer"] != rec["officer"]:
            problems.append("officer in file does not match the record (%s)" % json.dumps(r["officer"]))
        if r["created_ms"] != rec["created_ms"]:
            problems.append("created_ms in file does not match the record (%d)" % r["created_ms"])
        bad_sig = ed25519_verify_strict(r["signer"], r["id"], r["signature"])
        if bad_sig:
            problems.append("record signature: " + bad_sig)
        else:
            counts["signatures"] += 1
        try:
            header = automerge_header(r["payload"])
            if header[0] != r["signer"]:
                problems.append("Automerge actor %s is not the signer" % header[0].hex())
        except Bad as e:
            problems.append(str(e))
    if rec.get("receipt") is None:
        return problems, "no receipt", header
    more, note = check_receipt(rec["receipt"], r, server_key, server_key_problem, counts)
    return problems + more, note, header


def main(argv):
    if len(argv) != 2:
        print("usage: verify_export.py EXPORT.json", file=sys.stderr)
        return 2
    path = argv[1]
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        print("error: cannot read %s: %s" % (path, e.strerror or e), file=sys.stderr)
        return 2
    try:
        doc = json.loads(data.decode("utf-8"))
        check_shape(doc)
    except (UnicodeDecodeError, ValueError, RecursionError) as e:
        print("error: %s is not a Kordon export: %s" % (path, e), file=sys.stderr)
        return 2

    if doc["format"] != EXPORT_FORMAT:
        print("FAIL: unknown format %s (this tool reads %s)" % (json.dumps(doc["format"])[:80], EXPORT_FORMAT))
        return 1

    file_problems = []
    doc_id = parse_uuid(doc["inspection"])
    if doc_id is None:
        file_problems.append("inspection %s is not a UUID" % json.dumps(doc["inspection"])[:80])
    server_key, server_key_problem = None, "the file has no server_key"
    if doc.get("server_key") is not None:
        server_key = parse_hex32(doc["server_key"])
        if server_key is None:
            server_key_problem = "server_key is not 32 bytes of hex"
            file_problems.append(server_key_problem)
        else:
            problem = check_public_key(server_key)
            if problem:
                server_key_problem = "server_key is " + problem
                file_problems.append(server_key_problem)
                server_key = None
    if not doc["records"]:
        file_problems.append("the export holds no records")
    for p in file_problems:
        print("FAIL: " + p)

    counts = {"signatures": 0, "receipts": 0, "receipts_present": 0}
    results = [check_record(rec, doc_id, server_key, server_key_problem, counts) for rec in doc["records"]]
    # Completeness: every Automerge dependency must be one of the exported changes.
    present = {h[1] for _, _, h in results if h is not None}
    for problems, _, h in results:
        for dep in h[2] if h is not None else []:
            if dep not in present:
                problems.append("depends on Automerge change %s, which is not in the export" % dep.hex())
    failed = 0
    for rec, (problems, note, _) in zip(doc["records"], results):
        if problems:
            failed += 1
            print("FAIL %s: %s" % (show(rec["id"]), "; ".join(problems)))
        else:
            print("ok %s (%s)" % (rec["id"], note))

    n = len(doc["records"])
    print(
        "%d records: %d ok, %d failed; signatures valid %d/%d; receipts valid %d/%d; %s"
        % (n, n - failed, failed, counts["signatures"], n, counts["receipts"], counts["receipts_present"],
           "VERIFIED" if not failed and not file_problems else "NOT VERIFIED")
    )
    print("(not checked here: the \"view\" section, which `kordon verify` rebuilds from the changes)")
    return 0 if not failed and not file_problems else 1


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except (KeyboardInterrupt, BrokenPipeError):
        sys.exit(2)
    except Exception as e:  # never a traceback: report and treat as unreadable
        print("error: unexpected failure: %s: %s" % (type(e).__name__, e), file=sys.stderr)
        sys.exit(2)
