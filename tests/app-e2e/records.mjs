// Signed records read byte by byte (docs/signed-records.md), without the
// Rust crates: the layout, the Ed25519 signature over the domain-separated
// digest, and the operation named in the Automerge change's message
// ("create by OF-1742", kordon-model's `commit`).

import { createHash, createPublicKey, verify as verifySignature } from "node:crypto";

function check(cond, msg) {
  if (!cond) throw new Error(`signed record: ${msg}`);
}

/** Reads a signed record (docs/signed-records.md section 2) and its Automerge change's message. */
export function parseRecord(bytes) {
  let o = 0;
  const take = (n) => {
    if (o + n > bytes.length) throw new Error(`record truncated at ${o}+${n}`);
    const b = bytes.subarray(o, o + n);
    o += n;
    return b;
  };
  check(take(4).toString("latin1") === "KREC", "record magic KREC");
  check(take(1)[0] === 1 && take(1)[0] === 1, "record version 1, kind 1");
  const docId = take(16).toString("hex");
  const signer = take(32);
  const createdMs = Number(take(8).readBigInt64BE());
  const officer = take(take(2).readUInt16BE()).toString("utf8");
  const payload = take(take(4).readUInt32BE());
  const bodyEnd = o;
  const signature = take(64);
  check(o === bytes.length, "nothing after the signature");
  const digest = createHash("sha256")
    .update(Buffer.from([23]))
    .update("kordon/signed-record/v1")
    .update(bytes.subarray(0, bodyEnd))
    .digest();
  const key = createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: signer.toString("base64url") }, format: "jwk" });
  const valid = verifySignature(null, digest, key, signature);
  return { docId, signer: signer.toString("hex"), createdMs, officer, valid, id: digest.toString("hex"), message: changeMessage(payload) };
}

/** The message of an uncompressed Automerge change chunk ("op by OFFICER", kordon-model's commit). */
export function changeMessage(p) {
  let o = 0;
  const uleb = () => {
    let v = 0n;
    let shift = 0n;
    for (;;) {
      const b = p[o++];
      if (b === undefined) throw new Error("change truncated");
      v |= BigInt(b & 0x7f) << shift;
      shift += 7n;
      if ((b & 0x80) === 0) return v;
    }
  };
  check(p.subarray(0, 4).toString("hex") === "856f4a83", "Automerge magic");
  o = 8;
  check(p[o++] === 1, "an uncompressed change chunk (type 1)");
  uleb(); // data length
  const deps = Number(uleb());
  o += 32 * deps;
  const actorLen = Number(uleb()); // (not `o += uleb()`: that adds to o as it was before reading)
  o += actorLen;
  uleb(); // seq
  uleb(); // start op
  uleb(); // time (signed LEB128; only skipped)
  const len = Number(uleb());
  check(o + len <= p.length, "message within the change");
  return p.subarray(o, o + len).toString("utf8");
}

