//! Declarative conformance tests for the LangGraph Platform HTTP API.
//!
//! Specs are YAML files (see `specs/README.md`); `tests/conformance.rs` runs each one as a test against a live
//! deployment or the embedded fixture recorded from the reference server, and the `langgraph-conformance` binary does
//! the same as one command. Both are front ends on this library, whose entry points are:
//!
//! - [`run_specs`] runs a specs folder against the target a [`Settings`] describes and returns each spec's
//!   [`SpecResult`] (its [`Outcome`], every expectation not met, the report as text);
//! - [`discover`] finds the spec files of a folder, [`load_file`] reads and checks one ([`load_spec`] checks a text,
//!   [`load_shared_file`] a file of shared steps), and [`run_one`] runs one loaded [`Spec`] and returns its
//!   [`SpecOutcome`]: the state it ended in and each step with what it found, as data ([`outcome`]), which
//!   [`render_outcome`] renders for people;
//! - [`results`] holds what a run found and its forms: the summary, JUnit, the JSON report, the matrix of targets;
//! - [`runner::main`] and [`runner::run`] are the whole test binary: libtest's arguments, the summary, the reports;
//! - [`sse`] is the event-stream parser the harness reads streams with, usable on its own.
//!
//! Every path is given: [`Settings::from_lookup`] takes a root folder laid out as this package: `specs/` (the specs
//! and their `_shared` steps), `fixtures/recordings/` (what the embedded fixture replays) and `fixtures/target.yaml`
//! (the conformance graph's defaults; the copy built into the crate when the root has none). Its settings and fields
//! name each folder apart (`LANGGRAPH_SPECS`, `LANGGRAPH_RECORD_DIR`, `LANGGRAPH_REPORT_DIR`,
//! [`Settings::recordings_dir`]). So a live deployment and specs of your own need no copy of this repository, while
//! the suite's own specs and the embedded fixture need a checkout of it, or the folder where the installed
//! `langgraph-conformance` command writes what it carries (under `$XDG_CACHE_HOME` or `~/.cache`, in
//! `langgraph-conformance/`). Only [`runner::main`], the test binary, finds the folder itself.
//!
//! The suite's own specs on the embedded fixture, with this crate's folder as the root:
//!
//! ```
//! use langgraph_conformance::{run_specs, Settings};
//!
//! // This package's folder: a checkout of the repository (a crate of yours names the checkout it uses).
//! let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
//! // Each setting by its environment variable's name; here none: the embedded fixture and the root's specs.
//! let settings = Settings::from_lookup(|_name| None, root)?;
//! for r in run_specs(settings, |name| name == "threads::create")? {
//!     println!("{}: {} ({} must, {} should not met)", r.name, r.outcome.name(), r.musts_failed, r.shoulds_failed);
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! A specs folder of your own against your deployment, with no copy of this repository: the settings a front end
//! names, by their environment variables' names (see [`setting_names::SETTINGS`]). The root is only where relative
//! defaults would be; the specs' `use:` of shared steps reads the `_shared` folder beside them.
//!
//! ```no_run
//! use langgraph_conformance::{run_specs, Outcome, Settings};
//!
//! let root = std::path::Path::new(".");
//! let settings = Settings::from_lookup(
//!     |name| match name {
//!         "LANGGRAPH_URL" => Some("http://127.0.0.1:2024".to_string()),
//!         "LANGGRAPH_SPECS" => Some("my-specs".to_string()),
//!         "LANGGRAPH_API_KEY" => std::env::var("MY_KEY").ok(),
//!         _ => None,
//!     },
//!     root,
//! )?;
//! let results = run_specs(settings, |_name| true)?;
//! let failed: Vec<&str> = results
//!     .iter()
//!     .filter(|r| r.outcome == Outcome::Failed)
//!     .map(|r| r.name.as_str())
//!     .collect();
//! println!("{} specs, failed: {failed:?}", results.len());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! When the suite cannot run at all, [`run_specs`] says why with an [`Error`]: the settings cannot be used (a
//! [`SettingsError`]), the specs folder cannot be read, or the target does not answer. Each variant holds the error
//! of the part that refused, to match on, with the name or value concerned and the underlying error as its
//! `source()`; shown, it is the line the test binary prints. [`load_file`] says why a spec gives none with a
//! [`LoadError`]. Errors are typed inside the crate too, each module's its own, whose `Display` is the message a
//! user reads.
//!
//! The modules form layers, each using only its own and those below it (`tests/layers.rs` holds them to it), lowest
//! first: vocabulary (`source`, `text`, `spelling`, `regexes`, `template`, `format`, `jsonpath`), the API's
//! `contract`, the `spec` model with its loader, the `check`s of expectations against answers, execution (`exec`
//! and what it drives) with its outcome, outcomes for people and CI (`results`, `report`), and the front ends
//! (`runner`, the binaries). Only the entry points above are public; the rest is the crate's own.

#![warn(missing_docs)]

mod check;
mod contract;
#[cfg(test)]
mod coverage;
mod departures;
mod discovery;
mod exec;
mod fixture;
mod format;
#[cfg(test)]
mod golden;
mod jsonpath;
pub mod outcome;
mod redirect;
mod regexes;
mod report;
pub mod results;
pub mod runner;
mod secrets;
pub mod setting_names;
mod source;
mod spec;
mod spelling;
pub mod sse;
mod target;
mod template;
mod text;
mod transport;
mod version;
mod wire;

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
pub use runner::library::{run_one, run_specs, Error};
pub use runner::outputs::{PartsStep, ReportError};
pub use runner::plan::{load_file, LoadError, SpecsFolderError};
pub use runner::reachable::Unreachable;
pub use secrets::ApiKey;
pub use source::{Loc, Source, SpecError};
pub use spec::discover::{discover, SpecFile};
pub use spec::duration::DurationError;
pub use spec::load::load_shared_file;
pub use spec::read::{ReadError, SourceError};
pub use spec::{load_spec, Spec};
pub use target::{
    DiffMode, DiffSettings, KnownFailure, RecordMode, Settings, SettingsError, TagFilter,
    ToleratedDeparture,
};
pub use template::Vars;
pub use version::VersionError;
