//! zkCli's line tokenizer (`ZooKeeperMain.MyCommandOptions.parseCommand`).
//!
//! zkCli splits a line with the regex `\s*([^"']\S*|"[^"]*"|'[^']*')\s*`,
//! taken with `Matcher.find()`, and strips one pair of surrounding quotes
//! from each match. So `create /sanguo "jinlian"` stores `jinlian`, `"a b"`
//! is one word, a quote inside a word is kept (`a"b`), and an unclosed
//! quote is skipped (`"abc` reads `abc`). This module reproduces that regex
//! by hand, backtracking included, rather than pulling in a regex engine.

/// Java's `\s`: ASCII whitespace only.
fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\u{0B}' | '\u{0C}' | '\r')
}

/// The words of a command line, as zkCli sees them.
pub fn tokenize(line: &str) -> Vec<String> {
    let chars: Vec<char> = line.chars().collect();
    let mut words = Vec::new();
    let mut start = 0;
    while start < chars.len() {
        match match_at(&chars, start) {
            Some((group, end)) => {
                words.push(unquote(group));
                // A match always consumes at least one character.
                start = end;
            }
            None => start += 1,
        }
    }
    words
}

/// One attempt of the regex anchored at `start`: the group's text and the
/// end of the whole match (trailing whitespace included).
fn match_at(chars: &[char], start: usize) -> Option<(String, usize)> {
    let mut w = start;
    while w < chars.len() && is_space(chars[w]) {
        w += 1;
    }
    let group_end = alternatives(chars, w).or_else(|| {
        // Backtracking: `\s*` gives its last character back to `[^"']`,
        // then `\S*` runs from the next one.
        (w > start).then(|| non_space_end(chars, w))
    })?;
    let group_start = if alternatives(chars, w).is_some() {
        w
    } else {
        w - 1
    };
    let group: String = chars[group_start..group_end].iter().collect();
    let mut end = group_end;
    while end < chars.len() && is_space(chars[end]) {
        end += 1;
    }
    Some((group, end))
}

/// The three alternatives of the group at `at`: the group's end.
fn alternatives(chars: &[char], at: usize) -> Option<usize> {
    let &c = chars.get(at)?;
    if c == '"' || c == '\'' {
        let close = chars[at + 1..].iter().position(|&d| d == c)?;
        Some(at + 1 + close + 1)
    } else {
        Some(non_space_end(chars, at + 1))
    }
}

fn non_space_end(chars: &[char], from: usize) -> usize {
    let mut i = from;
    while i < chars.len() && !is_space(chars[i]) {
        i += 1;
    }
    i
}

/// `QUOTED_PATTERN` `^(['"])(.*)(\1)$`: one pair of matching quotes goes.
fn unquote(group: String) -> String {
    let mut it = group.chars();
    match (it.next(), it.next_back()) {
        (Some(a), Some(b)) if a == b && (a == '"' || a == '\'') => it.collect(),
        _ => group,
    }
}

#[cfg(test)]
mod tests {
    use super::tokenize;

    fn t(line: &str) -> Vec<String> {
        tokenize(line)
    }

    #[test]
    fn quotes_group_words_and_are_stripped() {
        assert_eq!(
            t(r#"create /sanguo "jinlian""#),
            ["create", "/sanguo", "jinlian"]
        );
        assert_eq!(t(r#"set /a "two words""#), ["set", "/a", "two words"]);
        assert_eq!(t("set /a 'single q'"), ["set", "/a", "single q"]);
        assert_eq!(t(r#"set /a """#), ["set", "/a", ""]);
    }

    #[test]
    fn whitespace_runs_and_tabs_separate_words() {
        assert_eq!(t("  ls \t /  "), ["ls", "/"]);
        assert_eq!(t("ls"), ["ls"]);
    }

    #[test]
    fn quotes_inside_words_stay_and_unclosed_quotes_are_skipped() {
        assert_eq!(t(r#"set /a b"c"#), ["set", "/a", "b\"c"]);
        assert_eq!(t(r#"set /a "abc"#), ["set", "/a", "abc"]);
        assert_eq!(t(r#"set /a "x"y"#), ["set", "/a", "x", "y"]);
        assert_eq!(t(r#"set /a "it's""#), ["set", "/a", "it's"]);
    }

    #[test]
    fn backtracking_quirks_of_the_java_regex() {
        // Leading blanks before an unclosed quote: `\s*` gives one back.
        assert_eq!(t(r#"  "abc"#), [r#" "abc"#]);
        assert_eq!(t("   "), [" "]);
        assert!(t("").is_empty());
        assert!(t("\"").is_empty());
    }
}
