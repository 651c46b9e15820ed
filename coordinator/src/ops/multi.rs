//! multi: every op sees the effects of the ops before it; the first failure
//! undoes them all.

use crate::command::MultiOp;
use crate::error::ErrorCode;
use crate::result::MultiOpResult;
use crate::tree::txn::Txn;

use super::{Ctx, check, create, delete, set_data};

/// Applies the ops in order. On failure returns the failing op's index and
/// error; the caller rolls the transaction back.
pub(crate) fn apply(
    tx: &mut Txn,
    ctx: &Ctx,
    ops: &[MultiOp],
) -> Result<Vec<MultiOpResult>, (usize, ErrorCode)> {
    let mut results = Vec::with_capacity(ops.len());
    for (i, op) in ops.iter().enumerate() {
        let r = match op {
            MultiOp::Create(req) => create::apply(tx, ctx, req)
                .map(|(path, stat)| MultiOpResult::Created { path, stat }),
            MultiOp::Delete(req) => delete::apply(tx, ctx, req).map(|()| MultiOpResult::Deleted),
            MultiOp::SetData(req) => {
                set_data::apply(tx, ctx, req).map(|stat| MultiOpResult::DataSet { stat })
            }
            MultiOp::Check(req) => check::apply(tx.tree, ctx, req).map(|()| MultiOpResult::Checked),
        };
        results.push(r.map_err(|e| (i, e))?);
    }
    Ok(results)
}
