//! `kordon-server log checkpoint|proof|consistency|witnesses`: the transparency log,
//! for a third party to check (`docs/transparency-log.md`).

use anyhow::Context;
use clap::Subcommand;
use kordon_central::{now_ms, Central};
use kordon_record::RecordId;

#[derive(Subcommand, Debug)]
pub enum LogCommand {
    /// The latest signed checkpoint (one is signed first if the log grew).
    Checkpoint,
    /// A record's leaf in the log and its inclusion proof, against the
    /// latest checkpoint.
    Proof {
        /// The record id (64 hex digits).
        #[arg(long)]
        record: String,
        #[arg(long)]
        json: bool,
    },
    /// The proof that the log of --to leaves extends the log of --from.
    Consistency {
        #[arg(long)]
        from: u64,
        #[arg(long)]
        to: u64,
        #[arg(long)]
        json: bool,
    },
    /// The checkpoints vehicles reported holding at their last
    /// connections, and whether this log still extends each (a fork or a
    /// rollback shows here).
    Witnesses {
        #[arg(long)]
        json: bool,
    },
}

fn record_id(s: &str) -> anyhow::Result<RecordId> {
    let bytes = hex::decode(s.trim()).context("--record is 64 hex digits")?;
    let id = <[u8; 32]>::try_from(bytes.as_slice())
        .map_err(|_| anyhow::anyhow!("--record is 64 hex digits (32 bytes)"))?;
    Ok(RecordId(id))
}

pub fn run(c: &mut Central, command: LogCommand) -> anyhow::Result<()> {
    match command {
        LogCommand::Checkpoint => {
            let cp = c.checkpoint(now_ms())?;
            print!("{}", cp.to_text());
        }
        LogCommand::Proof { record, json } => {
            let p = c.inclusion_proof(&record_id(&record)?, now_ms())?;
            if json {
                say!("{}", serde_json::to_string_pretty(&p)?);
            } else {
                say!("record     {}", p.record);
                say!("leaf       {} of {}", p.leaf_index, p.tree_size);
                say!("leaf bytes {}", p.leaf);
                for (i, h) in p.path.iter().enumerate() {
                    say!("path[{i}]    {h}");
                }
                print!("{}", p.checkpoint);
            }
        }
        LogCommand::Consistency { from, to, json } => {
            let p = c.consistency_proof(from, to)?;
            if json {
                say!("{}", serde_json::to_string_pretty(&p)?);
            } else {
                say!("from {} to {}", p.from, p.to);
                for (i, h) in p.path.iter().enumerate() {
                    say!("path[{i}] {h}");
                }
            }
        }
        LogCommand::Witnesses { json } => {
            let w = c.witnesses()?;
            if json {
                say!("{}", serde_json::to_string_pretty(&w)?);
            } else if w.is_empty() {
                say!("no vehicle has reported a checkpoint yet");
            } else {
                for x in &w {
                    say!(
                        "at {} ms  device {}  size {}  {}",
                        x.at_ms,
                        &x.device[..16],
                        x.size,
                        x.verdict
                    );
                }
            }
        }
    }
    Ok(())
}
