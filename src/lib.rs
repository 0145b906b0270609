//! Declarative conformance tests for the LangGraph Platform HTTP API.
//!
//! Specs are YAML files (see `specs/README.md`); `tests/conformance.rs` runs each one as a test against a live
//! deployment or the embedded fixture recorded from the reference server, and the `langgraph-conformance` binary does
//! the same as one command. Both are front ends on this library:
//!
//! - [`run_specs`] runs a specs folder against the target a [`Settings`] describes and returns each spec's
//!   [`SpecResult`] (its [`Outcome`], every expectation not met, the report as text);
//! - [`discover`] finds the spec files of a folder, [`load_file`] reads and checks one ([`load_spec`] checks a text,
//!   [`load_shared_file`] a file of shared steps), and [`run_one`] runs one loaded [`Spec`] and returns its
//!   [`SpecOutcome`]: the state it ended in and each step with what it found, as data, which [`render_outcome`]
//!   renders for people;
//! - [`runner::run`] is the whole test binary: libtest's arguments, the summary, the reports.
//!
//! ```
//! use langgraph_conformance::{run_specs, Settings};
//!
//! let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
//! // Each setting by its environment variable's name; here none: the embedded fixture and the bundled specs.
//! let settings = Settings::from_lookup(|_name| None, root)?;
//! for r in run_specs(settings, |name| name == "threads::create")? {
//!     println!("{}: {} ({} must, {} should not met)", r.name, r.outcome.name(), r.musts_failed, r.shoulds_failed);
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! When the suite cannot run at all, [`run_specs`] says why with an [`Error`]: the settings cannot be used (a
//! `target::SettingsError`), the specs folder cannot be read, or the target does not answer. Each variant holds the
//! error of the part that refused, to match on, with the name or value concerned and the underlying error as its
//! `source()`; shown, it is the line the test binary prints. Errors are typed below the front door too: each module
//! raises an error type of its own (`template::TemplateError`, `jsonpath::PathError`, `fixture::RecordingError`, ...),
//! whose `Display` is the message a user reads.
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

// The crate's own tests share the loopback servers and helpers of `tests/support/` with the integration tests, which
// name the crate by its name and use only its public items.
#[cfg(test)]
extern crate self as langgraph_conformance;
#[cfg(test)]
#[path = "../tests/support/mod.rs"]
mod support;

pub use outcome::{SpecOutcome, State, StepOutcome};
pub use report::render_outcome;
pub use results::{Outcome, SpecResult};
pub use runner::{load_file, run_one, run_specs, Error};
pub use source::Source;
pub use spec::discover::{discover, SpecFile};
pub use spec::load::load_shared_file;
pub use spec::{load_spec, Spec};
pub use target::{KnownFailure, Settings, SettingsError};
