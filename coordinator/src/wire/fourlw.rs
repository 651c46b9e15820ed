//! The four-letter-word hook: a connection whose first four bytes are one
//! of ZooKeeper's command words is a command connection. The listener only
//! recognises the word; what to answer is the hook's business (the
//! `coordinator::fourlw` module builds it from a server snapshot).

use std::future::Future;
use std::pin::Pin;

/// Every word ZooKeeper 3.8 knows (`FourLetterCommands`). Any other first
/// four bytes are a frame length.
pub const KNOWN_WORDS: [&[u8; 4]; 18] = [
    b"conf", b"cons", b"crst", b"dirs", b"dump", b"envi", b"gtmk", b"ruok", b"stmk", b"srst",
    b"srvr", b"stat", b"wchc", b"wchp", b"wchs", b"mntr", b"isro", b"hash",
];

/// Whether the first four bytes of a connection are a command word.
pub fn is_word(first: &[u8; 4]) -> bool {
    KNOWN_WORDS.contains(&first)
}

/// The text of an answer, or `None` to close without one.
pub type AnswerFuture = Pin<Box<dyn Future<Output = Option<String>> + Send>>;

/// Answers four-letter words. Any `Fn(&[u8; 4]) -> Option<String>` is one;
/// implement the trait directly for an answer that needs to await (a read
/// of the replica for `Node count`).
pub trait FourLetterWords: Send + Sync + 'static {
    fn answer(&self, word: [u8; 4]) -> AnswerFuture;
}

impl<F> FourLetterWords for F
where
    F: Fn(&[u8; 4]) -> Option<String> + Send + Sync + 'static,
{
    fn answer(&self, word: [u8; 4]) -> AnswerFuture {
        let text = self(&word);
        Box::pin(async move { text })
    }
}
