//! The rest of zkCli's printing: child lists, watch events, the prompt.

use crate::acl::{Acl, perms};
use crate::event::EventType;

/// `Watcher.Event.KeeperState`, as the default watcher prints it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeeperState {
    Disconnected,
    SyncConnected,
    AuthFailed,
    ConnectedReadOnly,
    SaslAuthenticated,
    Expired,
    Closed,
}

impl KeeperState {
    pub fn name(self) -> &'static str {
        match self {
            KeeperState::Disconnected => "Disconnected",
            KeeperState::SyncConnected => "SyncConnected",
            KeeperState::AuthFailed => "AuthFailed",
            KeeperState::ConnectedReadOnly => "ConnectedReadOnly",
            KeeperState::SaslAuthenticated => "SaslAuthenticated",
            KeeperState::Expired => "Expired",
            KeeperState::Closed => "Closed",
        }
    }
}

/// `ZooKeeper.States`, as the prompt shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConnState {
    Connecting,
    Associating,
    Connected,
    ConnectedReadOnly,
    Closed,
    AuthFailed,
    NotConnected,
}

impl ConnState {
    pub fn name(self) -> &'static str {
        match self {
            ConnState::Connecting => "CONNECTING",
            ConnState::Associating => "ASSOCIATING",
            ConnState::Connected => "CONNECTED",
            ConnState::ConnectedReadOnly => "CONNECTEDREADONLY",
            ConnState::Closed => "CLOSED",
            ConnState::AuthFailed => "AUTH_FAILED",
            ConnState::NotConnected => "NOT_CONNECTED",
        }
    }

    /// `States.isAlive`: commands are sent (and wait) unless the handle is
    /// closed or its authentication failed.
    pub fn is_alive(self) -> bool {
        !matches!(self, ConnState::Closed | ConnState::AuthFailed)
    }
}

/// `EventType.toString()`.
pub fn event_type_name(event: EventType) -> &'static str {
    match event {
        EventType::None => "None",
        EventType::NodeCreated => "NodeCreated",
        EventType::NodeDeleted => "NodeDeleted",
        EventType::NodeDataChanged => "NodeDataChanged",
        EventType::NodeChildrenChanged => "NodeChildrenChanged",
        EventType::DataWatchRemoved => "DataWatchRemoved",
        EventType::ChildWatchRemoved => "ChildWatchRemoved",
        EventType::PersistentWatchRemoved => "PersistentWatchRemoved",
    }
}

/// `WatchedEvent.toString()`; a `None` path prints `null`.
pub fn watched_event(state: KeeperState, event: EventType, path: Option<&str>) -> String {
    format!(
        "WatchedEvent state:{} type:{} path:{}",
        state.name(),
        event_type_name(event),
        path.unwrap_or("null")
    )
}

/// zkCli's default watcher: `printMessage("WATCHER::")` then
/// `printMessage(event)`, each a newline then the text, on standard output.
pub fn watcher_lines(state: KeeperState, event: EventType, path: Option<&str>) -> Vec<String> {
    vec![
        String::new(),
        "WATCHER::".to_string(),
        String::new(),
        watched_event(state, event, path),
    ]
}

/// `getAcl`: each entry as `Id.toString()` (jute's CSV form, which ends
/// in a newline) then `: ` and its permission letters.
pub fn acl_lines(acl: &[Acl]) -> Vec<String> {
    acl.iter()
        .flat_map(|a| {
            [
                format!("{},{}", csv_string(&a.id.scheme), csv_string(&a.id.id)),
                format!(": {}", perm_string(a.perms)),
            ]
        })
        .collect()
}

/// `GetAclCommand.getPermString`: the letters in c, d, r, w, a order.
pub fn perm_string(bits: i32) -> String {
    [
        (perms::CREATE, 'c'),
        (perms::DELETE, 'd'),
        (perms::READ, 'r'),
        (perms::WRITE, 'w'),
        (perms::ADMIN, 'a'),
    ]
    .iter()
    .filter(|(bit, _)| bits & bit != 0)
    .map(|(_, c)| *c)
    .collect()
}

