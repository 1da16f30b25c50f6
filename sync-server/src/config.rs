//! `kordon-server run --config FILE`: the settings of `run` in a TOML file.
//!
//! Each key is one of `run`'s command-line options, spelt with `_` for `-`
//! (`listen`, `http`, `tls_cert`, `metrics`, `log`, ...); the `[limits]`
//! table holds the sync limits (`max_connections`, ...). A value given on
//! the command line wins over the file's. The file is read into extra
//! command-line arguments and the command line is parsed again, so a
//! setting is checked exactly as its option is, and the two cannot drift.
//! `packaging/server.toml` documents every key.

use anyhow::{bail, Context};
use clap::parser::ValueSource;
use clap::{ArgMatches, CommandFactory};
use std::ffi::OsString;
use std::path::Path;

/// The settings of `path` as command-line arguments for `run`, leaving out
/// those `run` already has from the command line.
pub fn extra_args<C: CommandFactory>(
    path: &Path,
    run: &ArgMatches,
) -> anyhow::Result<Vec<OsString>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let table: toml::Table =
        toml::from_str(&text).with_context(|| format!("{}: not valid TOML", path.display()))?;
    let command = C::command();
    let run_command = command
        .find_subcommand("run")
        .context("the run command is missing")?;
    // Each option a file may set, and whether it takes a value.
    // The run command's own, and the command line's global ones (the
    // store's address).
    let known: Vec<(String, bool)> = run_command
        .get_arguments()
        .chain(command.get_arguments().filter(|a| a.is_global_set()))
        .filter(|a| a.get_long().is_some() && a.get_id() != "config")
        .map(|a| (a.get_id().to_string(), a.get_action().takes_values()))
        .collect();
    let mut settings = vec![];
    for (key, value) in &table {
        match (key.as_str(), value) {
            ("limits", toml::Value::Table(limits)) => {
                settings.extend(limits.iter().map(|(k, v)| (format!("limits.{k}"), k, v)));
            }
            _ => settings.push((key.clone(), key, value)),
        }
    }
    let mut args = vec![];
    for (shown, key, value) in settings {
        let Some((_, takes_value)) = known.iter().find(|(k, _)| k == key) else {
            let names: Vec<&str> = known.iter().map(|(k, _)| k.as_str()).collect();
            bail!(
                "{}: unknown setting {shown:?} (known: {}, and under [limits] the sync limits)",
                path.display(),
                names.join(", ")
            );
        };
        // The command line wins over the file, and so does the
        // environment (KORDON_STORE).
        if matches!(
            run.value_source(key),
            Some(ValueSource::CommandLine | ValueSource::EnvVariable)
        ) {
            continue;
        }
        let flag = format!("--{}", key.replace('_', "-"));
        // `--flag=value`, so a value starting with `-` stays a value.
        let with = |v: String| OsString::from(format!("{flag}={v}"));
        match value {
            toml::Value::Boolean(_) if *takes_value => bail!(
                "{}: setting {shown:?} takes a value, not true/false",
                path.display()
            ),
            toml::Value::Boolean(true) => args.push(OsString::from(flag)),
            toml::Value::Boolean(false) => {}
            _ if !*takes_value => bail!("{}: setting {shown:?} is true or false", path.display()),
            toml::Value::String(s) => args.push(with(s.clone())),
            toml::Value::Integer(i) => args.push(with(i.to_string())),
            toml::Value::Float(f) => args.push(with(f.to_string())),
            other => bail!(
                "{}: setting {shown:?} must be a string, a number or true/false, not {}",
                path.display(),
                other.type_str()
            ),
        }
    }
    Ok(args)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser, Debug)]
    struct Cli {
        #[command(subcommand)]
        command: Cmd,
    }

    #[derive(clap::Subcommand, Debug)]
    enum Cmd {
        Run {
            #[arg(long)]
            config: Option<std::path::PathBuf>,
            #[arg(long, default_value = "0.0.0.0:4433")]
            listen: String,
            #[arg(long)]
            insecure_http: bool,
            #[arg(long, default_value_t = 8)]
            max_connections: usize,
        },
    }

    fn parse(file: &str, cli: &[&str]) -> anyhow::Result<Vec<String>> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("server.toml");
        std::fs::write(&path, file)?;
        let matches = Cli::command().try_get_matches_from(cli)?;
        let (_, run) = matches.subcommand().context("no subcommand")?;
        Ok(extra_args::<Cli>(&path, run)?
            .into_iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect())
    }

    #[test]
    fn settings_become_options_and_the_command_line_wins() {
        let file =
            "listen = \"10.0.0.1:4433\"\ninsecure_http = true\n[limits]\nmax_connections = 64\n";
        assert_eq!(
            parse(file, &["k", "run"]).expect("parsed"),
            // In the order of the keys.
            [
                "--insecure-http",
                "--max-connections=64",
                "--listen=10.0.0.1:4433"
            ]
        );
        assert_eq!(
            parse(file, &["k", "run", "--listen", "127.0.0.1:1"]).expect("parsed"),
            ["--insecure-http", "--max-connections=64"]
        );
    }

    /// packaging/server.toml names every option of `run` (but the ones a
    /// file has no use for), and the defaults it shows are the program's.
    #[test]
    fn the_example_config_documents_every_setting_with_its_real_default() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../packaging/server.toml");
        let text = std::fs::read_to_string(&path).expect("packaging/server.toml");
        let shown: String = text
            .lines()
            .map(|l| match l.strip_prefix('#') {
                Some(rest)
                    if rest
                        .split_once(" = ")
                        .is_some_and(|(k, _)| !k.contains(' ')) =>
                {
                    rest
                }
                _ => l,
            })
            .collect::<Vec<_>>()
            .join("\n");
        let table: toml::Table = toml::from_str(&shown).expect("the example, uncommented, is TOML");
        let mut keys = std::collections::BTreeMap::new();
        for (k, v) in &table {
            match v {
                toml::Value::Table(t) => keys.extend(t.iter().map(|(k, v)| (k.clone(), v.clone()))),
                _ => {
                    keys.insert(k.clone(), v.clone());
                }
            }
        }
        let command = crate::Cli::command();
        let run = command.find_subcommand("run").expect("run");
        let globals = command.get_arguments().filter(|a| a.is_global_set());
        for arg in run
            .get_arguments()
            .chain(globals)
            .filter(|a| a.get_long().is_some())
        {
            let id = arg.get_id().as_str();
            if ["config", "log_json"].contains(&id) {
                continue;
            }
            let value = keys
                .get(id)
                .unwrap_or_else(|| panic!("packaging/server.toml does not document {id}"));
            if let Some(default) = arg.get_default_values().first() {
                let written = match value {
                    toml::Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                assert_eq!(
                    written,
                    default.to_string_lossy(),
                    "packaging/server.toml shows another default for {id}"
                );
            }
        }
        // And the file as shipped is a valid configuration.
        let matches = crate::Cli::command()
            .try_get_matches_from(["kordon-server", "run"])
            .expect("parsed");
        let (_, run) = matches.subcommand().expect("run");
        let args = extra_args::<crate::Cli>(&path, run).expect("the shipped file");
        assert_eq!(args, ["--data=/var/lib/kordon"]);
    }

    /// The store's address, a global option, may come from the file; the
    /// command line and KORDON_STORE win over it.
    #[test]
    fn the_store_comes_from_the_file_unless_given() {
        let file = "store = \"postgres://k@db/kordon\"\n";
        let args = |cli: &[&str]| -> Vec<String> {
            let dir = tempfile::tempdir().expect("dir");
            let path = dir.path().join("server.toml");
            std::fs::write(&path, file).expect("written");
            let matches = crate::Cli::command()
                .try_get_matches_from(cli)
                .expect("parsed");
            let (_, run) = matches.subcommand().expect("run");
            extra_args::<crate::Cli>(&path, run)
                .expect("read")
                .into_iter()
                .map(|a| a.to_string_lossy().into_owned())
                .collect()
        };
        assert_eq!(
            args(&["kordon-server", "run"]),
            ["--store=postgres://k@db/kordon"]
        );
        assert!(args(&[
            "kordon-server",
            "run",
            "--store",
            "postgres://k@other/kordon"
        ])
        .is_empty());
        assert!(args(&[
            "kordon-server",
            "--store",
            "postgres://k@other/kordon",
            "run"
        ])
        .is_empty());
    }

    #[test]
    fn unknown_keys_and_bad_files_are_named() {
        let e = parse("lisen = \"x\"\n", &["k", "run"]).expect_err("unknown key");
        assert!(e.to_string().contains("\"lisen\""), "{e}");
        let e = parse("[limits]\nmax_conections = 1\n", &["k", "run"]).expect_err("unknown limit");
        assert!(e.to_string().contains("limits.max_conections"), "{e}");
        let e = parse("listen = [1, 2]\n", &["k", "run"]).expect_err("an array");
        assert!(e.to_string().contains("array"), "{e}");
        let e = parse("listen = true\n", &["k", "run"]).expect_err("a flag's value");
        assert!(e.to_string().contains("takes a value"), "{e}");
        let e = parse("insecure_http = 1\n", &["k", "run"]).expect_err("a number for a flag");
        assert!(e.to_string().contains("true or false"), "{e}");
        let e = parse("listen = \n", &["k", "run"]).expect_err("not TOML");
        assert!(format!("{e:#}").contains("not valid TOML"), "{e:#}");
    }
}
