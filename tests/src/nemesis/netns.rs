//! Partitions between real processes: every server in its own network
//! namespace, joined to a bridge in the runner's namespace by a veth pair,
//! on addresses of a private /24 chosen here. A link is cut by a blackhole
//! route for the peer's address inside the sender's namespace (iproute2
//! only: neither nftables nor iptables is needed), so cuts are per
//! direction. The runner, on the bridge, reaches every server's gRPC port
//! whatever the cuts: only server-to-server traffic is partitioned.
//!
//! Everything created here is removed on drop (panics included), and a new
//! [`Net`] first removes what a killed runner left behind (namespaces and
//! bridges named after a process that no longer exists).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};

use protocols::NodeId;

const PREFIX: &str = "zoolab-nemesis-";

/// Why the network could not be set up or changed.
#[derive(Debug)]
pub struct NetError(pub String);

impl fmt::Display for NetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "network namespaces: {}", self.0)
    }
}

impl std::error::Error for NetError {}

/// The namespaces, links and addresses of one run.
pub struct Net {
    /// `zoolab-nemesis-<pid>-<n>`: namespaces are `<name>-<id>`.
    name: String,
    bridge: String,
    /// Third octet of 10.213.x.0/24.
    subnet: u8,
    nodes: BTreeMap<NodeId, Link>,
    cuts: BTreeSet<(NodeId, NodeId)>,
}

struct Link {
    namespace: String,
    /// The veth end inside the namespace.
    inner: String,
}

fn run(args: &[&str]) -> Result<String, NetError> {
    let out = Command::new("ip")
        .args(args)
        .output()
        .map_err(|e| NetError(format!("cannot run ip: {e}")))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(NetError(format!(
            "ip {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        )))
    }
}

fn pid_alive(pid: &str) -> bool {
    std::path::Path::new("/proc").join(pid).exists()
}

/// Removes namespaces and bridges of runners that are gone.
fn sweep_stale() {
    let Ok(list) = run(&["netns", "list"]) else {
        return;
    };
    for line in list.lines() {
        let name = line.split_whitespace().next().unwrap_or_default();
        if let Some(rest) = name.strip_prefix(PREFIX) {
            let pid = rest.split('-').next().unwrap_or_default();
            if !pid_alive(pid) {
                let _ = run(&["netns", "del", name]);
            }
        }
    }
    let Ok(links) = run(&["-o", "link", "show", "type", "bridge"]) else {
        return;
    };
    for line in links.lines() {
        let Some((_, alias)) = line.split_once(&format!("alias {PREFIX}")) else {
            continue;
        };
        let pid = alias.split(['-', ' ', '\\']).next().unwrap_or_default();
        let dev = line.split(':').nth(1).map(str::trim).unwrap_or_default();
        if !pid_alive(pid) && !dev.is_empty() {
            let _ = run(&["link", "del", dev]);
        }
    }
}

impl Net {
    /// Creates a namespace per server and the bridge joining them.
    pub fn create(ids: &[NodeId]) -> Result<Net, NetError> {
        static RUNS: AtomicU32 = AtomicU32::new(0);
        sweep_stale();
        let pid = std::process::id();
        let n = RUNS.fetch_add(1, Ordering::Relaxed);
        // Interface names have at most 15 bytes: a short tag of pid and run.
        let tag = format!("{:06x}", (pid.wrapping_mul(16).wrapping_add(n)) & 0xff_ffff);
        let subnet = u8::try_from((pid.wrapping_mul(7).wrapping_add(n)) % 250).unwrap_or(0) + 1;
        let mut net = Net {
            name: format!("{PREFIX}{pid}-{n}"),
            bridge: format!("zb{tag}"),
            subnet,
            nodes: BTreeMap::new(),
            cuts: BTreeSet::new(),
        };
        let bridge = net.bridge.clone();
        run(&["link", "add", &bridge, "type", "bridge"])?;
        // From here on, drop removes whatever was made.
        run(&["link", "set", &bridge, "alias", &net.name])?;
        run(&[
            "addr",
            "add",
            &format!("10.213.{subnet}.254/24"),
            "dev",
            &bridge,
        ])?;
        run(&["link", "set", &bridge, "up"])?;
        for &id in ids {
            let namespace = format!("{}-{id}", net.name);
            let outer = format!("zv{tag}h{id}");
            let inner = format!("zv{tag}p{id}");
            run(&["netns", "add", &namespace])?;
            net.nodes.insert(
                id,
                Link {
                    namespace: namespace.clone(),
                    inner: inner.clone(),
                },
            );
            run(&[
                "link", "add", &outer, "type", "veth", "peer", "name", &inner,
            ])?;
            run(&["link", "set", &inner, "netns", &namespace])?;
            run(&["link", "set", &outer, "master", &bridge])?;
            run(&["link", "set", &outer, "up"])?;
            let ip = format!("{}/24", net.ip(id));
            run(&["-n", &namespace, "addr", "add", &ip, "dev", &inner])?;
            run(&["-n", &namespace, "link", "set", &inner, "up"])?;
            run(&["-n", &namespace, "link", "set", "lo", "up"])?;
        }
        Ok(net)
    }

    /// A server's address (inside its namespace, on the bridge).
    pub fn ip(&self, id: NodeId) -> String {
        format!("10.213.{}.{id}", self.subnet)
    }

    /// The command prefix that runs a program in `id`'s namespace.
    pub fn exec_prefix(&self, id: NodeId) -> Vec<String> {
        let ns = self.nodes.get(&id).map_or("", |l| l.namespace.as_str());
        vec!["ip".into(), "netns".into(), "exec".into(), ns.into()]
    }

    /// Drops what `from` sends to `to` (one direction).
    pub fn cut(&mut self, from: NodeId, to: NodeId) -> Result<(), NetError> {
        if from == to || self.cuts.contains(&(from, to)) {
            return Ok(());
        }
        let ns = self.namespace(from)?;
        run(&[
            "-n",
            &ns,
            "route",
            "add",
            "blackhole",
            &format!("{}/32", self.ip(to)),
        ])?;
        self.cuts.insert((from, to));
        Ok(())
    }

    /// Cuts both directions between every pair of different groups.
    pub fn partition(&mut self, groups: &[Vec<NodeId>]) -> Result<(), NetError> {
        for (i, a) in groups.iter().enumerate() {
            for (j, b) in groups.iter().enumerate() {
                if i != j {
                    for &x in a {
                        for &y in b {
                            self.cut(x, y)?;
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// Restores every link.
    pub fn heal(&mut self) -> Result<(), NetError> {
        for (from, to) in std::mem::take(&mut self.cuts) {
            let ns = self.namespace(from)?;
            let route = format!("{}/32", self.ip(to));
            run(&["-n", &ns, "route", "del", "blackhole", &route])?;
        }
        Ok(())
    }

    /// The links cut now, as `from->to`.
    pub fn cuts(&self) -> Vec<(NodeId, NodeId)> {
        self.cuts.iter().copied().collect()
    }

    fn namespace(&self, id: NodeId) -> Result<String, NetError> {
        self.nodes
            .get(&id)
            .map(|l| l.namespace.clone())
            .ok_or_else(|| NetError(format!("no namespace for server.{id}")))
    }
}

impl Drop for Net {
    fn drop(&mut self) {
        // Deleting a namespace destroys its veth end and so the pair.
        for link in self.nodes.values() {
            let _ = run(&["-n", &link.namespace, "link", "del", &link.inner]);
            let _ = run(&["netns", "del", &link.namespace]);
        }
        let _ = run(&["link", "del", &self.bridge]);
    }
}
