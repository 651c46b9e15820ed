//! Helpers shared by the tree's integration tests: a tree with a zxid
//! counter, and terse constructors for commands.
#![allow(dead_code)]

use coordinator::{
    ApplyOutcome, CheckRequest, Command, CreateMode, CreateRequest, DataTree, DeleteRequest,
    ErrorCode, Op, OpResult, SessionId, SetDataRequest, Stat, TreeConfig,
};
use protocols::Zxid;

/// A tree plus the next zxid to apply at (epoch 1, like a fresh ensemble).
pub struct Harness {
    pub tree: DataTree,
    pub next: u32,
    pub now_ms: i64,
}

impl Harness {
    pub fn new() -> Harness {
        Harness::with_config(TreeConfig::default())
    }

    pub fn with_config(cfg: TreeConfig) -> Harness {
        Harness {
            tree: DataTree::new(cfg),
            next: 1,
            now_ms: 1_700_000_000_000,
        }
    }

    pub fn zxid(&self) -> Zxid {
        Zxid::new(1, self.next)
    }

    pub fn run(&mut self, cmd: Command) -> ApplyOutcome {
        let z = self.zxid();
        self.next += 1;
        self.now_ms += 1000;
        self.tree.apply(z, &cmd.with_time(self.now_ms))
    }

    pub fn op(&mut self, session: SessionId, op: Op) -> ApplyOutcome {
        self.run(Command::new(op).with_session(session))
    }

    pub fn create(
        &mut self,
        session: SessionId,
        path: &str,
        data: &[u8],
        mode: CreateMode,
    ) -> Result<String, ErrorCode> {
        let req = CreateRequest::new(path, Some(data.to_vec()), mode);
        match self.op(session, Op::Create(req)).result? {
            OpResult::Created { path, .. } => Ok(path),
            other => panic!("create answered {other:?}"),
        }
    }

    pub fn delete(&mut self, path: &str, version: i32) -> Result<(), ErrorCode> {
        self.op(
            0,
            Op::Delete(DeleteRequest {
                path: path.into(),
                version,
            }),
        )
        .result
        .map(|_| ())
    }

    pub fn set(&mut self, path: &str, data: &[u8], version: i32) -> Result<Stat, ErrorCode> {
        let req = SetDataRequest {
            path: path.into(),
            data: Some(data.to_vec()),
            version,
        };
        match self.op(0, Op::SetData(req)).result? {
            OpResult::DataSet { stat } => Ok(stat),
            other => panic!("setData answered {other:?}"),
        }
    }

    pub fn check(&mut self, path: &str, version: i32) -> Result<(), ErrorCode> {
        self.op(
            0,
            Op::Check(CheckRequest {
                path: path.into(),
                version,
            }),
        )
        .result
        .map(|_| ())
    }

    pub fn session(&mut self, timeout_ms: i32) -> SessionId {
        let cmd = Command::new(Op::CreateSession {
            timeout_ms,
            password: [7; 16],
        })
        .with_origin(1, 0);
        match self.run(cmd).result {
            Ok(OpResult::SessionCreated { session, .. }) => session,
            other => panic!("createSession answered {other:?}"),
        }
    }

    pub fn stat(&self, path: &str) -> Stat {
        self.tree.exists(path).expect("node exists")
    }
}
