//! The replicated register the model's clients use, encoded as the opaque
//! [`Command`] bytes a core orders.
//!
//! Reads go through the log too (a `Get` is a command), so every answer a
//! server gives is taken at the point the log orders it: that is what makes
//! the register linearizable, and what the `linearizable` property checks.

use std::fmt;

use protocols::Command;

/// One client operation on the register.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RegOp {
    Put(char),
    Get,
}

/// A register operation as it travels through the log: who asked, under
/// which request id, for what. `(client, request)` is the deduplication key:
/// a protocol may commit one command at two zxids (contract rule 3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RegCommand {
    /// The client's stateright actor index.
    pub client: u64,
    pub request: u64,
    pub op: RegOp,
}

/// Why bytes committed by a core are not a [`RegCommand`].
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DecodeError {
    WrongLength(usize),
    UnknownTag(u8),
    NotAChar(u32),
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::WrongLength(n) => write!(f, "register command of {n} bytes"),
            DecodeError::UnknownTag(t) => write!(f, "unknown register op tag {t:#x}"),
            DecodeError::NotAChar(c) => write!(f, "{c:#x} is not a char"),
        }
    }
}

impl std::error::Error for DecodeError {}

const TAG_PUT: u8 = b'P';
const TAG_GET: u8 = b'G';
/// tag, client (u64), request (u64), value (u32 char).
const ENCODED_LEN: usize = 1 + 8 + 8 + 4;

impl RegCommand {
    pub fn encode(&self) -> Command {
        let (tag, value) = match self.op {
            RegOp::Put(v) => (TAG_PUT, v as u32),
            RegOp::Get => (TAG_GET, 0),
        };
        let mut bytes = Vec::with_capacity(ENCODED_LEN);
        bytes.push(tag);
        bytes.extend_from_slice(&self.client.to_le_bytes());
        bytes.extend_from_slice(&self.request.to_le_bytes());
        bytes.extend_from_slice(&value.to_le_bytes());
        bytes
    }

    pub fn decode(bytes: &[u8]) -> Result<RegCommand, DecodeError> {
        if bytes.len() != ENCODED_LEN {
            return Err(DecodeError::WrongLength(bytes.len()));
        }
        let u64_at = |at: usize| {
            let mut b = [0u8; 8];
            b.copy_from_slice(&bytes[at..at + 8]);
            u64::from_le_bytes(b)
        };
        let mut v = [0u8; 4];
        v.copy_from_slice(&bytes[17..21]);
        let value = u32::from_le_bytes(v);
        let op = match bytes[0] {
            TAG_PUT => RegOp::Put(char::from_u32(value).ok_or(DecodeError::NotAChar(value))?),
            TAG_GET => RegOp::Get,
            tag => return Err(DecodeError::UnknownTag(tag)),
        };
        Ok(RegCommand {
            client: u64_at(1),
            request: u64_at(9),
            op,
        })
    }

    /// The deduplication key.
    pub fn key(&self) -> (u64, u64) {
        (self.client, self.request)
    }
}

impl fmt::Display for RegCommand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.op {
            RegOp::Put(v) => write!(f, "Put({:?}) #{} from c{}", v, self.request, self.client),
            RegOp::Get => write!(f, "Get #{} from c{}", self.request, self.client),
        }
    }
}

/// A command as a trace prints it: the register op when it is one.
pub fn describe_command(bytes: &[u8]) -> String {
    match RegCommand::decode(bytes) {
        Ok(c) => c.to_string(),
        Err(_) => format!("{bytes:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_command_survives_encoding() {
        for op in [RegOp::Put('A'), RegOp::Get] {
            let c = RegCommand {
                client: 3,
                request: 6,
                op,
            };
            assert_eq!(RegCommand::decode(&c.encode()), Ok(c));
        }
    }

    #[test]
    fn foreign_bytes_are_a_typed_error() {
        assert_eq!(RegCommand::decode(b"x"), Err(DecodeError::WrongLength(1)));
        let mut bytes = RegCommand {
            client: 1,
            request: 1,
            op: RegOp::Get,
        }
        .encode();
        bytes[0] = 0;
        assert_eq!(RegCommand::decode(&bytes), Err(DecodeError::UnknownTag(0)));
    }
}
