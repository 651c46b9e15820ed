//! `zoolab`: run a server, a whole local cluster, or ask a server its mode.
//! Everything lives in [`coordinator::cmd`]; this file only hands over.

fn main() -> std::process::ExitCode {
    coordinator::cmd::main()
}
