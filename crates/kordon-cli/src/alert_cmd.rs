//! `kordon alert list|respond`, `kordon read correct|detach` and
//! `kordon hotlist`: the crew's side of hotlists, headless.

use clap::Subcommand;
use kordon_model::{AlertResponseKind, InspectionId, NewAlert, NewAlertResponse};
use kordon_store::Query;
use kordon_vehicle::{now_ms, Vehicle};

#[derive(Subcommand, Debug)]
pub enum AlertCmd {
    /// Alerts on recent inspections, newest first (open ones only unless --all).
    List {
        #[arg(long)]
        all: bool,
        #[arg(long)]
        json: bool,
    },
    /// Record the crew's response to an alert.
    Respond {
        inspection: InspectionId,
        alert: String,
        /// confirmed, false_match or action_taken.
        response: String,
        #[arg(long, default_value = "")]
        note: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum ReadCmd {
    /// Correct what the camera read (kept beside the read, attributed).
    Correct {
        inspection: InspectionId,
        read: String,
        text: String,
    },
    /// Take a read off an inspection it was wrongly attached to.
    Detach {
        inspection: InspectionId,
        read: String,
    },
}

/// A hit, as the crew must see it headless: a bell, and a block no one
/// scrolls past.
pub fn print_alert(inspection: &str, a: &NewAlert) {
    say!(
        "\x07!!! HOTLIST ALERT [{}] {} — {} match of {} on list {:?}: {}\n    inspection {inspection}; see `kordon alert list`, answer with `kordon alert respond`",
        a.priority.as_str().to_uppercase(),
        a.seen,
        a.tier.as_str().replace('_', " "),
        a.entry_value,
        a.list,
        a.reason
    );
}

/// Inspections looked through for alerts.
const RECENT: usize = 500;

pub fn alert(v: &mut Vehicle, cmd: AlertCmd, officer: Option<&str>) -> anyhow::Result<u8> {
    match cmd {
        AlertCmd::List { all, json } => {
            let rows = v.list(&Query {
                limit: Some(RECENT),
                ..Query::default()
            })?;
            let mut found = vec![];
            for row in rows {
                for a in row.view.alerts {
                    if all || a.response.is_none() {
                        found.push((row.view.id, a));
                    }
                }
            }
            found.sort_by_key(|(_, a)| std::cmp::Reverse(a.at_ms));
            if json {
                let out: Vec<_> = found
                    .iter()
                    .map(|(id, a)| serde_json::json!({ "inspection": id, "alert": a }))
                    .collect();
                say!("{}", serde_json::to_string_pretty(&out)?);
            } else {
                for (id, a) in &found {
                    let response = a
                        .response
                        .as_ref()
                        .map(|r| format!("{} by {}", r.response.as_str(), r.officer))
                        .unwrap_or_else(|| "OPEN".into());
                    say!(
                        "{id} {}  [{}] {} {} {:?} on {:?}: {}  — {response}",
                        a.id,
                        a.hit.priority.as_str(),
                        a.hit.seen,
                        a.hit.tier.as_str(),
                        a.hit.entry_value,
                        a.hit.list,
                        a.hit.reason
                    );
                }
            }
        }
        AlertCmd::Respond {
            inspection,
            alert,
            response,
            note,
        } => {
            let response = AlertResponseKind::parse(&response).ok_or_else(|| {
                anyhow::anyhow!("response {response:?}: use confirmed, false_match or action_taken")
            })?;
            let officer = v.acting_officer(officer)?;
            v.respond_to_alert(
                inspection,
                &NewAlertResponse {
                    alert: alert.clone(),
                    response,
                    note,
                },
                &officer,
                now_ms(),
            )?;
            say!("{inspection}: alert {alert} answered {}", response.as_str());
        }
    }
    Ok(0)
}

pub fn read(v: &mut Vehicle, cmd: ReadCmd, officer: Option<&str>) -> anyhow::Result<u8> {
    let officer = v.acting_officer(officer)?;
    match cmd {
        ReadCmd::Correct {
            inspection,
            read,
            text,
        } => {
            let view = v.correct_read(inspection, &read, &text, &officer, now_ms())?;
            say!("{inspection}: read {read} corrected");
            for a in view.alerts.iter().filter(|a| a.response.is_none()) {
                print_alert(&inspection.to_string(), &a.hit);
            }
        }
        ReadCmd::Detach { inspection, read } => {
            v.detach_read(inspection, &read, &officer, now_ms())?;
            say!("{inspection}: read {read} detached");
        }
    }
    Ok(0)
}

/// The hotlists this vehicle holds (as the server last sent them).
pub fn hotlists(v: &Vehicle, json: bool) -> anyhow::Result<u8> {
    let lists = v.hotlists()?;
    if json {
        say!("{}", serde_json::to_string_pretty(&lists)?);
        return Ok(0);
    }
    let now = now_ms();
    for l in &lists {
        let entries = l.entries.iter().filter(|e| e.in_force(now)).count();
        let profiles = l.profiles.iter().filter(|p| p.in_force(now)).count();
        say!(
            "{:?}: {entries} entries and {profiles} profiles in force",
            l.name
        );
    }
    if lists.is_empty() {
        say!("no hotlists yet: they arrive with the next sync");
    }
    Ok(0)
}
