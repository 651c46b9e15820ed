//! Streaming a snapshot to a lagging peer in chunks on the peer link, and
//! reassembling it on the other side.

use std::collections::BTreeMap;

use protocols::{NodeId, Zxid};

use super::peer::PeerMessage;

/// Bytes per chunk: well under any frame limit.
pub const CHUNK_BYTES: usize = 256 * 1024;

/// The frames that carry `bytes`, the snapshot at `at`.
pub fn chunks<M>(at: Zxid, bytes: &[u8]) -> Vec<PeerMessage<M>> {
    let total = bytes.len() as u64;
    if bytes.is_empty() {
        return vec![PeerMessage::SnapshotChunk {
            at,
            offset: 0,
            total,
            bytes: Vec::new(),
        }];
    }
    bytes
        .chunks(CHUNK_BYTES)
        .enumerate()
        .map(|(i, c)| PeerMessage::SnapshotChunk {
            at,
            offset: (i * CHUNK_BYTES) as u64,
            total,
            bytes: c.to_vec(),
        })
        .collect()
}

/// Snapshots being received, one per sender.
#[derive(Debug, Default)]
pub struct Assembler {
    partial: BTreeMap<NodeId, Partial>,
}

#[derive(Debug)]
struct Partial {
    at: Zxid,
    total: u64,
    bytes: Vec<u8>,
}

impl Assembler {
    /// Adds one chunk; returns the whole snapshot when it is complete. A
    /// chunk that does not continue the transfer in progress (lost frame,
    /// new transfer) restarts it, or is dropped if it is not a first chunk.
    pub fn add(
        &mut self,
        from: NodeId,
        at: Zxid,
        offset: u64,
        total: u64,
        bytes: Vec<u8>,
    ) -> Option<Vec<u8>> {
        if offset == 0 {
            self.partial.insert(
                from,
                Partial {
                    at,
                    total,
                    bytes: Vec::with_capacity(total.min(1 << 30) as usize),
                },
            );
        }
        let p = self.partial.get_mut(&from)?;
        if p.at != at || p.total != total || p.bytes.len() as u64 != offset {
            self.partial.remove(&from);
            return None;
        }
        p.bytes.extend_from_slice(&bytes);
        if p.bytes.len() as u64 >= p.total {
            return self.partial.remove(&from).map(|p| p.bytes);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_reassemble_and_a_gap_restarts_nothing_silently() {
        let data: Vec<u8> = (0..(CHUNK_BYTES * 2 + 10)).map(|i| i as u8).collect();
        let frames = chunks::<()>(Zxid(5), &data);
        assert_eq!(frames.len(), 3);
        let mut a = Assembler::default();
        let mut got = None;
        for f in frames.clone() {
            if let PeerMessage::SnapshotChunk {
                at,
                offset,
                total,
                bytes,
            } = f
            {
                got = a.add(1, at, offset, total, bytes);
            }
        }
        assert_eq!(got, Some(data));
        // Losing the middle chunk yields nothing.
        let mut a = Assembler::default();
        for (i, f) in frames.into_iter().enumerate() {
            if let (
                PeerMessage::SnapshotChunk {
                    at,
                    offset,
                    total,
                    bytes,
                },
                true,
            ) = (f, i != 1)
            {
                assert_eq!(a.add(1, at, offset, total, bytes), None);
            }
        }
    }
}
