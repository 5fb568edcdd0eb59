//! Fuzz target `prt_jwe`: see `cerulean_fuzz::prt_jwe` and docs/fuzzing.md.
#![cfg_attr(fuzzing, no_main)]

#[cfg(fuzzing)]
libfuzzer_sys::fuzz_target!(|data: &[u8]| cerulean_fuzz::prt_jwe(data));

/// Without `--cfg fuzzing`: replay files or standard input through the same code.
#[cfg(not(fuzzing))]
fn main() {
    cerulean_fuzz::replay(cerulean_fuzz::prt_jwe);
}
