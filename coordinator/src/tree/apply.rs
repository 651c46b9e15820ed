//! [`DataTree::apply`]: one command at one zxid.

use protocols::Zxid;

use crate::command::{Command, DecodeError, Op};
use crate::error::ErrorCode;
use crate::ops::{self, Ctx};
use crate::result::{ApplyOutcome, ApplyResult, MultiResult, OpResult};

use super::DataTree;
use super::txn::Txn;

impl DataTree {
    /// Applies a committed command. Deterministic: the result and the new
    /// state depend only on the tree, the zxid and the command. A failed
    /// command changes nothing (ZooKeeper still consumes its zxid) and
    /// raises no trigger. A zxid not above the last applied one is refused
    /// with RuntimeInconsistency and changes nothing.
    pub fn apply(&mut self, zxid: Zxid, cmd: &Command) -> ApplyOutcome {
        if zxid <= self.last_zxid {
            return ApplyOutcome {
                result: Err(ErrorCode::RuntimeInconsistency),
                triggers: Vec::new(),
            };
        }
        self.last_zxid = zxid;
        let client_op = !matches!(
            cmd.op,
            Op::CreateSession { .. }
                | Op::CloseSession
                | Op::ExpireSession { .. }
                | Op::DeleteContainer { .. }
        );
        if client_op && cmd.session != 0 && !self.sessions.contains_key(&cmd.session) {
            return ApplyOutcome {
                result: Err(ErrorCode::SessionExpired),
                triggers: Vec::new(),
            };
        }
        let ctx = Ctx {
            session: cmd.session,
            time_ms: cmd.time_ms,
            auth: &cmd.auth,
        };
        let mut tx = Txn::new(self, zxid);
        let result: ApplyResult = match &cmd.op {
            Op::Create(req) => ops::create::apply(&mut tx, &ctx, req)
                .map(|(path, stat)| OpResult::Created { path, stat }),
            Op::Delete(req) => ops::delete::apply(&mut tx, &ctx, req).map(|()| OpResult::Deleted),
            Op::SetData(req) => {
                ops::set_data::apply(&mut tx, &ctx, req).map(|stat| OpResult::DataSet { stat })
            }
            Op::Check(req) => ops::check::apply(tx.tree, &ctx, req).map(|()| OpResult::Checked),
            Op::SetAcl(req) => {
                ops::set_acl::apply(&mut tx, &ctx, req).map(|stat| OpResult::AclSet { stat })
            }
            Op::Multi(list) => Ok(OpResult::Multi(
                match ops::multi::apply(&mut tx, &ctx, list) {
                    Ok(results) => MultiResult::Committed(results),
                    Err((failed, error)) => {
                        tx.rollback();
                        MultiResult::Aborted {
                            failed,
                            error,
                            ops: list.len(),
                        }
                    }
                },
            )),
            Op::CreateSession {
                timeout_ms,
                password,
            } => ops::session_ops::create(&mut tx, cmd.origin, *timeout_ms, *password),
            Op::CloseSession => Ok(ops::session_ops::close(&mut tx, cmd.session)),
            Op::ExpireSession { session } => Ok(ops::session_ops::close(&mut tx, *session)),
            Op::DeleteContainer { path } => {
                ops::cleanup::apply(&mut tx, path, cmd.time_ms).map(|()| OpResult::Deleted)
            }
        };
        if result.is_err() {
            tx.rollback();
        }
        let triggers = std::mem::take(&mut tx.triggers);
        ApplyOutcome { result, triggers }
    }

    /// Applies a command in its encoded form. Bytes that do not decode fail
    /// identically on every replica, with MarshallingError, and change
    /// nothing but the last zxid.
    pub fn apply_bytes(&mut self, zxid: Zxid, bytes: &[u8]) -> Result<ApplyOutcome, DecodeError> {
        match Command::decode(bytes) {
            Ok(cmd) => Ok(self.apply(zxid, &cmd)),
            Err(e) => {
                if zxid > self.last_zxid {
                    self.last_zxid = zxid;
                }
                Err(e)
            }
        }
    }
}
