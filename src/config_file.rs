//! The TOML config file and the early check of every environment value.
//!
//! The file is mapped onto the environment before clap parses: each key is the snake_case id
//! of a `Config` field, and its value becomes that field's environment variable unless the
//! environment already has one. So flags > environment > file > defaults, and any setting added
//! to `Config` later works in the file without changes here. Values are checked with the
//! field's own clap value parser, so a bad one is reported with the key and the file.

use clap::Command;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// Reads the config file (if any) into the environment and checks every environment value of
/// the command's arguments. Returns every problem found, one line each. Call it before any
/// thread is started: it sets environment variables.
pub fn apply(command: &Command, args: &[OsString]) -> Result<(), Vec<String>> {
    let mut problems = Vec::new();
    if let Some(path) = config_path(args) {
        match std::fs::read_to_string(&path) {
            Ok(text) => problems.extend(load(command, &path, &text)),
            Err(err) => problems.push(format!("config file {}: {err}", path.display())),
        }
    }
    problems.extend(check_environment(command));
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

/// `--config FILE`, `--config=FILE`, or `STUDIOGATE_CONFIG`.
fn config_path(args: &[OsString]) -> Option<PathBuf> {
    let mut args = args.iter().map(|a| a.to_string_lossy().into_owned());
    while let Some(arg) = args.next() {
        if arg == "--config" {
            return args.next().map(PathBuf::from);
        }
        if let Some(path) = arg.strip_prefix("--config=") {
            return Some(PathBuf::from(path));
        }
    }
    std::env::var_os("STUDIOGATE_CONFIG").map(PathBuf::from)
}

fn load(command: &Command, path: &Path, text: &str) -> Vec<String> {
    let file = path.display();
    let document = match toml_edit::Document::parse(text.to_owned()) {
        Ok(document) => document,
        Err(err) => return vec![format!("config file {file}: {err}")],
    };
    let mut problems = Vec::new();
    for (key, item) in document.as_table().iter() {
        let arg = command
            .get_arguments()
            .find(|a| a.get_id().as_str() == key && a.get_env().is_some() && key != "config");
        let Some(arg) = arg else {
            problems.push(format!("config file {file}: unknown key `{key}`"));
            continue;
        };
        let value = match scalar(item) {
            Some(value) => value,
            None => {
                problems.push(format!(
                    "config file {file}: key `{key}`: expected a string, number or boolean"
                ));
                continue;
            }
        };
        if let Err(err) = check(arg, &value) {
            problems.push(format!("config file {file}: key `{key}`: {err}"));
            continue;
        }
        let Some(env) = arg.get_env() else { continue };
        if std::env::var_os(env).is_none() {
            // Single-threaded here: main calls this before the runtime starts.
            std::env::set_var(env, value);
        }
    }
    problems
}

fn scalar(item: &toml_edit::Item) -> Option<String> {
    use toml_edit::Value;
    match item.as_value()? {
        Value::String(s) => Some(s.value().clone()),
        Value::Integer(i) => Some(i.value().to_string()),
        Value::Float(f) => Some(f.value().to_string()),
        Value::Boolean(b) => Some(b.value().to_string()),
        _ => None,
    }
}

/// Every environment variable of an argument, parsed as clap would parse it.
fn check_environment(command: &Command) -> Vec<String> {
    let mut problems = Vec::new();
    for arg in command.get_arguments() {
        let Some(env) = arg.get_env() else { continue };
        let Some(value) = std::env::var_os(env) else {
            continue;
        };
        let value = value.to_string_lossy().into_owned();
        if let Err(err) = check(arg, &value) {
            problems.push(format!("{}: {err}", env.to_string_lossy()));
        }
    }
    problems
}

/// Parses `value` with the argument's own value parser (through a one-argument command, since
/// clap keeps its parsers' entry point private).
fn check(arg: &clap::Arg, value: &str) -> Result<(), String> {
    let Some(long) = arg.get_long() else {
        return Ok(());
    };
    if !arg.get_action().takes_values() {
        // Flags (`production`) read a boolean, as clap's `BoolishValueParser` does.
        let known = [
            "true", "false", "yes", "no", "on", "off", "1", "0", "y", "n", "t", "f",
        ];
        return if known.contains(&value.to_ascii_lowercase().as_str()) {
            Ok(())
        } else {
            Err(format!("invalid value '{value}': expected true or false"))
        };
    }
    Command::new("studiogate")
        .no_binary_name(true)
        .arg(arg.clone().required(false).global(false))
        .try_get_matches_from([format!("--{long}={value}")])
        .map(|_| ())
        .map_err(|err| first_line(&err.to_string()))
}

fn first_line(message: &str) -> String {
    let line = message.lines().next().unwrap_or(message);
    line.strip_prefix("error: ").unwrap_or(line).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(clap::Parser)]
    struct Probe {
        #[arg(long, env = "PROBE_PORT", value_parser = clap::value_parser!(u16).range(1..))]
        port: Option<u16>,
        #[arg(long, env = "PROBE_NAME")]
        name: Option<String>,
    }

    fn command() -> Command {
        <Probe as clap::CommandFactory>::command()
    }

    #[test]
    fn unknown_keys_and_bad_values_name_the_key_and_file() {
        let problems = load(
            &command(),
            Path::new("x.toml"),
            "port = 0\ncolour = \"red\"\nname = [1]\n",
        );
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(problems[0].starts_with("config file x.toml: key `port`: invalid value '0'"));
        assert_eq!(problems[1], "config file x.toml: unknown key `colour`");
        assert!(problems[2].contains("key `name`: expected a string"));
    }

    #[test]
    fn a_syntax_error_names_the_file() {
        let problems = load(&command(), Path::new("x.toml"), "port = \n");
        assert!(
            problems[0].starts_with("config file x.toml:"),
            "{problems:?}"
        );
    }
}
