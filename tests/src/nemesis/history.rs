//! The history of a run: every operation with its invoke and complete
//! times (µs since the run began) and its outcome — ok, fail (it did not
//! happen) or info (unknown: it may or may not have happened).

use std::fmt;
use std::sync::Mutex;
use std::time::Instant;

/// What a worker asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    /// getData of a register; `synced` after a sync.
    Read { key: usize, synced: bool },
    /// setData with any version.
    Write { key: usize, value: String },
    /// setData only if the register is at `expect` (its dataVersion).
    Cas {
        key: usize,
        expect: i32,
        value: String,
    },
    /// An ephemeral node of this session.
    CreateEphemeral { path: String },
    /// A persistent sequential node under the sequence parent.
    CreateSequential,
    /// The session's end.
    Close,
}

impl Kind {
    /// The register it reads or writes.
    pub fn key(&self) -> Option<usize> {
        match self {
            Kind::Read { key, .. } | Kind::Write { key, .. } | Kind::Cas { key, .. } => Some(*key),
            _ => None,
        }
    }
}

/// What the server answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// A read's data and dataVersion.
    Read { value: String, version: i32 },
    /// A write's new dataVersion.
    Written { version: i32 },
    /// A create's actual path.
    Created { path: String },
    /// Done, nothing returned.
    Done,
    /// It definitely did not happen (e.g. BadVersion).
    Fail(String),
    /// Unknown (timeout, connection loss).
    Info(String),
}

impl Outcome {
    pub fn is_ok(&self) -> bool {
        !matches!(self, Outcome::Fail(_) | Outcome::Info(_))
    }
}

/// One operation.
#[derive(Clone, Debug)]
pub struct Op {
    pub index: usize,
    pub worker: usize,
    pub session: i64,
    pub kind: Kind,
    pub invoke_us: u64,
    /// `None` until it completes (and for ever when it never does).
    pub complete_us: Option<u64>,
    pub outcome: Option<Outcome>,
}

impl Op {
    /// Info and never-completed operations complete "at infinity".
    pub fn end_us(&self) -> u64 {
        match (&self.outcome, self.complete_us) {
            (Some(Outcome::Info(_)) | None, _) | (_, None) => u64::MAX,
            (_, Some(t)) => t,
        }
    }

    /// Whether it is indeterminate.
    pub fn is_info(&self) -> bool {
        matches!(self.outcome, Some(Outcome::Info(_)) | None)
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let end = match self.complete_us {
            Some(t) => format!("{:.3}", secs(t)),
            None => "-".into(),
        };
        write!(
            f,
            "#{:<5} w{} s{:x} [{:.3}s, {end}s] {:?} -> {:?}",
            self.index,
            self.worker,
            self.session,
            secs(self.invoke_us),
            self.kind,
            self.outcome
        )
    }
}

fn secs(us: u64) -> f64 {
    // Microseconds of a run fit f64 exactly.
    #[allow(clippy::cast_precision_loss)]
    let s = us as f64 / 1e6;
    s
}

/// The shared, append-only record.
pub struct History {
    start: Instant,
    ops: Mutex<Vec<Op>>,
}

impl Default for History {
    fn default() -> History {
        History::new()
    }
}

impl History {
    pub fn new() -> History {
        History {
            start: Instant::now(),
            ops: Mutex::new(Vec::new()),
        }
    }

    /// µs since the run began.
    pub fn now_us(&self) -> u64 {
        u64::try_from(self.start.elapsed().as_micros()).unwrap_or(u64::MAX)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Op>> {
        self.ops
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Records an invocation; returns its index for [`History::complete`].
    pub fn invoke(&self, worker: usize, session: i64, kind: Kind) -> usize {
        let invoke_us = self.now_us();
        let mut ops = self.lock();
        let index = ops.len();
        ops.push(Op {
            index,
            worker,
            session,
            kind,
            invoke_us,
            complete_us: None,
            outcome: None,
        });
        index
    }

    pub fn complete(&self, index: usize, outcome: Outcome) {
        let now = self.now_us();
        if let Some(op) = self.lock().get_mut(index) {
            op.complete_us = Some(now);
            op.outcome = Some(outcome);
        }
    }

    /// Everything recorded so far.
    pub fn ops(&self) -> Vec<Op> {
        self.lock().clone()
    }
}
