//! A bound on what a change may decode to, checked on its bytes before
//! Automerge sees them.
//!
//! Automerge's columns are run-length encoded: a few bytes may claim a run
//! of billions of operations, and Automerge 0.12 decodes such a column
//! into memory (a 121-byte input took more than 2 GB under the fuzzer).
//! Its parser also accepts every kind of chunk before it refuses what is
//! not a change. So a change from outside must be a plain change chunk
//! (type 1: Kordon writes changes uncompressed), with no compressed
//! column, and no column may claim more rows than [`max_rows`] allows for
//! its size. The layout read here is the change chunk of the Automerge
//! binary format: header, dependencies, actor, sequence, start op, time,
//! message, other actors, column metadata, column data.

/// Most rows a column of a change of `len` bytes may claim. A change Kordon
/// writes never has more operations than bytes (every operation carries a
/// key or a value of its own); four times that leaves room and still
/// bounds the decoded size by the record's.
pub fn max_rows(len: usize) -> u64 {
    4 * len as u64 + 4096
}

const MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];
const CHANGE_CHUNK: u8 = 1;

/// Checks the bound; `Err` says in words what is wrong.
pub fn check(bytes: &[u8]) -> Result<(), String> {
    if bytes.len() < 9 || bytes[..4] != MAGIC {
        return Err("not an Automerge chunk".into());
    }
    if bytes[8] != CHANGE_CHUNK {
        return Err(format!("chunk type {} is not a plain change", bytes[8]));
    }
    let mut r = Reader {
        bytes: &bytes[9..],
        pos: 0,
    };
    let len = r.uleb()?;
    if len != r.remaining() as u64 {
        return Err("chunk length does not match its bytes".into());
    }
    let deps = r.uleb()?;
    r.skip(deps.checked_mul(32).ok_or("too many dependencies")?)?;
    let actor = r.uleb()?;
    r.skip(actor)?;
    r.uleb()?; // seq
    r.uleb()?; // start op
    r.sleb()?; // time
    let message = r.uleb()?;
    r.skip(message)?;
    let others = r.uleb()?;
    for _ in 0..others {
        let n = r.uleb()?;
        r.skip(n)?;
    }
    let columns = r.uleb()?;
    if columns > r.remaining() as u64 {
        return Err("more columns than bytes".into());
    }
    let mut specs = Vec::with_capacity(columns as usize);
    for _ in 0..columns {
        specs.push((r.uleb()?, r.uleb()?));
    }
    let limit = max_rows(bytes.len());
    for (spec, len) in specs {
        let data = r.take(len)?;
        if spec & 8 != 0 {
            return Err("a compressed column".into());
        }
        let rows = column_rows(spec & 7, data)?;
        if rows > limit {
            return Err(format!(
                "a column claims {rows} rows, more than {limit} for a change of {} bytes",
                bytes.len()
            ));
        }
    }
    Ok(())
}

