//! The flag parsing of zkCli's commands: Apache commons-cli's
//! `DefaultParser` as zkCli 3.8 configures it (short options only, options
//! allowed anywhere, `--` ends them, bursting `-se`, values glued `-v5` or
//! separate `-v 5`). Errors carry commons-cli's wording, which zkCli prints
//! through `CliParseException` with the exception's class name in front.

use std::collections::BTreeMap;

use super::errors::CliError;

/// One option a command accepts: its letter and whether it takes a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OptSpec {
    pub name: char,
    pub has_arg: bool,
}

pub const fn flag(name: char) -> OptSpec {
    OptSpec {
        name,
        has_arg: false,
    }
}

pub const fn valued(name: char) -> OptSpec {
    OptSpec {
        name,
        has_arg: true,
    }
}

/// `CommandLine`: the options seen (with their first value) and the
/// remaining arguments, the command name first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Parsed {
    options: BTreeMap<char, Option<String>>,
    pub args: Vec<String>,
}

impl Parsed {
    pub fn has(&self, name: char) -> bool {
        self.options.contains_key(&name)
    }

    /// `getOptionValue`: the first value given.
    pub fn value(&self, name: char) -> Option<&str> {
        self.options.get(&name).and_then(|v| v.as_deref())
    }
}

struct Parser<'a> {
    specs: &'a [OptSpec],
    out: Parsed,
    /// The valued option still waiting for its value.
    pending: Option<char>,
    skip: bool,
}

/// Parses `tokens` (the command name included, as zkCli passes it).
pub fn parse(specs: &[OptSpec], tokens: &[String]) -> Result<Parsed, CliError> {
    let mut p = Parser {
        specs,
        out: Parsed::default(),
        pending: None,
        skip: false,
    };
    for token in tokens {
        p.token(token)?;
    }
    p.check_pending()?;
    Ok(p.out)
}

impl Parser<'_> {
    fn spec(&self, name: char) -> Option<OptSpec> {
        self.specs.iter().copied().find(|s| s.name == name)
    }

    fn is_short_option(&self, token: &str) -> bool {
        let Some(rest) = token.strip_prefix('-') else {
            return false;
        };
        let name = rest.split('=').next().unwrap_or("");
        let mut chars = name.chars();
        matches!((chars.next(), chars.next()), (Some(c), None) if self.spec(c).is_some())
    }

    /// `isArgument`: not an option, or a negative number.
    fn is_argument(&self, token: &str) -> bool {
        let negative_number = token.starts_with('-') && token[1..].parse::<f64>().is_ok();
        !(token.starts_with('-') && token.len() > 1 && self.is_short_option(token))
            || negative_number
    }

    fn token(&mut self, token: &str) -> Result<(), CliError> {
        if self.skip {
            self.out.args.push(token.to_string());
        } else if self.pending.is_some() && self.is_argument(token) {
            self.set_value(strip_quotes(token));
        } else if token == "--" {
            self.skip = true;
        } else if token == "-" {
            self.out.args.push(token.to_string());
        } else if token.starts_with("--") {
            // zkCli's commands have no long options.
            return Err(unrecognized(token));
        } else if token.starts_with('-') {
            self.short(token)?;
        } else {
            self.out.args.push(token.to_string());
        }
        Ok(())
    }

    fn short(&mut self, token: &str) -> Result<(), CliError> {
        let t = &token[1..];
        let mut chars = t.chars();
        let first = chars.next();
        if let (Some(c), None) = (first, chars.clone().next()) {
            return match self.spec(c) {
                Some(spec) => self.option(spec),
                None => Err(unrecognized(token)),
            };
        }
        if let Some((name, value)) = t.split_once('=') {
            let mut n = name.chars();
            if let (Some(c), None) = (n.next(), n.next())
                && let Some(spec) = self.spec(c).filter(|s| s.has_arg)
            {
                self.option(spec)?;
                self.set_value(value.to_string());
                return Ok(());
            }
            return Err(unrecognized(token));
        }
        // Burst: `-se`, or a valued option with its value glued (`-v5`).
        for (i, c) in t.char_indices() {
            let Some(spec) = self.spec(c) else {
                return Err(unrecognized(token));
            };
            self.option(spec)?;
            let rest = &t[i + c.len_utf8()..];
            if spec.has_arg && !rest.is_empty() {
                self.set_value(rest.to_string());
                break;
            }
        }
        Ok(())
    }

    fn option(&mut self, spec: OptSpec) -> Result<(), CliError> {
        self.check_pending()?;
        self.out.options.entry(spec.name).or_insert(None);
        self.pending = spec.has_arg.then_some(spec.name);
        Ok(())
    }

    fn set_value(&mut self, value: String) {
        if let Some(name) = self.pending.take() {
            let slot = self.out.options.entry(name).or_insert(None);
            if slot.is_none() {
                *slot = Some(value);
            }
        }
    }

    fn check_pending(&self) -> Result<(), CliError> {
        match self.pending {
            Some(name) => Err(CliError::Parse(format!(
                "org.apache.commons.cli.MissingArgumentException: Missing argument for option: {name}"
            ))),
            None => Ok(()),
        }
    }
}

