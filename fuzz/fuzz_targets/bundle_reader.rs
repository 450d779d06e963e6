//! Fuzz target `bundle_reader`: the body lives in `scim_doctor::fuzz_entry::bundle_reader` so that the
//! regression test (tests/fuzz_regressions.rs) replays crash inputs through exactly the same code.
//! It asserts the write boundary of the bundle reader (see the function's documentation).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| scim_doctor::fuzz_entry::bundle_reader(data));
