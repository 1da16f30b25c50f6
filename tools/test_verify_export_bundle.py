#!/usr/bin/env python3
"""Tests of the evidence-bundle part of tools/verify_export.py: the pure
BLAKE3 and the zip checks, on bundles made here (their export is not a
signed one, so only the bundle's own problems are looked at).

    python3 tools/test_verify_export_bundle.py

With KORDON_BUNDLE=path/to/bundle.zip and KORDON_SERVER_KEY=HEX (a real
bundle, e.g. from `kordon-server bundle`), it also checks that the bundle
verifies and that a changed byte of a scan file, a missing scan file and a
changed record are each named.
"""

import copy
import io
import json
import os
import struct
import sys
import unittest
import zipfile
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import verify_export as v  # noqa: E402

JUNK = bytes((i * 31 + 7) % 256 for i in range(5000))  # 5 chunks: a tree of parents
JUNK_HASH = v.Blake3(JUNK).hexdigest()


def make_zip(entries, method=zipfile.ZIP_STORED):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as z:
        for name, data in entries:
            z.writestr(name, data)
    return buf.getvalue()


def check(data, evidence=False, pinned=None):
    report = v.verify_bundle(io.BytesIO(data), pinned, evidence)
    return report.problems, report.warnings


def patch_central(data, name, offset, fmt, value):
    """Sets a field of `name`'s central directory entry."""
    data, pos = bytearray(data), 0
    while True:
        pos = data.index(b"PK\x01\x02", pos)
        n = struct.unpack_from("<H", data, pos + 28)[0]
        if bytes(data[pos + 46:pos + 46 + n]) == name.encode():
            struct.pack_into(fmt, data, pos + offset, value)
            return bytes(data)
        pos += 4


class Blake3Test(unittest.TestCase):
    def test_known_answers(self):
        self.assertEqual(v.blake3_self_test(), [])

    def test_pieces(self):
        h = v.Blake3()
        for i in range(0, len(JUNK), 100):
            h.update(JUNK[i:i + 100])
        self.assertEqual(h.hexdigest(), JUNK_HASH)
        self.assertEqual(v.Blake3(bytearray(JUNK)).hexdigest(), JUNK_HASH)


