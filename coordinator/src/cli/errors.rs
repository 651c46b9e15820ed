//! Every error zkCli prints, worded as zkCli 3.8 words it: the
//! `CliException` family (`CliParseException`, `MalformedCommandException`,
//! `MalformedPathException`, `CommandNotFoundException`,
//! `CliWrapperException` around a `KeeperException`).

use std::fmt;

use crate::error::ErrorCode;

/// One failed command, as a value. `Display` is the exact line zkCli
/// prints on standard error; [`CliError::exit_code`] is the status a
/// one-shot `zkCli.sh cmd` exits with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CliError {
    /// `CliParseException`: a usage string, or commons-cli's exception
    /// (class name included, as `Throwable.toString` renders it).
    Parse(String),
    /// `MalformedCommandException`.
    Malformed(String),
    /// `MalformedPathException`: the client-side path check failed.
    MalformedPath(String),
    /// `CommandNotFoundException("Command not found " + cmd)`.
    CommandNotFound(String),
    /// `CliWrapperException` around the server's error for `path`.
    Keeper { code: ErrorCode, path: String },
    /// A number flag that is not a number. zkCli 3.8 lets the
    /// `NumberFormatException` escape and dies with a stack trace; zoolab
    /// prints the exception's first line and carries on.
    NumberFormat(String),
    /// A zkCli 3.8 command zoolab does not implement (quotas, ACL edits,
    /// reconfig…).
    Unsupported(String),
}

impl CliError {
    pub fn keeper(code: ErrorCode, path: impl Into<String>) -> CliError {
        CliError::Keeper {
            code,
            path: path.into(),
        }
    }

    /// zkCli's exit status for this error (`CliException.getExitCode`).
    pub fn exit_code(&self) -> i32 {
        match self {
            CliError::CommandNotFound(_) => 127,
            _ => 1,
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Parse(m) | CliError::Malformed(m) | CliError::MalformedPath(m) => {
                f.write_str(m)
            }
            CliError::CommandNotFound(cmd) => {
                write!(f, "Command not found: Command not found {cmd}")
            }
            CliError::Keeper { code, path } => f.write_str(&wrapper_message(*code, path)),
            CliError::NumberFormat(input) => write!(
                f,
                "java.lang.NumberFormatException: For input string: \"{input}\""
            ),
            CliError::Unsupported(cmd) => {
                write!(f, "zoolab: '{cmd}' is not supported by this shell")
            }
        }
    }
}

impl std::error::Error for CliError {}

/// `CliWrapperException.getMessage` (3.8 wording) for a `KeeperException`
/// raised on `path`.
pub fn wrapper_message(code: ErrorCode, path: &str) -> String {
    let prefix = match code {
        ErrorCode::NoNode => "Node does not exist: ",
        ErrorCode::NoChildrenForEphemerals => "Ephemerals cannot have children: ",
        ErrorCode::NodeExists => "Node already exists: ",
        ErrorCode::NotEmpty => "Node not empty: ",
        ErrorCode::NotReadOnly => "Not a read-only call: ",
        ErrorCode::InvalidAcl => "Acl is not valid : ",
        ErrorCode::NoAuth => "Insufficient permission : ",
        ErrorCode::BadArguments => "Arguments are not valid : ",
        ErrorCode::BadVersion => "version No is not valid : ",
        ErrorCode::ReconfigInProgress => {
            return "Another reconfiguration is in progress -- concurrent reconfigs not supported (yet)"
                .to_string();
        }
        ErrorCode::NewConfigNoQuorum => {
            return "No quorum of new config is connected and up-to-date with the leader of last \
                    commmitted config - try invoking reconfiguration after new servers are \
                    connected and synced"
                .to_string();
        }
        _ => return keeper_exception_message(code, path),
    };
    format!("{prefix}{path}")
}

