"""DICONDE files written and read by pydicom, an implementation that is not ours.

    python pydicom_cross_check.py OUT_DIR OURS.dcm WIDTH HEIGHT

Writes one file per case into OUT_DIR and `manifest.json`, which gives for
each file the size and the values a reader must give back (after the
documented conversions: MONOCHROME1 flipped within Bits Stored, signed
samples moved up by half their range). Then reads OURS.dcm, written by
kordon-xraysim, and checks that pydicom finds a 16-bit MONOCHROME2 image of
WIDTH x HEIGHT whose values are the simulator's formula: value i is
(i * 4099) mod 65536. Exits non-zero with the reason if anything differs.
"""

import json
import struct
import sys
from pathlib import Path

import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import (
    ExplicitVRBigEndian,
    ExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
)

DX = "1.2.840.10008.5.1.4.1.1.1.1"


def ramp(n, bits, signed):
    """n values spread over the range of `bits` stored bits."""
    span = 1 << bits
    lo = -(span // 2) if signed else 0
    return [lo + (i * 7919) % span for i in range(n)]


def expected(values, bits, signed, monochrome1):
    mask = (1 << bits) - 1
    out = []
    for v in values:
        if signed:
            v = v + (1 << (bits - 1))
        if monochrome1:
            v = mask - v
        out.append(v)
    return out


def write(path, syntax, width, height, allocated, stored, signed, photometric, values, sequence):
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = DX
    meta.MediaStorageSOPInstanceUID = "2.25.%d" % (abs(hash(path.name)) + 1)
    meta.TransferSyntaxUID = syntax
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = DX
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.Modality = "DX"
    ds.PatientName = "Component^Container MSCU 123456-7"
    if sequence:
        item = Dataset()
        item.ReferencedSOPClassUID = DX
        item.ReferencedSOPInstanceUID = "1.2.3.4"
        # A Rows inside an item must not be taken for the image's.
        item.Rows = 9999
        ds.ReferencedImageSequence = Sequence([item, Dataset()])
        if sequence == "undefined":
            # Lengths left to delimiters, as many scanners write them.
            ds["ReferencedImageSequence"].is_undefined_length = True
            for each in ds.ReferencedImageSequence:
                each.is_undefined_length_sequence_item = True
    ds.Rows = height
    ds.Columns = width
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = photometric
    ds.BitsAllocated = allocated
    ds.BitsStored = stored
    ds.HighBit = stored - 1
    ds.PixelRepresentation = 1 if signed else 0
    big = syntax == ExplicitVRBigEndian
    if allocated == 16:
        fmt = (">" if big else "<") + ("h" if signed else "H") * len(values)
        data = struct.pack(fmt, *values)
    else:
        data = bytes((v & 0xFF) for v in values)
    if len(data) % 2:
        data += b"\0"
    ds.PixelData = data
    ds["PixelData"].VR = "OW" if allocated == 16 else "OB"
    ds.save_as(path, enforce_file_format=True)


def main():
    out_dir, ours, width, height = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    cases = [
        ("explicit-le-16", ExplicitVRLittleEndian, 16, 16, False, "MONOCHROME2", None),
        ("implicit-le-16-sequence", ImplicitVRLittleEndian, 16, 16, False, "MONOCHROME2", "undefined"),
        ("explicit-le-12-sequence", ExplicitVRLittleEndian, 16, 12, False, "MONOCHROME2", "defined"),
        ("explicit-le-16-undefined-sequence", ExplicitVRLittleEndian, 16, 16, False, "MONOCHROME2", "undefined"),
        ("explicit-be-16", ExplicitVRBigEndian, 16, 16, False, "MONOCHROME2", None),
        ("explicit-le-14-monochrome1", ExplicitVRLittleEndian, 16, 14, False, "MONOCHROME1", None),
        ("explicit-le-16-signed", ExplicitVRLittleEndian, 16, 16, True, "MONOCHROME2", None),
        ("implicit-le-12-signed", ImplicitVRLittleEndian, 16, 12, True, "MONOCHROME2", None),
        ("explicit-le-8", ExplicitVRLittleEndian, 8, 8, False, "MONOCHROME2", None),
    ]
    manifest = []
    w, h = 7, 5
    for name, syntax, allocated, stored, signed, photometric, sequence in cases:
        values = ramp(w * h, stored, signed)
        path = out_dir / (name + ".dcm")
        write(path, syntax, w, h, allocated, stored, signed, photometric, values, sequence)
        back = pydicom.dcmread(path)
        if str(back.file_meta.TransferSyntaxUID) != syntax:
            sys.exit("%s: written as %s, not %s" % (name, back.file_meta.TransferSyntaxUID, syntax))
        manifest.append({
            "file": path.name,
            "width": w,
            "height": h,
            "bits": allocated,
            "values": expected(values, stored, signed, photometric == "MONOCHROME1"),
        })
    (out_dir / "manifest.json").write_text(json.dumps(manifest))

    ds = pydicom.dcmread(ours)
    problems = []
    if str(ds.file_meta.TransferSyntaxUID) != ExplicitVRLittleEndian:
        problems.append("transfer syntax %s" % ds.file_meta.TransferSyntaxUID)
    if str(ds.SOPClassUID) != DX or ds.file_meta.MediaStorageSOPClassUID != ds.SOPClassUID:
        problems.append("SOP class %s / %s" % (ds.SOPClassUID, ds.file_meta.MediaStorageSOPClassUID))
    if ds.file_meta.MediaStorageSOPInstanceUID != ds.SOPInstanceUID:
        problems.append("instance UIDs differ")
    got = (ds.Rows, ds.Columns, ds.SamplesPerPixel, ds.PhotometricInterpretation,
           ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation)
    want = (height, width, 1, "MONOCHROME2", 16, 16, 15, 0)
    if got != want:
        problems.append("pixel module %r, expected %r" % (got, want))
    pixels = struct.pack("<%dH" % (width * height), *[(i * 4099) % 65536 for i in range(width * height)])
    if ds.PixelData != pixels:
        problems.append("pixel data differs (%d bytes, expected %d)" % (len(ds.PixelData), len(pixels)))
    if problems:
        sys.exit("%s, as pydicom reads it: %s" % (ours, "; ".join(problems)))
    print("pydicom wrote %d files and read %s (%d x %d) as written" % (len(cases), ours.name, width, height))


if __name__ == "__main__":
    main()
