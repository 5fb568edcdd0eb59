//! The `cerulean-device` binary.

fn main() -> std::process::ExitCode {
    cerulean_device::cli::main()
}
