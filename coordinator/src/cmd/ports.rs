//! Free loopback ports for local clusters.

use std::io;
use std::net::{Ipv4Addr, TcpListener};

use crate::server_config::NodePorts;

/// `n` distinct ports the kernel says are free on 127.0.0.1 now. They are
/// all held until every one is found, so they differ from each other; another
/// process may still take one before the server binds it (the server then
/// fails to start with the address in its message).
pub fn free_ports(n: usize) -> io::Result<Vec<u16>> {
    let listeners = (0..n)
        .map(|_| TcpListener::bind((Ipv4Addr::LOCALHOST, 0)))
        .collect::<io::Result<Vec<_>>>()?;
    listeners
        .iter()
        .map(|l| l.local_addr().map(|a| a.port()))
        .collect()
}

/// The four ports of each of `n` local servers.
pub fn free_node_ports(n: usize) -> io::Result<Vec<NodePorts>> {
    let ports = free_ports(4 * n)?;
    Ok(ports
        .chunks_exact(4)
        .map(|p| NodePorts {
            client: p[0],
            grpc: p[1],
            peer: p[2],
            election: p[3],
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn ports_are_distinct_and_bindable() {
        let ports = free_node_ports(3).expect("ports");
        let all: BTreeSet<u16> = ports
            .iter()
            .flat_map(|p| [p.client, p.grpc, p.peer, p.election])
            .collect();
        assert_eq!(all.len(), 12);
        for port in all {
            TcpListener::bind((Ipv4Addr::LOCALHOST, port)).expect("free port binds");
        }
    }
}