class BundleTest(unittest.TestCase):
    EXPORT = json.dumps({"format": "kordon-export/2", "view": {"scans": [{
        "name": "T.tif", "images": [{"blob": JUNK_HASH, "energy": "high", "size": len(JUNK)}]}]}}).encode()

    def test_not_a_zip(self):
        problems, _ = check(b"PK\x03\x04" + b"\0" * 64)
        self.assertEqual(len(problems), 1)
        self.assertTrue(problems[0].startswith("not a readable zip: "), problems)

    def test_truncated(self):
        data = make_zip([("export.json", self.EXPORT)])
        problems, _ = check(data[:len(data) // 2])
        self.assertTrue(problems[0].startswith("not a readable zip: "), problems)

    def test_no_export(self):
        problems, _ = check(make_zip([("README.txt", b"hi")]))
        self.assertEqual(problems, ["the bundle has no export.json"])

    def test_scan_names_and_hashes(self):
        changed = bytearray(JUNK)
        changed[2500] ^= 1
        data = make_zip([("export.json", self.EXPORT), ("scans/%s.tif" % JUNK_HASH, bytes(changed)),
                         ("scans/nothash.tif", b"x"), ("overviews/a.png", b"p"), ("README.txt", b"r"),
                         ("extra.bin", b"e")])
        problems, warnings = check(data)
        self.assertIn("scans/%s.tif was changed: its BLAKE3 is %s, not the %s the signed scan record states"
                      % (JUNK_HASH, v.Blake3(bytes(changed)).hexdigest(), JUNK_HASH), problems)
        self.assertIn("scans/nothash.tif: a scan file is named by its BLAKE3 hash (64 hex digits)", problems)
        self.assertIn("extra.bin: not part of a Kordon bundle (not checked)", warnings)
        self.assertIn("scan 1 (T.tif, high image, 5000 bytes) is not in the bundle (scans/%s.*)" % JUNK_HASH,
                      warnings)
        self.assertFalse(any("overviews" in w or "README" in w for w in warnings + problems))

    def test_missing_image_with_evidence(self):
        problems, _ = check(make_zip([("export.json", self.EXPORT)]), evidence=True)
        self.assertIn("scan 1 (T.tif, high image, 5000 bytes) is not in the bundle (scans/%s.*)" % JUNK_HASH,
                      problems)

    def test_intact_but_unsigned(self):
        # The file hashes to its name, but no verified record states it.
        data = make_zip([("export.json", self.EXPORT), ("scans/%s.tif" % JUNK_HASH, JUNK)])
        problems, warnings = check(data)
        self.assertIn("scans/%s.tif is not an image of this inspection's signed scan records" % JUNK_HASH, problems)
        self.assertFalse(any("is not in the bundle" in w for w in warnings))

    def test_duplicate(self):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("export.json", self.EXPORT)
            import warnings
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                z.writestr("export.json", b"{}")
        problems, _ = check(buf.getvalue())
        self.assertIn("export.json is in the bundle twice", problems)

    def test_inflates_beyond_stated_size(self):
        data = make_zip([("export.json", self.EXPORT)], zipfile.ZIP_DEFLATED)
        short = len(self.EXPORT) - 10
        data = patch_central(data, "export.json", 24, "<L", short)
        data = patch_central(data, "export.json", 16, "<L", zlib.crc32(self.EXPORT[:short]))
        problems, _ = check(data)
        self.assertIn("export.json cannot be read from the zip: it inflates to more than its stated size of %d bytes"
                      % short, problems)

    def test_crc(self):
        data = bytearray(make_zip([("export.json", self.EXPORT), ("scans/%s.tif" % JUNK_HASH, JUNK)]))
        data[data.index(JUNK) + 10] ^= 1
        problems, _ = check(bytes(data))
        self.assertTrue(any("cannot be read from the zip: its CRC-32 does not match" in p for p in problems), problems)

    def test_encrypted_and_method(self):
        data = make_zip([("export.json", self.EXPORT)])
        problems, _ = check(patch_central(data, "export.json", 8, "<H", 1))
        self.assertIn("export.json cannot be read from the zip: it is encrypted", problems)
        problems, _ = check(patch_central(data, "export.json", 10, "<H", 12))
        self.assertTrue(any("compression method 12" in p for p in problems), problems)

    def test_too_large(self):
        data = make_zip([("export.json", self.EXPORT)])
        old = v.MAX_BUNDLE_ENTRY
        v.MAX_BUNDLE_ENTRY = 100
        try:
            problems, _ = check(data)
        finally:
            v.MAX_BUNDLE_ENTRY = old
        self.assertIn("export.json is larger than 100 bytes", problems)


@unittest.skipUnless(os.environ.get("KORDON_BUNDLE") and os.environ.get("KORDON_SERVER_KEY"),
                     "set KORDON_BUNDLE and KORDON_SERVER_KEY to check a real bundle")
class RealBundleTest(unittest.TestCase):
    def setUp(self):
        with open(os.environ["KORDON_BUNDLE"], "rb") as f:
            self.data = f.read()
        self.key = bytes.fromhex(os.environ["KORDON_SERVER_KEY"])
        src = zipfile.ZipFile(io.BytesIO(self.data))
        self.infos = src.infolist()
        self.contents = {i.filename: src.read(i) for i in self.infos}
        self.scans = [i.filename for i in self.infos if i.filename.startswith("scans/")]

    def rewrite(self, change=lambda name, data: data, drop=()):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            for i in self.infos:
                if i.filename not in drop:
                    z.writestr(copy.copy(i), change(i.filename, self.contents[i.filename]))
        return buf.getvalue()

    def test_verifies(self):
        for evidence in (False, True):
            problems, _ = check(self.data, evidence, self.key)
            self.assertEqual(problems, [])

    def test_changed_scan_byte(self):
        def flip(name, data):
            if name == self.scans[0]:
                data = bytearray(data)
                data[len(data) // 2] ^= 1
            return bytes(data)
        problems, _ = check(self.rewrite(flip), False, self.key)
        self.assertTrue(any(p.startswith(self.scans[0] + " was changed: its BLAKE3 is ") for p in problems), problems)

    def test_missing_scan(self):
        data = self.rewrite(drop=(self.scans[0],))
        problems, warnings = check(data, False, self.key)
        self.assertEqual(problems, [])
        self.assertTrue(any("is not in the bundle" in w for w in warnings))
        problems, _ = check(data, True, self.key)
        self.assertTrue(any("is not in the bundle" in p for p in problems))

    def test_changed_record(self):
        def flip(name, data):
            if name == "export.json":
                import base64
                doc = json.loads(data)
                raw = bytearray(base64.b64decode(doc["records"][0]["record"]))
                raw[-1] ^= 1
                doc["records"][0]["record"] = base64.b64encode(bytes(raw)).decode()
                data = json.dumps(doc).encode()
            return data
        problems, _ = check(self.rewrite(flip), False, self.key)
        self.assertTrue(any(p.startswith("record 0 ") for p in problems), problems)


if __name__ == "__main__":
    unittest.main()