/// `KeeperException.getMessage`: `KeeperErrorCode = <text> for <path>`.
pub fn keeper_exception_message(code: ErrorCode, path: &str) -> String {
    if path.is_empty() {
        format!("KeeperErrorCode = {}", code_message(code))
    } else {
        format!("KeeperErrorCode = {} for {path}", code_message(code))
    }
}

/// `KeeperException.getCodeMessage`.
pub fn code_message(code: ErrorCode) -> String {
    let text = match code {
        ErrorCode::Ok => "ok",
        ErrorCode::SystemError => "SystemError",
        ErrorCode::RuntimeInconsistency => "RuntimeInconsistency",
        ErrorCode::DataInconsistency => "DataInconsistency",
        ErrorCode::ConnectionLoss => "ConnectionLoss",
        ErrorCode::MarshallingError => "MarshallingError",
        ErrorCode::NewConfigNoQuorum => "NewConfigNoQuorum",
        ErrorCode::ReconfigInProgress => "ReconfigInProgress",
        ErrorCode::Unimplemented => "Unimplemented",
        ErrorCode::OperationTimeout => "OperationTimeout",
        ErrorCode::BadArguments => "BadArguments",
        ErrorCode::ApiError => "APIError",
        ErrorCode::NoNode => "NoNode",
        ErrorCode::NoAuth => "NoAuth",
        ErrorCode::BadVersion => "BadVersion",
        ErrorCode::NoChildrenForEphemerals => "NoChildrenForEphemerals",
        ErrorCode::NodeExists => "NodeExists",
        ErrorCode::InvalidAcl => "InvalidACL",
        ErrorCode::AuthFailed => "AuthFailed",
        ErrorCode::NotEmpty => "Directory not empty",
        ErrorCode::SessionExpired => "Session expired",
        ErrorCode::InvalidCallback => "Invalid callback",
        ErrorCode::SessionMoved => "Session moved",
        ErrorCode::NotReadOnly => "Not a read-only call",
        ErrorCode::EphemeralOnLocalSession => "Ephemeral node on local session",
        ErrorCode::NoWatcher => "No such watcher",
        ErrorCode::ReconfigDisabled => "Reconfig is disabled",
        ErrorCode::SessionClosedRequireSaslAuth => {
            "Session closed because client failed to authenticate"
        }
        ErrorCode::QuotaExceeded => "Quota has exceeded",
        ErrorCode::ThrottledOp => "Op throttled due to high load",
        // No case in getCodeMessage: Java prints the enum constant's name.
        ErrorCode::UnknownSession | ErrorCode::RequestTimeout => {
            return format!("Unknown error {}", code.name());
        }
    };
    text.to_string()
}