fn unrecognized(token: &str) -> CliError {
    CliError::Parse(format!(
        "org.apache.commons.cli.UnrecognizedOptionException: Unrecognized option: {token}"
    ))
}

/// `Util.stripLeadingAndTrailingQuotes`: one `"` at each end, if the value
/// holds no other.
fn strip_quotes(token: &str) -> String {
    if token.len() > 1 && token.starts_with('"') && token.ends_with('"') {
        let inner = &token[1..token.len() - 1];
        if !inner.contains('"') {
            return inner.to_string();
        }
    }
    token.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPECS: [OptSpec; 3] = [flag('s'), flag('e'), valued('v')];

    fn p(line: &str) -> Result<Parsed, CliError> {
        let tokens: Vec<String> = line.split(' ').map(str::to_string).collect();
        parse(&SPECS, &tokens)
    }

    #[test]
    fn flags_anywhere_bursting_and_values() {
        let r = p("set -s /a -v 3 data").unwrap();
        assert!(r.has('s') && !r.has('e'));
        assert_eq!(r.value('v'), Some("3"));
        assert_eq!(r.args, ["set", "/a", "data"]);
        let r = p("create -se /a").unwrap();
        assert!(r.has('s') && r.has('e'));
        assert_eq!(p("set -v5 /a").unwrap().value('v'), Some("5"));
        assert_eq!(p("set -v=7 /a").unwrap().value('v'), Some("7"));
        assert_eq!(p("set -v -1 /a").unwrap().value('v'), Some("-1"));
        assert_eq!(p("set -v 1 -v 2 /a").unwrap().value('v'), Some("1"));
    }

    #[test]
    fn double_dash_and_single_dash_are_arguments() {
        let r = p("create -- /a -s").unwrap();
        assert_eq!(r.args, ["create", "/a", "-s"]);
        assert!(!r.has('s'));
        assert_eq!(p("set /a -").unwrap().args, ["set", "/a", "-"]);
    }

    #[test]
    fn errors_use_commons_cli_wording() {
        let e = |line| p(line).unwrap_err().to_string();
        assert_eq!(
            e("ls -x /"),
            "org.apache.commons.cli.UnrecognizedOptionException: Unrecognized option: -x"
        );
        assert_eq!(
            e("ls -sx /"),
            "org.apache.commons.cli.UnrecognizedOptionException: Unrecognized option: -sx"
        );
        assert_eq!(
            e("ls --long /"),
            "org.apache.commons.cli.UnrecognizedOptionException: Unrecognized option: --long"
        );
        assert_eq!(
            e("set /a d -v"),
            "org.apache.commons.cli.MissingArgumentException: Missing argument for option: v"
        );
        assert_eq!(
            e("set -v -s /a d"),
            "org.apache.commons.cli.MissingArgumentException: Missing argument for option: v"
        );
    }
}
