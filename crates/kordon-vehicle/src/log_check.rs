//! Checking the server's transparency log at every sync: its new
//! checkpoint must be signed by the pinned server key and extend the last
//! one this vehicle holds (`docs/transparency-log.md`). A server whose log
//! was rolled back (restored from an older copy) or rewritten is refused,
//! loudly, and this vehicle keeps the checkpoint that proves it.

use crate::{meta, Vehicle, VehicleError};
use kordon_record::{Checkpoint, PublicKey};

impl Vehicle {
    /// The size of the checkpoint held (0: none yet).
    pub(crate) fn known_log_size(&self) -> Result<u64, VehicleError> {
        Ok(self
            .store
            .get_meta(meta::LOG_CHECKPOINT)?
            .and_then(|t| Checkpoint::parse(&t).ok())
            .map(|c| c.size)
            .unwrap_or(0))
    }

    /// Checks the server's checkpoint and consistency proof; keeps the
    /// checkpoint when they hold.
    pub(crate) fn check_server_log(
        &mut self,
        server: &PublicKey,
        text: &str,
        proof: &[[u8; 32]],
    ) -> Result<Checkpoint, VehicleError> {
        let bad = |m: String| VehicleError::ServerLog(m);
        let cp = Checkpoint::parse(text).map_err(|e| bad(e.to_string()))?;
        cp.verify(server).map_err(|e| {
            bad(format!(
                "its checkpoint is not signed by the enrolled server: {e}"
            ))
        })?;
        if let Some(held) = self.store.get_meta(meta::LOG_CHECKPOINT)? {
            let held = Checkpoint::parse(&held)
                .map_err(|e| bad(format!("the checkpoint held here: {e}")))?;
            if cp.size < held.size {
                return Err(bad(format!(
                    "its log now has {} entries, but this vehicle holds its signed checkpoint of {} entries (time {}): the server's history was rolled back, e.g. restored from an older copy of its data. If it was restored from a backup on purpose, `kordon sync --full` resends what it lost and accepts its log from now on",
                    cp.size, held.size, held.at_ms
                )));
            }
            // Any log extends the empty one.
            if held.size > 0 {
                kordon_log::verify_consistency(held.size, cp.size, proof, &held.head, &cp.head)
                .map_err(|e| {
                    bad(format!(
                        "its log of {} entries does not extend its signed checkpoint of {} entries that this vehicle holds ({e}): the server's history was rewritten",
                        cp.size, held.size
                    ))
                })?;
            }
        }
        self.store.set_meta(meta::LOG_CHECKPOINT, text)?;
        Ok(cp)
    }
}
