//! The one serialization format on the peer link, in the write-ahead log and
//! in snapshots: postcard 1.x, whose wire format is documented and frozen
//! (bincode, named by the original design, is unmaintained: RUSTSEC-2025-0141).

use serde::Serialize;
use serde::de::DeserializeOwned;

/// A value that could not be encoded or decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodecError(pub String);

impl std::fmt::Display for CodecError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "codec error: {}", self.0)
    }
}

impl std::error::Error for CodecError {}

pub fn encode<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, CodecError> {
    postcard::to_stdvec(value).map_err(|e| CodecError(e.to_string()))
}

/// Decodes a whole buffer: trailing bytes are an error, since they mean the
/// bytes were not what the caller thought.
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, CodecError> {
    let (value, rest) = postcard::take_from_bytes(bytes).map_err(|e| CodecError(e.to_string()))?;
    if !rest.is_empty() {
        return Err(CodecError(format!("{} trailing bytes", rest.len())));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_garbage() {
        let v = (7u64, String::from("zxid"), vec![Some(1u8), None]);
        assert_eq!(
            decode::<(u64, String, Vec<Option<u8>>)>(&encode(&v).unwrap()).unwrap(),
            v
        );
        let mut bytes = encode(&v).unwrap();
        bytes.push(0);
        assert!(decode::<(u64, String, Vec<Option<u8>>)>(&bytes).is_err());
        assert!(decode::<(u64, String)>(&[0xff, 0xff]).is_err());
    }
}
