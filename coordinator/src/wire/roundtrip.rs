//! The decoder's properties, for the fuzz target (`coordinator/fuzz`) and
//! the unit tests: no input makes a decoder panic, and whatever decodes
//! re-encodes to something that decodes to the same value.

use super::conn::decode_request;
use super::jute::Reader;
use super::records::{ConnectRequest, ConnectResponse, ReplyHeader, WatcherEvent};
use super::response::Response;

/// Every opcode that has a reply body, for decoding arbitrary replies.
const REPLY_OPS: [i32; 16] = [1, 3, 4, 5, 6, 7, 8, 9, 12, 14, 15, 19, 21, 22, 103, 104];

/// Runs every decoder on `data` (as a request frame, a connect request
/// and response, a notification and a reply body of each op) and checks
/// the round trips. Panics on a violation.
pub fn check(data: &[u8]) {
    if let Ok((xid, request)) = decode_request(data) {
        let mut again = Vec::new();
        again.extend_from_slice(&xid.to_be_bytes());
        again.extend_from_slice(&request.opcode().to_be_bytes());
        again.extend_from_slice(&request.encode());
        let decoded = decode_request(&again);
        assert_eq!(decoded, Ok((xid, request)), "request round trip");
    }
    if let Ok(c) = ConnectRequest::decode(data) {
        assert_eq!(ConnectRequest::decode(&c.encode()), Ok(c));
    }
    if let Ok(c) = ConnectResponse::decode(data) {
        assert_eq!(ConnectResponse::decode(&c.encode()), Ok(c));
    }
    let mut r = Reader::new(data);
    if ReplyHeader::read(&mut r).is_ok() {
        let _ = WatcherEvent::read(&mut r);
    }
    for op in REPLY_OPS {
        if let Ok(response) = Response::decode(op, data) {
            let mut w = super::jute::Writer::new();
            response.write(&mut w);
            assert_eq!(Response::decode(op, &w.into_bytes()), Ok(response));
        }
    }
}