/// Rows a column encodes, by its type (the low three bits of its spec).
fn column_rows(kind: u64, data: &[u8]) -> Result<u64, String> {
    let mut r = Reader {
        bytes: data,
        pos: 0,
    };
    let mut rows: u64 = 0;
    let add = |rows: u64, n: u64| rows.checked_add(n).ok_or("row count overflows");
    match kind {
        // Raw values: their lengths are in the metadata column.
        7 => {}
        // Booleans: alternating run lengths.
        4 => {
            while r.remaining() > 0 {
                rows = add(rows, r.uleb()?)?;
            }
        }
        // Run-length encoded: a run of one value, a literal run, or nulls.
        _ => {
            while r.remaining() > 0 {
                let count = r.sleb()?;
                if count > 0 {
                    r.value(kind)?;
                    rows = add(rows, count as u64)?;
                } else if count < 0 {
                    let n = count.unsigned_abs();
                    if n > r.remaining() as u64 {
                        return Err("a literal run longer than its column".into());
                    }
                    for _ in 0..n {
                        r.value(kind)?;
                    }
                    rows = add(rows, n)?;
                } else {
                    rows = add(rows, r.uleb()?)?;
                }
            }
        }
    }
    Ok(rows)
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn remaining(&self) -> usize {
        self.bytes.len() - self.pos
    }

    fn take(&mut self, n: u64) -> Result<&'a [u8], String> {
        if n > self.remaining() as u64 {
            return Err("the change ends early".into());
        }
        let start = self.pos;
        self.pos += n as usize;
        Ok(&self.bytes[start..self.pos])
    }

    fn skip(&mut self, n: u64) -> Result<(), String> {
        self.take(n).map(|_| ())
    }

    fn byte(&mut self) -> Result<u8, String> {
        Ok(self.take(1)?[0])
    }

    fn uleb(&mut self) -> Result<u64, String> {
        let mut value: u64 = 0;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            value |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err("a number longer than 64 bits".into())
    }

    fn sleb(&mut self) -> Result<i64, String> {
        let mut value: i64 = 0;
        let mut shift = 0;
        loop {
            let b = self.byte()?;
            if shift >= 64 {
                return Err("a number longer than 64 bits".into());
            }
            value |= i64::from(b & 0x7f) << shift;
            shift += 7;
            if b & 0x80 == 0 {
                if shift < 64 && b & 0x40 != 0 {
                    value |= -1i64 << shift;
                }
                return Ok(value);
            }
        }
    }

    /// One value of a run-length encoded column of type `kind`.
    fn value(&mut self, kind: u64) -> Result<(), String> {
        match kind {
            3 => self.sleb().map(|_| ()),
            5 => {
                let n = self.uleb()?;
                self.skip(n)
            }
            _ => self.uleb().map(|_| ()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::*;

    /// Changes as Kordon makes them: an inspection's genesis, decisions
    /// with reasons, notes.
    fn some_changes() -> Vec<Vec<u8>> {
        let officer = OfficerId::new("OF-17").expect("officer");
        let new = crate::doc::tests::sample();
        let mut doc =
            InspectionDoc::create(&[1; 32], InspectionId::random(), &new, &officer, 1_000)
                .expect("create");
        let mut out = vec![doc.last_change().expect("genesis")];
        for (i, outcome) in [Outcome::Refer, Outcome::Detain, Outcome::Release]
            .into_iter()
            .enumerate()
        {
            let d = NewDecision {
                outcome,
                reasons: ["DENSITY_ANOMALY", "SEAL_BROKEN", "MANIFEST"][..=i]
                    .iter()
                    .map(|r| ReasonCode::new(r).expect("reason"))
                    .collect(),
                note: "n".repeat(i * 300),
            };
            doc.decide(&d, &officer, 2_000 + i as i64).expect("decide");
            out.push(doc.last_change().expect("decision"));
        }
        out
    }

    #[test]
    fn changes_kordon_makes_pass() {
        for change in some_changes() {
            assert_eq!(check(&change), Ok(()));
        }
    }

    #[test]
    fn a_run_of_billions_and_other_chunk_types_are_refused() {
        let change = some_changes().remove(0);
        // Another chunk type, and a truncated change.
        let mut bundle = change.clone();
        bundle[8] = 3;
        assert!(check(&bundle).is_err());
        assert!(check(&change[..change.len() - 1]).is_err());
        // The fuzzer's input: a short chunk claiming gigabytes.
        let bomb = include_bytes!(
            "../../../fuzz/regressions/change/automerge-decodes-a-short-change-into-gigabytes"
        );
        assert!(check(bomb).is_err());
        // A column claiming more rows than the bound.
        let mut r = Reader { bytes: &[], pos: 0 };
        assert!(r.uleb().is_err());
        let mut run = vec![];
        leb(&mut run, 1 << 40);
        run.push(1);
        assert_eq!(column_rows(2, &run), Ok(1u64 << 40));
    }

    fn leb(out: &mut Vec<u8>, mut v: u64) {
        // Signed LEB of a positive number (the run count).
        loop {
            let b = (v & 0x7f) as u8;
            v >>= 7;
            if v == 0 && b & 0x40 == 0 {
                out.push(b);
                return;
            }
            out.push(b | 0x80);
        }
    }
}
