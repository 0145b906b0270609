//! The conformance suite: one test per spec file under `specs/`.
//!
//! `cargo test --test conformance` runs it against the embedded fixture; `LANGGRAPH_URL=... cargo test --test
//! conformance` against a live deployment. See README.md.

fn main() -> std::process::ExitCode {
    langgraph_conformance::runner::main()
}