/// jute's `Utils.toCSVString`: a quote, then the text with its separators
/// percent-escaped.
fn csv_string(text: &str) -> String {
    let mut out = String::from("'");
    for c in text.chars() {
        match c {
            '\0' => out.push_str("%00"),
            '\n' => out.push_str("%0A"),
            '\r' => out.push_str("%0D"),
            ',' => out.push_str("%2C"),
            '}' => out.push_str("%7D"),
            '%' => out.push_str("%25"),
            c => out.push(c),
        }
    }
    out
}

/// `ls`: the names sorted (`Collections.sort`), as `[a, b]`.
pub fn children(names: &[String]) -> String {
    let mut sorted = names.to_vec();
    sorted.sort_unstable_by(|a, b| java_compare(a, b));
    java_list(&sorted)
}

/// `List.toString()`: `[a, b]`, in the given order.
pub fn java_list(items: &[String]) -> String {
    format!("[{}]", items.join(", "))
}

/// `String.compareTo`: UTF-16 code unit order (differs from Rust's byte
/// order only for characters beyond the BMP against U+E000..U+FFFF).
pub fn java_compare(a: &str, b: &str) -> std::cmp::Ordering {
    a.encode_utf16().cmp(b.encode_utf16())
}

/// zkCli's first line, before it connects (`-server`, default
/// `localhost:2181`).
pub fn connecting(host: &str) -> String {
    format!("Connecting to {host}")
}

/// Printed when zkCli starts interactively (no command in its arguments).
pub const WELCOME: &str = "Welcome to ZooKeeper!";

/// Printed after [`WELCOME`]: with line editing, or reading plain lines
/// (standard input not a terminal).
pub const JLINE_ENABLED: &str = "JLine support is enabled";
pub const JLINE_DISABLED: &str = "JLine support is disabled";

/// `[zk: host:port(CONNECTED) N] `.
pub fn prompt(host: &str, state: ConnState, count: u32) -> String {
    format!("[zk: {host}({}) {count}] ", state.name())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_and_prompt_as_zkcli_prints_them() {
        assert_eq!(
            watcher_lines(
                KeeperState::SyncConnected,
                EventType::NodeDataChanged,
                Some("/sanguo")
            ),
            [
                "",
                "WATCHER::",
                "",
                "WatchedEvent state:SyncConnected type:NodeDataChanged path:/sanguo"
            ]
        );
        assert_eq!(
            watched_event(KeeperState::Closed, EventType::None, None),
            "WatchedEvent state:Closed type:None path:null"
        );
        assert_eq!(
            prompt("127.0.0.1:2181", ConnState::Connected, 3),
            "[zk: 127.0.0.1:2181(CONNECTED) 3] "
        );
        assert_eq!(prompt("h:1", ConnState::Closed, 0), "[zk: h:1(CLOSED) 0] ");
        assert!(ConnState::Connecting.is_alive() && !ConnState::Closed.is_alive());
    }

    #[test]
    fn children_are_sorted_lists_are_not() {
        let names: Vec<String> = ["wuguo", "shuguo0000000003", "weiguo0000000000"]
            .map(String::from)
            .to_vec();
        assert_eq!(
            children(&names),
            "[shuguo0000000003, weiguo0000000000, wuguo]"
        );
        assert_eq!(
            java_list(&names),
            "[wuguo, shuguo0000000003, weiguo0000000000]"
        );
        assert_eq!(children(&[]), "[]");
    }

    #[test]
    fn acls_print_as_jute_csv_ids_and_permission_letters() {
        use crate::acl::Id;
        let acl = vec![
            Acl::new(perms::ALL, Id::anyone()),
            Acl::new(perms::READ | perms::ADMIN, Id::new("digest", "u:h,x%")),
        ];
        assert_eq!(
            acl_lines(&acl),
            ["'world,'anyone", ": cdrwa", "'digest,'u:h%2Cx%25", ": ra"]
        );
    }
}
