//! Fuzz target `idp_config`: the body lives in `scim_doctor::fuzz_entry::idp_config` so that the regression
//! test (tests/fuzz_regressions.rs) replays crash inputs through exactly the same code.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| scim_doctor::fuzz_entry::idp_config(data));
