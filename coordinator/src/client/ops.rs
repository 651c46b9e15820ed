//! One method per ZooKeeper operation. Reads (and watch registration)
//! are retried on the new server after a failover; writes are not.

use crate::acl::Acl;
use crate::api::convert::{acls_from_pb, acls_to_pb};
use crate::api::pb;
use crate::command::{CreateMode, CreateRequest, MultiOp};
use crate::error::ErrorCode;
use crate::stat::Stat;
use crate::watch::{AddWatchMode, WatcherType};

use super::Client;
use super::error::ClientError;

/// A multi's outcome: committed (every op applied) or aborted (none).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MultiOutcome {
    pub committed: bool,
    /// One per op, in order: when aborted, Ok for the ops before the
    /// failing one, its error, then RuntimeInconsistency (ZooKeeper's way).
    pub results: Vec<MultiOpOutcome>,
}

/// One op's result in a multi.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MultiOpOutcome {
    pub code: ErrorCode,
    /// A committed create's actual path.
    pub path: Option<String>,
    /// A committed create's or setData's new stat.
    pub stat: Option<Stat>,
}

impl MultiOutcome {
    /// The first failing op's index and code, if the multi aborted.
    pub fn first_error(&self) -> Option<(usize, ErrorCode)> {
        self.results
            .iter()
            .enumerate()
            .find(|(_, r)| !matches!(r.code, ErrorCode::Ok | ErrorCode::RuntimeInconsistency))
            .map(|(i, r)| (i, r.code))
    }
}

fn stat(s: Option<pb::Stat>) -> Stat {
    s.map(Stat::from).unwrap_or_default()
}

fn create_pb(r: CreateRequest) -> pb::CreateRequest {
    pb::CreateRequest {
        header: None,
        path: r.path,
        data: r.data,
        acl: acls_to_pb(r.acl),
        mode: r.flags,
        ttl_ms: r.ttl,
    }
}

fn multi_op_pb(op: MultiOp) -> pb::MultiOp {
    use pb::multi_op::Op as P;
    let op = match op {
        MultiOp::Create(r) => P::Create(create_pb(r)),
        MultiOp::Delete(r) => P::Delete(pb::DeleteRequest {
            header: None,
            path: r.path,
            version: r.version,
        }),
        MultiOp::SetData(r) => P::SetData(pb::SetDataRequest {
            header: None,
            path: r.path,
            data: r.data,
            version: r.version,
        }),
        MultiOp::Check(r) => P::Check(pb::CheckRequest {
            header: None,
            path: r.path,
            version: r.version,
        }),
    };
    pb::MultiOp { op: Some(op) }
}

impl Client {
    /// Creates a node with world:anyone:cdrwa; returns its actual path
    /// (with the sequence suffix for sequential modes).
    pub async fn create(
        &self,
        path: &str,
        data: &[u8],
        mode: CreateMode,
    ) -> Result<String, ClientError> {
        let request = CreateRequest::new(path, Some(data.to_vec()), mode);
        self.create_with(request).await.map(|(path, _)| path)
    }

    /// Creates a node as `request` says (ACL, null data, TTL); returns the
    /// actual path and the new node's stat.
    pub async fn create_with(&self, request: CreateRequest) -> Result<(String, Stat), ClientError> {
        let request = create_pb(request);
        let reply = self
            .shared
            .call(false, |mut rpc, header| {
                let mut r = request.clone();
                r.header = Some(header);
                async move { rpc.create(r).await }
            })
            .await?;
        Ok((reply.path, stat(reply.stat)))
    }

    /// Deletes a node (`version` -1 for any).
    pub async fn delete(&self, path: &str, version: i32) -> Result<(), ClientError> {
        self.shared
            .call(false, |mut rpc, header| {
                let r = pb::DeleteRequest {
                    header: Some(header),
                    path: path.to_owned(),
                    version,
                };
                async move { rpc.delete(r).await }
            })
            .await
            .map(|_| ())
    }

