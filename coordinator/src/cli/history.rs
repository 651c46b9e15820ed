//! zkCli's command history: every non-empty line, numbered from 0 in the
//! order typed; `history` lists the last ones and `redo N` replays one.

use std::collections::BTreeMap;

/// The numbered lines (`ZooKeeperMain.history`) and the count of lines
/// executed so far (`commandCount`, shown in the prompt).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct History {
    lines: BTreeMap<u32, String>,
    count: u32,
}

impl History {
    pub fn new() -> History {
        History::default()
    }

    /// The number the next line gets (the prompt's `N`).
    pub fn count(&self) -> u32 {
        self.count
    }

    /// Records the line about to run under the current number.
    pub fn record(&mut self, line: &str) {
        self.lines.insert(self.count, line.to_string());
    }

    /// The line about to run is replaced by the one `redo` replays, so the
    /// history shows what actually ran.
    pub fn replace_current(&mut self, line: &str) {
        self.record(line);
    }

    /// The line ran: the next gets the next number.
    pub fn advance(&mut self) {
        self.count += 1;
    }

    pub fn get(&self, index: u32) -> Option<&str> {
        self.lines.get(&index).map(String::as_str)
    }

    /// `history`: the current line and up to ten before it, `N - line`.
    pub fn listing(&self) -> Vec<String> {
        let from = self.count.saturating_sub(10);
        (from..=self.count)
            .map(|i| format!("{i} - {}", self.get(i).unwrap_or("null")))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listing_shows_the_last_eleven_including_the_current_line() {
        let mut h = History::new();
        for i in 0..13 {
            h.record(&format!("ls /{i}"));
            h.advance();
        }
        h.record("history");
        let listing = h.listing();
        assert_eq!(listing.len(), 11);
        assert_eq!(listing[0], "3 - ls /3");
        assert_eq!(listing[9], "12 - ls /12");
        assert_eq!(listing[10], "13 - history");
        let mut short = History::new();
        short.record("history");
        assert_eq!(short.listing(), ["0 - history"]);
    }
}
