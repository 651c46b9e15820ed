//! Codec tests: every frame captured between real clients and a real 3.8
//! server (`testdata/wire.jsonl`) decodes, and re-encodes byte for byte.

use super::conn::decode_request;
use super::jute::Reader;
use super::records::{ReplyHeader, WatcherEvent};
use super::response::Response;

const CAPTURE: &str = include_str!("testdata/wire.jsonl");

/// A string field of one JSON line (the capture's values never contain
/// escaped quotes).
fn field<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    let start = line.find(&format!("\"{key}\": \""))? + key.len() + 5;
    let end = line[start..].find('"')?;
    Some(&line[start..start + end])
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

/// (direction, op of the request it belongs to, payload) of every frame
/// with bytes in the capture.
fn frames() -> Vec<(String, Option<String>, Vec<u8>)> {
    CAPTURE
        .lines()
        .filter_map(|l| {
            let hex = field(l, "hex")?;
            let op = field(l, "reqop")
                .or_else(|| field(l, "op"))
                .map(str::to_string);
            Some((field(l, "d")?.to_string(), op, unhex(hex)))
        })
        .collect()
}

fn opcode_of(name: &str) -> i32 {
    use super::opcode::*;
    match name {
        "create" => CREATE,
        "delete" => DELETE,
        "exists" => EXISTS,
        "getData" => GET_DATA,
        "setData" => SET_DATA,
        "getACL" => GET_ACL,
        "setACL" => SET_ACL,
        "getChildren" => GET_CHILDREN,
        "sync" => SYNC,
        "ping" => PING,
        "getChildren2" => GET_CHILDREN2,
        "multi" => MULTI,
        "create2" => CREATE2,
        "createContainer" => CREATE_CONTAINER,
        "createTTL" => CREATE_TTL,
        "removeWatches" => REMOVE_WATCHES,
        "auth" => AUTH,
        "setWatches2" => SET_WATCHES2,
        "getEphemerals" => GET_EPHEMERALS,
        "getAllChildrenNumber" => GET_ALL_CHILDREN_NUMBER,
        "addWatch" => ADD_WATCH,
        "whoAmI" => WHO_AM_I,
        "closeSession" => CLOSE_SESSION,
        other => panic!("the capture has an op this test does not know: {other}"),
    }
}

#[test]
fn every_captured_request_decodes_and_reencodes_byte_for_byte() {
    let mut seen = 0;
    for (dir, _, payload) in frames().into_iter().filter(|f| f.0 == "c2s") {
        let (xid, request) =
            decode_request(&payload).unwrap_or_else(|e| panic!("{dir} {payload:02x?}: {e:?}"));
        let mut again = Vec::new();
        again.extend_from_slice(&xid.to_be_bytes());
        again.extend_from_slice(&request.opcode().to_be_bytes());
        again.extend_from_slice(&request.encode());
        assert_eq!(again, payload, "{request:?}");
        seen += 1;
    }
    assert!(seen >= 100, "only {seen} requests in the capture");
}

#[test]
fn every_captured_reply_and_notification_reencodes_byte_for_byte() {
    let (mut replies, mut events) = (0, 0);
    for (_, op, payload) in frames().into_iter().filter(|f| f.0 == "s2c") {
        let mut r = Reader::new(&payload);
        let header = ReplyHeader::read(&mut r).expect("header");
        let body = &payload[payload.len() - r.remaining()..];
        let mut w = super::jute::Writer::new();
        header.write(&mut w);
        if header.xid == super::opcode::XID_NOTIFICATION {
            let event = WatcherEvent::read(&mut r).expect("event");
            r.finish().expect("whole event");
            event.write(&mut w);
            events += 1;
        } else if header.err != 0 {
            assert!(body.is_empty(), "an error reply has a header only");
            replies += 1;
        } else {
            let op = op.expect("a reply names its request");
            let response = Response::decode(opcode_of(&op), body)
                .unwrap_or_else(|e| panic!("{op} {body:02x?}: {e}"));
            response.write(&mut w);
            replies += 1;
        }
        assert_eq!(w.into_bytes(), payload);
    }
    assert!(
        replies >= 100 && events >= 10,
        "{replies} replies, {events} events"
    );
}

#[test]
fn no_captured_frame_or_prefix_of_one_breaks_a_decoder() {
    let all = frames();
    for (_, _, payload) in &all {
        for end in 0..=payload.len() {
            super::roundtrip::check(&payload[..end]);
        }
        // And with one byte flipped at every position.
        let mut flipped = payload.clone();
        for i in 0..flipped.len() {
            flipped[i] ^= 0x80;
            super::roundtrip::check(&flipped);
            flipped[i] ^= 0x80;
        }
    }
    assert!(all.len() > 200);
}