    /// Replaces a node's data (`version` -1 for any); returns the new stat.
    pub async fn set_data(
        &self,
        path: &str,
        data: &[u8],
        version: i32,
    ) -> Result<Stat, ClientError> {
        let reply = self
            .shared
            .call(false, |mut rpc, header| {
                let r = pb::SetDataRequest {
                    header: Some(header),
                    path: path.to_owned(),
                    data: Some(data.to_vec()),
                    version,
                };
                async move { rpc.set_data(r).await }
            })
            .await?;
        Ok(stat(reply.stat))
    }

    /// A node's data (`None` for null data) and stat; `watch` leaves a
    /// one-shot data watch.
    pub async fn get_data(
        &self,
        path: &str,
        watch: bool,
    ) -> Result<(Option<Vec<u8>>, Stat), ClientError> {
        let reply = self
            .shared
            .call(true, |mut rpc, header| {
                let r = pb::GetDataRequest {
                    header: Some(header),
                    path: path.to_owned(),
                    watch,
                };
                async move { rpc.get_data(r).await }
            })
            .await?;
        if watch {
            self.registry(|w| w.data(path));
        }
        Ok((reply.data, stat(reply.stat)))
    }

    /// A node's stat, or `None` if it does not exist; `watch` leaves a
    /// watch that fires on creation, deletion or data change.
    pub async fn exists(&self, path: &str, watch: bool) -> Result<Option<Stat>, ClientError> {
        let reply = self
            .shared
            .call(true, |mut rpc, header| {
                let r = pb::ExistsRequest {
                    header: Some(header),
                    path: path.to_owned(),
                    watch,
                };
                async move { rpc.exists(r).await }
            })
            .await;
        match reply {
            Ok(reply) => {
                if watch {
                    self.registry(|w| w.data(path));
                }
                Ok(Some(stat(reply.stat)))
            }
            Err(ClientError::Keeper {
                code: ErrorCode::NoNode,
                ..
            }) => {
                if watch {
                    self.registry(|w| w.exist(path));
                }
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// A node's children, sorted.
    pub async fn get_children(&self, path: &str, watch: bool) -> Result<Vec<String>, ClientError> {
        self.get_children2(path, watch).await.map(|(c, _)| c)
    }

    /// A node's children, sorted, and its stat; `watch` leaves a one-shot
    /// child watch.
    pub async fn get_children2(
        &self,
        path: &str,
        watch: bool,
    ) -> Result<(Vec<String>, Stat), ClientError> {
        let reply = self
            .shared
            .call(true, |mut rpc, header| {
                let r = pb::GetChildrenRequest {
                    header: Some(header),
                    path: path.to_owned(),
                    watch,
                };
                async move { rpc.get_children(r).await }
            })
            .await?;
        if watch {
            self.registry(|w| w.child(path));
        }
        Ok((reply.children, stat(reply.stat)))
    }

    /// The number of nodes below `path`, at any depth.
    pub async fn get_all_children_number(&self, path: &str) -> Result<i32, ClientError> {
        let reply = self
            .shared
            .call(true, |mut rpc, header| {
                let r = pb::GetAllChildrenNumberRequest {
                    header: Some(header),
                    path: path.to_owned(),
                };
                async move { rpc.get_all_children_number(r).await }
            })
            .await?;
        Ok(reply.number)
    }

    /// This session's ephemeral nodes under `prefix` ("/" for all).
    pub async fn get_ephemerals(&self, prefix: &str) -> Result<Vec<String>, ClientError> {
        let reply = self
            .shared
            .call(true, |mut rpc, header| {
                let r = pb::GetEphemeralsRequest {
                    header: Some(header),
                    prefix: prefix.to_owned(),
                };
                async move { rpc.get_ephemerals(r).await }
            })
            .await?;
        Ok(reply.paths)
    }

    /// A node's ACL and stat.
    pub async fn get_acl(&self, path: &str) -> Result<(Vec<Acl>, Stat), ClientError> {
        let reply = self
            .shared
            .call(true, |mut rpc, header| {
                let r = pb::GetAclRequest {
                    header: Some(header),
                    path: path.to_owned(),
                };
                async move { rpc.get_acl(r).await }
            })
            .await?;
        Ok((acls_from_pb(reply.acl), stat(reply.stat)))
    }

    /// Replaces a node's ACL (`version`: the expected aversion, -1 for
    /// any); returns the new stat.
    pub async fn set_acl(
        &self,
        path: &str,
        acl: Vec<Acl>,
        version: i32,
    ) -> Result<Stat, ClientError> {
        let acl = acls_to_pb(acl);
        let reply = self
            .shared
            .call(false, |mut rpc, header| {
                let r = pb::SetAclRequest {
                    header: Some(header),
                    path: path.to_owned(),
                    acl: acl.clone(),
                    version,
                };
                async move { rpc.set_acl(r).await }
            })
            .await?;
        Ok(stat(reply.stat))
    }

    /// Checks a node's data version (-1: that it exists) through the log.
    pub async fn check(&self, path: &str, version: i32) -> Result<(), ClientError> {
        self.shared
            .call(false, |mut rpc, header| {
                let r = pb::CheckRequest {
                    header: Some(header),
                    path: path.to_owned(),
                    version,
                };
                async move { rpc.check(r).await }
            })
            .await
            .map(|_| ())
    }

    /// Applies `ops` atomically. An aborted multi is `Ok` with
    /// `committed == false` and the per-op codes.
    pub async fn multi(&self, ops: Vec<MultiOp>) -> Result<MultiOutcome, ClientError> {
        let ops: Vec<pb::MultiOp> = ops.into_iter().map(multi_op_pb).collect();
        let reply = self
            .shared
            .call(false, |mut rpc, header| {
                let r = pb::MultiRequest {
                    header: Some(header),
                    ops: ops.clone(),
                };
                async move { rpc.multi(r).await }
            })
            .await?;
        let results = reply
            .results
            .into_iter()
            .map(|r| MultiOpOutcome {
                code: ErrorCode::from_code(r.err).unwrap_or(ErrorCode::SystemError),
                path: (!r.path.is_empty()).then_some(r.path),
                stat: r.stat.map(Stat::from),
            })
            .collect();
        Ok(MultiOutcome {
            committed: reply.committed,
            results,
        })
    }

    /// Waits until the attached server has applied every write committed
    /// before the call: the next read is current.
    pub async fn sync(&self, path: &str) -> Result<(), ClientError> {
        self.shared
            .call(true, |mut rpc, header| {
                let r = pb::SyncRequest {
                    header: Some(header),
                    path: path.to_owned(),
                };
                async move { rpc.sync(r).await }
            })
            .await
            .map(|_| ())
    }

    /// Adds a persistent (optionally recursive) watch.
    pub async fn add_watch(&self, path: &str, mode: AddWatchMode) -> Result<(), ClientError> {
        self.shared
            .call(true, |mut rpc, header| {
                let r = pb::AddWatchRequest {
                    header: Some(header),
                    path: path.to_owned(),
                    mode: mode.code(),
                };
                async move { rpc.add_watch(r).await }
            })
            .await?;
        self.registry(|w| w.add(path, mode));
        Ok(())
    }

    /// Removes this session's watches of `kind` on `path` (NoWatcher if
    /// there is none).
    pub async fn remove_watches(&self, path: &str, kind: WatcherType) -> Result<(), ClientError> {
        let removed = self
            .shared
            .call(true, |mut rpc, header| {
                let r = pb::RemoveWatchesRequest {
                    header: Some(header),
                    path: path.to_owned(),
                    watcher_type: kind.code(),
                };
                async move { rpc.remove_watches(r).await }
            })
            .await;
        // Either way the client no longer wants them re-registered.
        self.registry(|w| w.remove(path, kind));
        removed.map(|_| ())
    }

    /// `Status` of the server the session is attached to.
    pub async fn status(&self) -> Result<pb::StatusResponse, ClientError> {
        self.shared
            .call(true, |mut rpc, _header| async move {
                rpc.status(pb::StatusRequest {}).await
            })
            .await
    }

    fn registry(&self, f: impl FnOnce(&mut super::events::WatchRegistry)) {
        f(&mut self
            .shared
            .watches
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner));
    }
}
