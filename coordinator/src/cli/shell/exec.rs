//! `CliCommand.exec` of each command: the client calls it makes and what
//! it prints from their results.

use crate::error::ErrorCode;
use crate::stat::Stat;

use super::super::client::{ClientOp, Reply, ShellClient, unexpected};
use super::super::command::Command;
use super::super::errors::{CliError, keeper_exception_message, validate_path};
use super::super::render;
use super::super::stat::stat_lines;
use super::{Outcome, Shell};

impl Shell {
    /// `CliCommand.exec` for each command.
    pub(super) async fn exec(
        &mut self,
        command: Command,
        client: &mut dyn ShellClient,
        out: &mut Outcome,
    ) -> Result<(), CliError> {
        match command {
            Command::Ls {
                path,
                watch,
                stat,
                recursive,
            } => {
                validate_path(&path, false)?;
                if recursive {
                    self.ls_recursive(&path, watch, client, out).await?;
                } else {
                    let (names, node) = children(client, &path, watch).await?;
                    out.out(render::children(&names));
                    if stat {
                        self.stat(&node, out);
                    }
                }
            }
            Command::Create {
                path,
                data,
                acl,
                mode,
                ttl,
            } => {
                validate_path(&path, mode.is_sequential())?;
                let op = ClientOp::Create {
                    path: path.clone(),
                    data,
                    acl,
                    mode,
                    ttl,
                };
                match client.call(op).await {
                    Ok(Reply::Created { path }) => out.err(format!("Created {path}")),
                    Ok(other) => return Err(CliError::keeper(unexpected(other), path)),
                    Err(code) => {
                        match code {
                            ErrorCode::EphemeralOnLocalSession => {
                                out.err("Unable to create ephemeral node on a local session")
                            }
                            ErrorCode::InvalidAcl => out.err(keeper_exception_message(code, &path)),
                            _ => {}
                        }
                        return Err(CliError::keeper(code, path));
                    }
                }
            }
            Command::Get { path, watch, stat } => {
                validate_path(&path, false)?;
                match call(
                    client,
                    ClientOp::GetData {
                        path: path.clone(),
                        watch,
                    },
                    &path,
                )
                .await?
                {
                    Reply::Data { data, stat: node } => {
                        out.out(match data {
                            Some(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
                            None => "null".to_string(),
                        });
                        if stat {
                            self.stat(&node, out);
                        }
                    }
                    other => return Err(CliError::keeper(unexpected(other), path)),
                }
            }
            Command::Set {
                path,
                data,
                version,
                stat,
            } => {
                validate_path(&path, false)?;
                let op = ClientOp::SetData {
                    path: path.clone(),
                    data,
                    version,
                };
                let node = expect_stat(call(client, op, &path).await?, &path)?;
                if stat {
                    self.stat(&node, out);
                }
            }
            Command::Stat { path, watch } => {
                validate_path(&path, false)?;
                let op = ClientOp::Exists {
                    path: path.clone(),
                    watch,
                };
                let node = expect_stat(call(client, op, &path).await?, &path)?;
                self.stat(&node, out);
            }
            Command::Delete { path, version } => {
                validate_path(&path, false)?;
                let op = ClientOp::Delete {
                    path: path.clone(),
                    version,
                };
                call(client, op, &path).await?;
            }
            Command::DeleteAll { path, batch } => {
                validate_path(&path, false)?;
                if !delete_recursive(client, &path, batch).await? {
                    out.err("Failed to delete some node(s) in the subtree!");
                }
            }
            Command::Sync { path } => {
                validate_path(&path, false)?;
                match client.call(ClientOp::Sync { path }).await {
                    Ok(_) => out.out("Sync is OK"),
                    Err(code) => out.out(format!("Sync has failed. rc={}", code.code())),
                }
            }
            Command::AddWatch { path, mode } => {
                validate_path(&path, false)?;
                let op = ClientOp::AddWatch {
                    path: path.clone(),
                    mode,
                };
                call(client, op, &path).await?;
            }
            Command::RemoveWatches {
                path,
                watcher_type,
                local,
            } => {
                validate_path(&path, false)?;
                let op = ClientOp::RemoveWatches {
                    path: path.clone(),
                    watcher_type,
                    local,
                };
                call(client, op, &path).await?;
            }
            Command::GetEphemerals { path } => {
                let prefix = match path {
                    Some(p) => {
                        validate_path(&p, false)?;
                        p
                    }
                    None => "/".to_string(),
                };
                let op = ClientOp::GetEphemerals {
                    prefix: prefix.clone(),
                };
                match call(client, op, &prefix).await? {
                    Reply::Paths(paths) => out.out(render::java_list(&paths)),
                    other => return Err(CliError::keeper(unexpected(other), prefix)),
                }
            }
            Command::GetAllChildrenNumber { path } => {
                validate_path(&path, false)?;
                let op = ClientOp::GetAllChildrenNumber { path: path.clone() };
                match call(client, op, &path).await? {
                    Reply::Count(n) => out.out(n.to_string()),
                    other => return Err(CliError::keeper(unexpected(other), path)),
                }
            }
            Command::AddAuth { scheme, auth } => {
                match client.call(ClientOp::AddAuth { scheme, auth }).await {
                    // Reported by the AuthFailed event, not by the command.
                    Ok(_) | Err(ErrorCode::AuthFailed) => {}
                    Err(code) => return Err(CliError::keeper(code, String::new())),
                }
            }
            Command::GetAcl { path, stat } => {
                validate_path(&path, false)?;
                let op = ClientOp::GetAcl { path: path.clone() };
                match call(client, op, &path).await? {
                    Reply::Acl { acl, stat: node } => {
                        for line in render::acl_lines(&acl) {
                            out.out(line);
                        }
                        if stat {
                            self.stat(&node, out);
                        }
                    }
                    other => return Err(CliError::keeper(unexpected(other), path)),
                }
            }
            Command::SetAcl {
                path,
                acl,
                version,
                stat,
                recursive,
            } => {
                validate_path(&path, false)?;
                // -R: the subtree, parents before children (zkCli's
                // visitSubTreeDFS); -s prints only a single node's stat.
                let targets = if recursive {
                    subtree(client, &path).await?
                } else {
                    vec![path.clone()]
                };
                for target in targets {
                    let op = ClientOp::SetAcl {
                        path: target.clone(),
                        acl: acl.clone(),
                        version,
                    };
                    let node = expect_stat(call(client, op, &target).await?, &target)?;
                    if stat && !recursive {
                        self.stat(&node, out);
                    }
                }
            }
            Command::Close => {
                call(client, ClientOp::Close, "").await?;
            }
            Command::Unsupported { name } => return Err(CliError::Unsupported(name)),
            // Built-ins never reach exec (see process_zk).
            Command::Connect { .. }
            | Command::History
            | Command::Redo { .. }
            | Command::PrintWatches { .. }
            | Command::Quit => {}
        }
        Ok(())
    }

    fn stat(&self, stat: &Stat, out: &mut Outcome) {
        for line in stat_lines(stat, &self.zone) {
            out.out(line);
        }
    }

    /// `ls -R` (`ZKUtil.visitSubTreeDFS`): the node (read with getData, so
    /// a missing one is an error), then for each node its children sorted,
    /// then each child's subtree in turn. A node deleted meanwhile is
    /// skipped.
    async fn ls_recursive(
        &self,
        path: &str,
        watch: bool,
        client: &mut dyn ShellClient,
        out: &mut Outcome,
    ) -> Result<(), CliError> {
        let op = ClientOp::GetData {
            path: path.to_string(),
            watch,
        };
        call(client, op, path).await?;
        out.out(path);
        let mut stack = vec![path.to_string()];
        while let Some(node) = stack.pop() {
            let names = match children(client, &node, watch).await {
                Ok((names, _)) => names,
                Err(CliError::Keeper {
                    code: ErrorCode::NoNode,
                    ..
                }) => continue,
                Err(e) => return Err(e),
            };
            let mut names = names;
            names.sort_unstable_by(|a, b| render::java_compare(a, b));
            let paths: Vec<String> = names.iter().map(|n| join(&node, n)).collect();
            for p in &paths {
                out.out(p.clone());
            }
            stack.extend(paths.into_iter().rev());
        }
        Ok(())
    }
}

/// A call whose failure is reported against `path`.
pub(super) async fn call(
    client: &mut dyn ShellClient,
    op: ClientOp,
    path: &str,
) -> Result<Reply, CliError> {
    client
        .call(op)
        .await
        .map_err(|code| CliError::keeper(code, path))
}

fn expect_stat(reply: Reply, path: &str) -> Result<Stat, CliError> {
    match reply {
        Reply::Stat(stat) => Ok(stat),
        other => Err(CliError::keeper(unexpected(other), path)),
    }
}

async fn children(
    client: &mut dyn ShellClient,
    path: &str,
    watch: bool,
) -> Result<(Vec<String>, Stat), CliError> {
    let op = ClientOp::GetChildren {
        path: path.to_string(),
        watch,
    };
    match call(client, op, path).await? {
        Reply::Children { names, stat } => Ok((names, stat)),
        other => Err(CliError::keeper(unexpected(other), path)),
    }
}

/// `path` and every node below it, each parent before its children.
async fn subtree(client: &mut dyn ShellClient, path: &str) -> Result<Vec<String>, CliError> {
    let mut found = Vec::new();
    let mut stack = vec![path.to_string()];
    while let Some(node) = stack.pop() {
        let (mut names, _) = children(client, &node, false).await?;
        names.sort_unstable_by(|a, b| render::java_compare(a, b));
        stack.extend(names.iter().rev().map(|n| join(&node, n)));
        found.push(node);
    }
    Ok(found)
}

fn join(parent: &str, name: &str) -> String {
    if parent == "/" {
        format!("/{name}")
    } else {
        format!("{parent}/{name}")
    }
}

/// `ZKUtil.deleteRecursive`: list the subtree breadth-first (a listing
/// error is the command's error), then delete it leaves first in multis of
/// `batch` deletes; the first failed multi stops it and returns false.
async fn delete_recursive(
    client: &mut dyn ShellClient,
    root: &str,
    batch: i32,
) -> Result<bool, CliError> {
    let mut tree = vec![root.to_string()];
    let mut next = 0;
    while next < tree.len() {
        let node = tree[next].clone();
        next += 1;
        let (names, _) = children(client, &node, false).await?;
        tree.extend(names.iter().map(|n| join(&node, n)));
    }
    // zkCli flushes when the batch is exactly full, and at the end: a
    // batch of 0 or less sends everything in one multi.
    let size = usize::try_from(batch)
        .ok()
        .filter(|&b| b > 0)
        .unwrap_or(tree.len());
    let leaves_first: Vec<String> = tree.into_iter().rev().collect();
    for chunk in leaves_first.chunks(size) {
        let op = ClientOp::DeleteBatch {
            paths: chunk.to_vec(),
        };
        if client.call(op).await.is_err() {
            return Ok(false);
        }
    }
    Ok(true)
}