/// `PathUtils.validatePath(path, isSequential)`, the Java client's check
/// before sending anything, with its messages (positions are UTF-16
/// indices, as Java counts them).
pub fn validate_path(path: &str, sequential: bool) -> Result<(), CliError> {
    let checked;
    let path = if sequential {
        checked = format!("{path}1");
        checked.as_str()
    } else {
        path
    };
    let bad = |m: &str| Err(CliError::MalformedPath(m.to_string()));
    if path.is_empty() {
        return bad("Path length must be > 0");
    }
    if !path.starts_with('/') {
        return bad("Path must start with / character");
    }
    if path.len() == 1 {
        return Ok(());
    }
    if path.ends_with('/') {
        return bad("Path must not end with / character");
    }
    let units: Vec<u16> = path.encode_utf16().collect();
    let at = |i: usize| units.get(i).copied();
    let slash = u16::from(b'/');
    let dot = u16::from(b'.');
    let mut reason = None;
    for i in 1..units.len() {
        let (c, last) = (units[i], units[i - 1]);
        let ends_name = at(i + 1).is_none_or(|n| n == slash);
        if c == 0 {
            reason = Some(format!("null character not allowed @{i}"));
        } else if c == slash && last == slash {
            reason = Some(format!("empty node name specified @{i}"));
        } else if c == dot && last == dot {
            if i >= 2 && units[i - 2] == slash && ends_name {
                reason = Some(format!("relative paths not allowed @{i}"));
            }
        } else if c == dot {
            if last == slash && ends_name {
                reason = Some(format!("relative paths not allowed @{i}"));
            }
        } else if (0x01..=0x1f).contains(&c)
            || (0x7f..=0x9f).contains(&c)
            || (0xd800..=0xf8ff).contains(&c)
            || c >= 0xfff0
        {
            reason = Some(format!("invalid character @{i}"));
        }
        if reason.is_some() {
            break;
        }
    }
    match reason {
        Some(r) => Err(CliError::MalformedPath(format!(
            "Invalid path string \"{path}\" caused by {r}"
        ))),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_messages_match_path_utils() {
        let e = |p: &str, s| validate_path(p, s).unwrap_err().to_string();
        assert_eq!(e("sanguo", false), "Path must start with / character");
        assert_eq!(e("", false), "Path length must be > 0");
        assert_eq!(e("/a/", false), "Path must not end with / character");
        assert_eq!(
            e("/a//b", false),
            "Invalid path string \"/a//b\" caused by empty node name specified @3"
        );
        assert_eq!(
            e("/a/./b", false),
            "Invalid path string \"/a/./b\" caused by relative paths not allowed @3"
        );
        assert_eq!(
            e("/a/..", false),
            "Invalid path string \"/a/..\" caused by relative paths not allowed @4"
        );
        assert_eq!(
            e("/a\u{1}", false),
            "Invalid path string \"/a\u{1}\" caused by invalid character @2"
        );
        assert_eq!(
            e("/\u{1F600}", false),
            "Invalid path string \"/\u{1F600}\" caused by invalid character @1"
        );
        // A sequential create checks `path + "1"`: a trailing slash is fine.
        assert!(validate_path("/seq/", true).is_ok());
        assert!(validate_path("/", false).is_ok());
        assert!(validate_path("/a/..b/.c", false).is_ok());
    }

    #[test]
    fn keeper_errors_use_the_wrapper_wording_or_the_generic_fallback() {
        let m = |c| CliError::keeper(c, "/x").to_string();
        assert_eq!(m(ErrorCode::NoNode), "Node does not exist: /x");
        assert_eq!(m(ErrorCode::NodeExists), "Node already exists: /x");
        assert_eq!(m(ErrorCode::NotEmpty), "Node not empty: /x");
        assert_eq!(m(ErrorCode::BadVersion), "version No is not valid : /x");
        assert_eq!(m(ErrorCode::NoAuth), "Insufficient permission : /x");
        assert_eq!(
            m(ErrorCode::NoChildrenForEphemerals),
            "Ephemerals cannot have children: /x"
        );
        assert_eq!(m(ErrorCode::InvalidAcl), "Acl is not valid : /x");
        assert_eq!(m(ErrorCode::BadArguments), "Arguments are not valid : /x");
        assert_eq!(m(ErrorCode::NotReadOnly), "Not a read-only call: /x");
        assert_eq!(
            m(ErrorCode::Unimplemented),
            "KeeperErrorCode = Unimplemented for /x"
        );
        assert_eq!(
            m(ErrorCode::SessionExpired),
            "KeeperErrorCode = Session expired for /x"
        );
        assert_eq!(
            m(ErrorCode::RequestTimeout),
            "KeeperErrorCode = Unknown error REQUESTTIMEOUT for /x"
        );
        assert_eq!(
            keeper_exception_message(ErrorCode::ConnectionLoss, ""),
            "KeeperErrorCode = ConnectionLoss"
        );
        assert_eq!(
            CliError::CommandNotFound("foo".into()).to_string(),
            "Command not found: Command not found foo"
        );
        assert_eq!(CliError::CommandNotFound("foo".into()).exit_code(), 127);
    }
}
