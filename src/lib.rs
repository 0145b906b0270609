//! Declarative conformance tests for the LangGraph Platform HTTP API.
//!
//! Specs are YAML files (see `specs/README.md`); `tests/conformance.rs` runs each one as a test against a live
//! deployment or the embedded fixture recorded from the reference server.
//!
//! The modules form layers, each using only its own and those below it (`tests/layers.rs` holds them to it), lowest
//! first: vocabulary (`source`, `text`, `spelling`, `regexes`, `template`, `format`, `jsonpath`, `golden`), the API's
//! `contract`, the `spec` model with its loader (`spec::load_spec`), the `check`s of expectations against answers,
//! outcomes (`results`, `report`, `coverage`), execution (`exec` and what it drives), and the front ends (`runner`,
//! the binaries).

pub mod check;
pub mod contract;
pub mod coverage;
pub mod departures;
pub mod discovery;
pub mod exec;
pub mod fixture;
pub mod format;
pub mod golden;
pub mod jsonpath;
pub mod outcome;
pub mod redirect;
pub mod regexes;
pub mod report;
pub mod results;
pub mod runner;
pub mod secrets;
pub mod setting_names;
pub mod source;
pub mod spec;
pub mod spelling;
pub mod sse;
pub mod target;
pub mod template;
pub mod text;
pub mod transport;
pub mod version;
pub mod wire;
