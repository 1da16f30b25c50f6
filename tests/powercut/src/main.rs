//! `kordon-powercut --lower DIR --mount DIR --seed N`: mounts DIR's power
//! cut layer at the mount point, prints `mounted` and waits on its
//! standard input for `cut lose-all`, `cut keep-all` or `cut random`.
//! Nothing may be using the mount by then: the layer unmounts, applies
//! the cut to the folder below, prints what it did as one JSON line and
//! exits. End of input is a `cut keep-all`.

use anyhow::{bail, Context, Result};
use clap::Parser;
use kordon_powercut::{CutMode, PowerCutFs};
use rand::rngs::StdRng;
use rand::SeedableRng;
use std::io::BufRead;
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(about = "A FUSE layer that loses what was not made durable at a simulated power cut")]
struct Args {
    /// The data folder the layer passes through to.
    #[arg(long)]
    lower: PathBuf,
    /// Where the layer is mounted (an empty folder).
    #[arg(long)]
    mount: PathBuf,
    /// Seeds the cut's choices.
    #[arg(long, default_value_t = 0)]
    seed: u64,
}

fn main() -> Result<()> {
    let args = Args::parse();
    let lower = args
        .lower
        .canonicalize()
        .with_context(|| format!("data folder {}", args.lower.display()))?;
    let name = lower
        .file_name()
        .context("the data folder has no name")?
        .to_string_lossy()
        .to_string();
    let graveyard = lower.with_file_name(format!(".{name}.powercut-graveyard"));
    if graveyard.exists() {
        std::fs::remove_dir_all(&graveyard).context("clearing an old graveyard")?;
    }
    std::fs::create_dir(&graveyard).context("making the graveyard")?;

    let fs = PowerCutFs::new(&lower, graveyard.clone()).context("opening the data folder")?;
    let mut config = fuser::Config::default();
    config
        .mount_options
        .push(fuser::MountOption::FSName("kordon-powercut".into()));
    let session = fuser::spawn_mount(fs.clone(), &args.mount, &config)
        .with_context(|| format!("mounting at {}", args.mount.display()))?;
    println!("mounted");

    let mut mode = CutMode::KeepAll;
    for line in std::io::stdin().lock().lines() {
        let line = line.context("reading the control input")?;
        mode = match line.trim() {
            "" => continue,
            "cut lose-all" => CutMode::LoseAll,
            "cut keep-all" => CutMode::KeepAll,
            "cut random" => CutMode::Random,
            other => bail!("unknown command {other:?}"),
        };
        break;
    }
    session.umount_and_join().context("unmounting")?;
    let volatile = fs.take_volatile(graveyard.clone());
    let mut rng = StdRng::seed_from_u64(args.seed);
    let report = volatile
        .cut(&lower, mode, &mut rng)
        .context("applying the cut")?;
    std::fs::remove_dir_all(&graveyard).context("removing the graveyard")?;
    println!(
        "{}",
        serde_json::json!({
            "files": report.files,
            "pages_kept": report.pages_kept,
            "pages_lost": report.pages_lost,
            "pages_torn": report.pages_torn,
            "lengths_rolled_back": report.lengths_rolled_back,
            "namespace_kept": report.namespace_kept,
            "namespace_undone": report.namespace_undone,
        })
    );
    Ok(())
}
