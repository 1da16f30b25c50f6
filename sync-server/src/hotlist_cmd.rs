//! `kordon-server hotlist add|import|list|remove|profile`: hotlists and
//! risk profiles, each change a record signed by the server that flows
//! down to the vehicles of the list's units.

use anyhow::Context;
use clap::Subcommand;
use kordon_central::hotlists::parse_when;
use kordon_central::{now_ms, Central};
use kordon_model::{NewHotlistEntry, NewRiskProfile, OfficerId, Priority};
use std::path::PathBuf;

#[derive(Subcommand, Debug)]
pub enum HotlistCommand {
    /// Put a plate (any spelling) or a container code on a list.
    Add {
        /// The plate or ISO 6346 container code.
        value: String,
        /// The list it belongs to (made if missing).
        #[arg(long, default_value = "wanted")]
        list: String,
        #[arg(long)]
        reason: String,
        /// high, medium or low.
        #[arg(long, default_value = "medium")]
        priority: String,
        /// From this date (YYYY-MM-DD) or RFC 3339 time, UTC.
        #[arg(long)]
        valid_from: Option<String>,
        /// Until this date or time (exclusive).
        #[arg(long)]
        valid_until: Option<String>,
        /// A new list goes to these units only (repeat); default: all.
        #[arg(long = "unit")]
        units: Vec<String>,
        /// Who made the change, as it is recorded.
        #[arg(long, default_value = "SERVER")]
        officer: String,
    },
    /// Add the entries of a CSV file (header: value,reason[,priority,valid_from,valid_until]).
    Import {
        file: PathBuf,
        #[arg(long, default_value = "wanted")]
        list: String,
        #[arg(long = "unit")]
        units: Vec<String>,
        #[arg(long, default_value = "SERVER")]
        officer: String,
    },
    /// Show the lists, their entries and profiles.
    List {
        #[arg(long)]
        json: bool,
        /// Show removed and expired entries too.
        #[arg(long)]
        all: bool,
    },
    /// Remove an entry or a profile by its id (it stays in the history).
    Remove {
        id: String,
        #[arg(long, default_value = "SERVER")]
        officer: String,
    },
    /// Add a risk profile: every condition given must hold.
    Profile {
        /// A name the crew will see on the alert.
        name: String,
        #[arg(long, default_value = "risk profiles")]
        list: String,
        #[arg(long)]
        reason: String,
        /// The read's country (ISO 3166 alpha-2).
        #[arg(long)]
        country: Option<String>,
        /// Hours of the day, UTC, as FROM-TO (e.g. 22-05).
        #[arg(long)]
        hours: Option<String>,
        /// A word in the declaration or the notes.
        #[arg(long)]
        keyword: Option<String>,
        /// The read's direction, as the camera reports it.
        #[arg(long)]
        direction: Option<String>,
        #[arg(long, default_value = "medium")]
        priority: String,
        #[arg(long)]
        valid_from: Option<String>,
        #[arg(long)]
        valid_until: Option<String>,
        #[arg(long = "unit")]
        units: Vec<String>,
        #[arg(long, default_value = "SERVER")]
        officer: String,
    },
}

fn when(s: &Option<String>) -> anyhow::Result<Option<i64>> {
    s.as_deref()
        .map(parse_when)
        .transpose()
        .map_err(anyhow::Error::msg)
}

fn priority(s: &str) -> anyhow::Result<Priority> {
    Priority::parse(s).with_context(|| format!("priority {s:?}: use high, medium or low"))
}

fn date(ms: Option<i64>) -> String {
    ms.and_then(|m| time::OffsetDateTime::from_unix_timestamp(m / 1000).ok())
        .map(|t| t.date().to_string())
        .unwrap_or_else(|| "-".into())
}

