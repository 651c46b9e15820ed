//! Znode paths: ZooKeeper's `PathUtils.validatePath` rules and the
//! parent/name split the request processor uses.

use crate::error::ErrorCode;

/// The root.
pub const ROOT: &str = "/";
/// ZooKeeper's own subtree.
pub const ZOOKEEPER: &str = "/zookeeper";
/// Where quotas live.
pub const QUOTA: &str = "/zookeeper/quota";
/// The ensemble's dynamic configuration (read-only to clients).
pub const CONFIG: &str = "/zookeeper/config";

/// The paths ZooKeeper refuses to delete (`DataTree.isSpecialPath`).
pub fn is_special(path: &str) -> bool {
    matches!(path, ROOT | ZOOKEEPER | QUOTA | CONFIG)
}

/// Whether a character is refused in a path: controls, the C1 block, the
/// private-use area and every supplementary-plane character (Java sees
/// those as surrogates, U+D800–U+DFFF), and U+FFF0–U+FFFF.
fn is_invalid_char(c: char) -> bool {
    matches!(c, '\u{1}'..='\u{1f}' | '\u{7f}'..='\u{9f}' | '\u{e000}'..='\u{f8ff}' | '\u{fff0}'..)
}

/// `PathUtils.validatePath`: the full validation ZooKeeper runs on the final
/// path of a create, and on setData, setACL and check. Any failure is
/// [`ErrorCode::BadArguments`].
pub fn validate(path: &str) -> Result<(), ErrorCode> {
    if !path.starts_with('/') {
        return Err(ErrorCode::BadArguments);
    }
    if path == ROOT {
        return Ok(());
    }
    if path.ends_with('/') {
        return Err(ErrorCode::BadArguments);
    }
    for component in path[1..].split('/') {
        if component.is_empty() || component == "." || component == ".." {
            return Err(ErrorCode::BadArguments);
        }
        if component.chars().any(|c| c == '\0' || is_invalid_char(c)) {
            return Err(ErrorCode::BadArguments);
        }
    }
    Ok(())
}

/// The request processor's cheap check before looking up a parent: the path
/// contains a `/` and no NUL. Returns the parent path. Java takes the text
/// before the last `/`, and an empty parent is its alias of the root, so the
/// parent of `/a` is `/`.
pub fn parent_for_write(path: &str) -> Result<&str, ErrorCode> {
    let last = path.rfind('/').ok_or(ErrorCode::BadArguments)?;
    if path.contains('\0') {
        return Err(ErrorCode::BadArguments);
    }
    Ok(if last == 0 { ROOT } else { &path[..last] })
}

/// The parent of a valid, non-root path.
pub fn parent(path: &str) -> &str {
    match path.rfind('/') {
        Some(0) | None => ROOT,
        Some(i) => &path[..i],
    }
}

/// The last component of a valid, non-root path.
pub fn name(path: &str) -> &str {
    match path.rfind('/') {
        Some(i) => &path[i + 1..],
        None => path,
    }
}

/// The child path `parent/name`.
pub fn join(parent: &str, name: &str) -> String {
    if parent == ROOT {
        format!("/{name}")
    } else {
        format!("{parent}/{name}")
    }
}

/// Reads on the Java server treat the empty path as the root.
pub fn for_read(path: &str) -> &str {
    if path.is_empty() { ROOT } else { path }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_paths_follow_path_utils() {
        for ok in [
            "/",
            "/a",
            "/a/b",
            "/a b/c:d",
            "/.a",
            "/a..",
            "/...",
            "/zookeeper",
            "/中文",
        ] {
            assert_eq!(validate(ok), Ok(()), "{ok:?}");
        }
        for bad in [
            "",
            "a",
            "/a/",
            "//",
            "/a//b",
            "/.",
            "/..",
            "/a/./b",
            "/a/..",
            "/a\0b",
            "/a\u{1}",
            "/\u{7f}",
            "/\u{9f}",
            "/😀",
            "/\u{e000}",
            "/\u{fff0}",
        ] {
            assert_eq!(validate(bad), Err(ErrorCode::BadArguments), "{bad:?}");
        }
    }

    #[test]
    fn parent_split_matches_the_request_processor() {
        assert_eq!(parent_for_write("/a"), Ok("/"));
        assert_eq!(parent_for_write("/a/b"), Ok("/a"));
        assert_eq!(parent_for_write("/raw//x"), Ok("/raw/"));
        assert_eq!(parent_for_write("raw"), Err(ErrorCode::BadArguments));
        assert_eq!(parent_for_write("/a\0"), Err(ErrorCode::BadArguments));
        assert_eq!((parent("/a/b"), name("/a/b")), ("/a", "b"));
        assert_eq!((parent("/a"), name("/a")), ("/", "a"));
        assert_eq!(join("/", "a"), "/a");
        assert_eq!(join("/a", "b"), "/a/b");
        assert!(is_special("/zookeeper/config") && !is_special("/zookeeper/x"));
    }
}
