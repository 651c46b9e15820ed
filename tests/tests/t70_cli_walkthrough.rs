//! The seed's section 3.2, typed into `zoolab cli` on a real 3-node
//! cluster: on a pseudo-terminal (prompts, echo) and through a pipe (no
//! prompts), each compared line by line with
//! `tests/expected/seed_3_2_walkthrough.txt`, written from the seed and
//! real zkCli 3.8 captures. The file also drives the typing: prompt lines
//! say what to type, `####` lines what the second client does.

use tests::cluster::{Cluster, Options};
use tests::protocols;
use tests::shell::{PipedCli, PtyCli, compare_transcript, one_shot};

const EXPECTED: &str = include_str!("../expected/seed_3_2_walkthrough.txt");

/// One item of the expected file.
#[derive(Clone, Debug)]
enum Item {
    /// An output line; a prompt line also types its command.
    Line(String),
    /// A second client runs this one-shot command.
    Other(Vec<String>),
    /// Typed into the pipe (piped runs only).
    Type(String),
    Enter,
}

/// The sessions of the file (split at `#### restart`).
fn sessions() -> Vec<Vec<Item>> {
    let mut sessions = vec![Vec::new()];
    for line in EXPECTED.lines() {
        let item = if let Some(directive) = line.strip_prefix("#### ") {
            if let Some(cmd) = directive.strip_prefix("B: ") {
                Item::Other(cmd.split_whitespace().map(String::from).collect())
            } else if directive == "enter" {
                Item::Enter
            } else if directive == "restart" {
                sessions.push(Vec::new());
                continue;
            } else {
                continue; // a comment
            }
        } else {
            Item::Line(line.to_string())
        };
        if let Some(session) = sessions.last_mut() {
            session.push(item);
        }
    }
    sessions
}

/// `[zk: … N] cmd` → (`[zk: … N] `, `cmd`).
fn split_prompt(line: &str) -> Option<(&str, &str)> {
    if !line.starts_with("[zk: ") {
        return None;
    }
    let end = line.find("] ")? + 2;
    Some((&line[..end], &line[end..]))
}

async fn cluster_connect_string() -> (Cluster, String) {
    let protocol = protocols()
        .into_iter()
        .next()
        .expect("a protocol is available");
    let mut cluster = Cluster::start(Options::new(3, protocol));
    cluster.wait_for_leader().await;
    let connect = cluster
        .ids()
        .into_iter()
        .map(|id| cluster.endpoint(id))
        .collect::<Vec<_>>()
        .join(",");
    (cluster, connect)
}

fn other_client(connect: &str, words: &[String]) {
    let args: Vec<&str> = words.iter().map(String::as_str).collect();
    let (code, output) = one_shot(connect, &args);
    assert_eq!(code, 0, "client B {words:?} failed:\n{output}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_seeds_walkthrough_on_a_terminal_prints_what_zkcli_prints() {
    let (_cluster, connect) = cluster_connect_string().await;
    for session in sessions() {
        let mut pty = PtyCli::start(&connect, "dumb");
        let mut expected = Vec::new();
        let mut last_line = String::new();
        for item in &session {
            match item {
                Item::Line(line) => {
                    let line = line.replace("<SERVER>", &connect);
                    if let Some((prompt, command)) = split_prompt(&line) {
                        pty.expect(prompt);
                        if !command.is_empty() {
                            pty.type_line(command);
                        }
                    }
                    expected.push(line.clone());
                    last_line = line;
                }
                Item::Other(words) => other_client(&connect, words),
                Item::Type(_) => unreachable!("only piped runs type lines"),
                Item::Enter => {
                    pty.expect(&last_line);
                    pty.type_line("");
                }
            }
        }
        pty.expect_exit();
        let actual: Vec<String> = pty.transcript.lines().map(String::from).collect();
        if let Err(e) = compare_transcript(&expected, &actual, &connect) {
            panic!("{e}");
        }
    }
}

/// What the same session prints through a pipe: no prompt lines (nor the
/// commands the terminal echoed), no echoed Enter, JLine disabled.
fn piped_expectation(session: &[Item]) -> Vec<Item> {
    let mut items = Vec::new();
    let mut after_enter = false;
    let mut blank_after_other = false;
    for item in session {
        match item {
            Item::Line(line) if after_enter && line.is_empty() => {}
            Item::Line(line) if line == "JLine support is enabled" => {
                items.push(Item::Line("JLine support is disabled".into()));
            }
            Item::Line(line) => match split_prompt(line) {
                // The command is typed; the pipe shows nothing for it.
                Some((_, command)) if !command.is_empty() => {
                    items.push(Item::Type(command.to_string()));
                }
                // The event that ends an idle prompt's line starts with a
                // blank line of its own once client B has acted.
                Some(_) => blank_after_other = true,
                None => items.push(item.clone()),
            },
            Item::Other(_) if blank_after_other => {
                items.push(item.clone());
                items.push(Item::Line(String::new()));
                blank_after_other = false;
            }
            other => items.push(other.clone()),
        }
        after_enter = matches!(item, Item::Enter);
    }
    items
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_seeds_walkthrough_through_a_pipe_prints_the_same_without_prompts() {
    let (_cluster, connect) = cluster_connect_string().await;
    for session in sessions() {
        let mut cli = PipedCli::start(&connect);
        let mut expected: Vec<String> = Vec::new();
        for item in piped_expectation(&session) {
            match item {
                Item::Line(line) => expected.push(line.replace("<SERVER>", &connect)),
                Item::Type(command) => cli.send(&command),
                // Client B acts once A has printed everything before it
                // (so A's watch is set); after an event, A goes on once
                // the event is printed.
                Item::Other(_) | Item::Enter => {
                    let n = expected.len();
                    cli.wait_for(&format!("{n} lines"), |lines| lines.len() >= n);
                    if let Item::Other(words) = item {
                        other_client(&connect, &words);
                    }
                }
            }
        }
        let (code, actual) = cli.finish();
        assert_eq!(code, 0, "quit exits with status 0");
        if let Err(e) = compare_transcript(&expected, &actual, &connect) {
            panic!("{e}");
        }
    }
}
