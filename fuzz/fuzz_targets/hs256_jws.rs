//! Fuzz target `hs256_jws`: see `cerulean_fuzz::hs256_jws` and docs/fuzzing.md.
#![cfg_attr(fuzzing, no_main)]

#[cfg(fuzzing)]
libfuzzer_sys::fuzz_target!(|data: &[u8]| cerulean_fuzz::hs256_jws(data));

/// Without `--cfg fuzzing`: replay files or standard input through the same code.
#[cfg(not(fuzzing))]
fn main() {
    cerulean_fuzz::replay(cerulean_fuzz::hs256_jws);
}