pub fn run(c: &mut Central, command: HotlistCommand) -> anyhow::Result<()> {
    let officer = |o: &str| OfficerId::new(o).map_err(anyhow::Error::msg);
    match command {
        HotlistCommand::Add {
            value,
            list,
            reason,
            priority: p,
            valid_from,
            valid_until,
            units,
            officer: o,
        } => {
            let entry = NewHotlistEntry {
                value,
                reason,
                priority: Some(priority(&p)?),
                valid_from_ms: when(&valid_from)?,
                valid_until_ms: when(&valid_until)?,
            };
            let change = c.hotlist_add(&list, &units, &entry, &officer(&o)?, now_ms())?;
            say!(
                "added {} to list {:?} (entry {})",
                entry.value,
                change.list,
                change.id
            );
        }
        HotlistCommand::Import {
            file,
            list,
            units,
            officer: o,
        } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            let report = c.hotlist_import(&list, &units, &text, &officer(&o)?, now_ms())?;
            for p in &report.problems {
                eprintln!("{}:{}: skipped: {}", file.display(), p.line, p.reason);
            }
            say!(
                "imported {} entries into list {list:?}; {} line(s) skipped",
                report.added,
                report.problems.len()
            );
        }
        HotlistCommand::List { json, all } => {
            let lists = c.hotlists()?;
            if json {
                say!("{}", serde_json::to_string_pretty(&lists)?);
                return Ok(());
            }
            let now = now_ms();
            for l in lists {
                let scope = if l.units.is_empty() {
                    "every unit".to_string()
                } else {
                    l.units.join(", ")
                };
                say!("list {:?} ({}) → {scope}", l.name, l.id);
                for e in l.entries.iter().filter(|e| all || e.in_force(now)) {
                    let state = match (&e.removed, e.in_force(now)) {
                        (Some(r), _) => format!("removed by {}", r.by),
                        (None, true) => "in force".into(),
                        (None, false) => "not in force".into(),
                    };
                    say!(
                        "  {}  {:<12} {:<6} {:<28} until {:<10}  {state}",
                        e.id,
                        e.canonical,
                        e.priority.as_str(),
                        e.reason,
                        date(e.valid_until_ms)
                    );
                }
                for p in l.profiles.iter().filter(|p| all || p.in_force(now)) {
                    say!(
                        "  {}  profile {:?}: country={} hours={} keyword={} direction={}  {}",
                        p.id,
                        p.name,
                        p.country.as_deref().unwrap_or("*"),
                        match (p.hour_from, p.hour_to) {
                            (Some(f), Some(t)) => format!("{f:02}-{t:02}"),
                            _ => "*".into(),
                        },
                        p.keyword.as_deref().unwrap_or("*"),
                        p.direction.as_deref().unwrap_or("*"),
                        p.reason
                    );
                }
            }
        }
        HotlistCommand::Remove { id, officer: o } => {
            let change = c.hotlist_remove(&id, &officer(&o)?, now_ms())?;
            say!("removed {id} from list {:?}", change.list);
        }
        HotlistCommand::Profile {
            name,
            list,
            reason,
            country,
            hours,
            keyword,
            direction,
            priority: p,
            valid_from,
            valid_until,
            units,
            officer: o,
        } => {
            let (hour_from, hour_to) = match hours.as_deref() {
                None => (None, None),
                Some(h) => {
                    let (f, t) = h
                        .split_once('-')
                        .context("--hours is FROM-TO, e.g. 22-05")?;
                    (
                        Some(
                            f.trim()
                                .parse()
                                .context("--hours: FROM is an hour, 0 to 23")?,
                        ),
                        Some(
                            t.trim()
                                .parse()
                                .context("--hours: TO is an hour, 0 to 23")?,
                        ),
                    )
                }
            };
            let profile = NewRiskProfile {
                name,
                country,
                hour_from,
                hour_to,
                keyword,
                direction,
                reason,
                priority: Some(priority(&p)?),
                valid_from_ms: when(&valid_from)?,
                valid_until_ms: when(&valid_until)?,
            };
            let change = c.profile_add(&list, &units, &profile, &officer(&o)?, now_ms())?;
            say!(
                "profile {:?} added to list {:?} (id {})",
                profile.name,
                change.list,
                change.id
            );
        }
    }
    Ok(())
}
