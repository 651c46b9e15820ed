//! Every decoder of the wire protocol on arbitrary bytes: no panic, and
//! what decodes re-encodes to the same value
//! (`coordinator::wire::roundtrip::check`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    coordinator::wire::roundtrip::check(data);
});
