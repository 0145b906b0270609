//! The embedded fixture: recordings of what the reference server answered to each spec, replayed by an in-process
//! wiremock server, one per spec, in the order they were recorded.
//!
//! A recording is a folder per spec under `fixtures/recordings/` (mirroring `specs/`): `exchanges.json` lists the
//! requests in order, and each `NNN.http` holds the response as it came off the wire (status line, headers, blank
//! line, body byte for byte), in the same form as a raw HTTP capture.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{LazyLock, Mutex};

use regex::Regex;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// Set on the fixture's own complaints (a request the recording does not have), so the runner reports them as such.
pub const FIXTURE_ERROR_HEADER: &str = "x-conformance-fixture-error";

/// Recorded with an answer that did not end well: a stream that never ended, a body past the size limit, a connection
/// that broke, or a recording cut short. The response file then says so, and a replay ends the answer the same way
/// (see `transport::incomplete_marker`), so it fails as the live run did instead of passing on what had arrived.
pub const INCOMPLETE_HEADER: &str = "x-conformance-incomplete";

/// One request and its answer, as a recording keeps them (secrets hidden).
#[derive(Debug, Clone, PartialEq)]
pub struct Exchange {
    /// The step, from 1 through the steps and then the clean-up.
    pub step: usize,
    /// The request's method.
    pub method: String,
    /// Path and query string.
    pub target: String,
    /// The request's JSON body, if it had one.
    pub request_json: Option<Value>,
    /// The answer's status code.
    pub status: u16,
    /// The status line's reason phrase.
    pub reason: String,
    /// The answer's headers, in order.
    pub headers: Vec<(String, String)>,
    /// The answer's body, as it came.
    pub body: Vec<u8>,
}

impl Exchange {
    /// The exchange as it may be written into a recording: every secret of `secrets` hidden, wherever it stands.
    pub(crate) fn scrubbed(&self, secrets: &crate::secrets::Secrets) -> Exchange {
        Exchange {
            step: self.step,
            method: self.method.clone(),
            target: secrets.scrub(&self.target),
            request_json: self.request_json.as_ref().map(|j| secrets.scrub_json(j)),
            status: self.status,
            reason: secrets.scrub(&self.reason),
            headers: self
                .headers
                .iter()
                .map(|(k, v)| (k.clone(), secrets.scrub(v)))
                .collect(),
            body: secrets.scrub_bytes(&self.body),
        }
    }
}

/// What a run of one spec sent and received, and the built-in values (`${unique}`, `${uuid}`) it used, so that a
/// replay sends the same requests.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Recording {
    pub exchanges: Vec<Exchange>,
    pub values: Map<String, Value>,
}

#[derive(Serialize, Deserialize)]
struct Index {
    format: u32,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    values: Map<String, Value>,
    exchanges: Vec<IndexEntry>,
}

#[derive(Serialize, Deserialize)]
struct IndexEntry {
    step: usize,
    method: String,
    path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    json: Option<Value>,
    response: String,
}

/// Why a spec's recording cannot be found or read.
#[derive(Debug)]
#[non_exhaustive]
pub enum RecordingError {
    /// The test name cannot name a folder inside the recordings.
    Name {
        test_name: String,
        why: NotAFolderName,
    },
    /// A file of the recording cannot be read.
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The index (`exchanges.json`) does not read as one.
    Index {
        path: PathBuf,
        source: serde_json::Error,
    },
    /// The index names `name`, which is no response file of a recording.
    NotAResponseFile { index: PathBuf, name: String },
    /// A response file that holds no HTTP response.
    NotAResponse { path: PathBuf },
}

impl fmt::Display for RecordingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecordingError::Name { test_name, why } => write!(
                f,
                "test name `{test_name}` cannot name a recording folder: {why}"
            ),
            RecordingError::Read { path, source } => write!(f, "{}: {source}", path.display()),
            RecordingError::Index { path, source } => write!(f, "{}: {source}", path.display()),
            RecordingError::NotAResponseFile { index, name } => write!(
                f,
                "{}: `{name}` is not a response file of the recording (NNN.http)",
                index.display()
            ),
            RecordingError::NotAResponse { path } => {
                write!(f, "{}: not an HTTP response", path.display())
            }
        }
    }
}

impl std::error::Error for RecordingError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            RecordingError::Name { why, .. } => Some(why),
            RecordingError::Read { source, .. } => Some(source),
            RecordingError::Index { source, .. } => Some(source),
            RecordingError::NotAResponseFile { .. } | RecordingError::NotAResponse { .. } => None,
        }
    }
}

/// Why a part of a test name (`part`, between `::`) is no plain folder name.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum NotAFolderName {
    Empty,
    /// `.` or `..`.
    Dots {
        part: String,
    },
    /// A path separator or NUL in it.
    Separator {
        part: String,
    },
    /// Something a path would read as a root, a drive or more than one entry.
    NotPlain {
        part: String,
    },
}

impl fmt::Display for NotAFolderName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NotAFolderName::Empty => f.write_str("it has an empty part"),
            NotAFolderName::Dots { part } => write!(f, "`{part}` is not a folder name"),
            NotAFolderName::Separator { part } => write!(
                f,
                "`{}` contains a path separator or NUL",
                part.escape_default()
            ),
            NotAFolderName::NotPlain { part } => write!(f, "`{part}` is not a plain folder name"),
        }
    }
}

impl std::error::Error for NotAFolderName {}

/// The folder of a spec's recording: `stateless::stream_updates` → `<root>/stateless/stream_updates`. Each part of
/// the name must be a plain folder name, so that no name leads outside `root` (recording writes and deletes there).
pub fn dir_for(root: &Path, test_name: &str) -> Result<PathBuf, RecordingError> {
    test_name
        .split("::")
        .try_fold(root.to_path_buf(), |p, part| {
            plain_name(part)
                .map(|()| p.join(part))
                .map_err(|why| RecordingError::Name {
                    test_name: test_name.to_string(),
                    why,
                })
        })
}

/// Whether `part` names an entry inside a folder, and nothing else: not empty, not `.` or `..`, no separator, no NUL,
/// nothing a path would read as a root or a drive.
fn plain_name(part: &str) -> Result<(), NotAFolderName> {
    let owned = || part.to_string();
    let why = if part.is_empty() {
        NotAFolderName::Empty
    } else if part == "." || part == ".." {
        NotAFolderName::Dots { part: owned() }
    } else if part.contains(['/', '\\', '\0']) {
        NotAFolderName::Separator { part: owned() }
    } else if !matches!(
        Path::new(part).components().collect::<Vec<_>>()[..],
        [std::path::Component::Normal(_)]
    ) {
        NotAFolderName::NotPlain { part: owned() }
    } else {
        return Ok(());
    };
    Err(why)
}

/// Whether a file in a recording folder is one `save` writes (`exchanges.json`, `NNN.http`), and so may replace.
fn is_recording_file(name: &str) -> bool {
    name == "exchanges.json"
        || name
            .strip_suffix(".http")
            .is_some_and(|n| n.len() >= 3 && n.bytes().all(|b| b.is_ascii_digit()))
}

pub fn load(dir: &Path) -> Result<Recording, RecordingError> {
    let index_path = dir.join("exchanges.json");
    let text = std::fs::read_to_string(&index_path).map_err(|source| RecordingError::Read {
        path: index_path.clone(),
        source,
    })?;
    let index: Index = serde_json::from_str(&text).map_err(|source| RecordingError::Index {
        path: index_path.clone(),
        source,
    })?;
    let values = index.values;
    let exchanges = index
        .exchanges
        .into_iter()
        .map(|e| {
            if !is_recording_file(&e.response) {
                return Err(RecordingError::NotAResponseFile {
                    index: index_path.clone(),
                    name: e.response,
                });
            }
            let file = dir.join(&e.response);
            let raw = std::fs::read(&file).map_err(|source| RecordingError::Read {
                path: file.clone(),
                source,
            })?;
            let (status, reason, headers, body) =
                parse_response(&raw).ok_or(RecordingError::NotAResponse { path: file })?;
            Ok(Exchange {
                step: e.step,
                method: e.method,
                target: e.path,
                request_json: e.json,
                status,
                reason,
                headers,
                body,
            })
        })
        .collect::<Result<Vec<_>, RecordingError>>()?;
    Ok(Recording { exchanges, values })
}

/// Replaces the recording in `dir`. Only the files a recording consists of are removed, and new files are created
/// afresh, so a link left in the folder is never written through. The folder is locked while it is written: two runs
/// recording the same spec at once take turns (the later recording is the one kept), where one used to fail with
/// "File exists".
pub fn save(dir: &Path, recording: &Recording) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let _turn = lock_folder(dir)?;
    let exchanges = &recording.exchanges;
    if dir.exists() {
        for entry in std::fs::read_dir(dir)? {
            let entry = entry?;
            let ours = entry.file_name().to_str().is_some_and(is_recording_file);
            // `file_type` does not follow links: a link is removed, never what it points to.
            if ours && !entry.file_type()?.is_dir() {
                std::fs::remove_file(entry.path())?;
            }
        }
    }
    std::fs::create_dir_all(dir)?;
    let mut index = Index {
        format: 1,
        values: recording.values.clone(),
        exchanges: Vec::new(),
    };
    for (i, e) in exchanges.iter().enumerate() {
        let name = format!("{:03}.http", i + 1);
        write_new(&dir.join(&name), &render_response(e))?;
        index.exchanges.push(IndexEntry {
            step: e.step,
            method: e.method.clone(),
            path: e.target.clone(),
            json: e.request_json.clone(),
            response: name,
        });
    }
    let mut text = serde_json::to_string_pretty(&index).map_err(std::io::Error::other)?;
    text.push('\n');
    write_new(&dir.join("exchanges.json"), text.as_bytes())
}

/// Holds an exclusive lock on the folder until dropped, waiting for another process's (released when that process
/// ends, however it ends, so a crash leaves nothing stale behind).
#[cfg(unix)]
fn lock_folder(dir: &Path) -> std::io::Result<std::fs::File> {
    let f = std::fs::File::open(dir)?;
    f.lock().map_err(|e| {
        std::io::Error::new(
            e.kind(),
            format!("cannot lock {} to write its recording: {e}", dir.display()),
        )
    })?;
    Ok(f)
}

/// Elsewhere a lock file in the folder stands for it (a folder cannot be opened as a file).
#[cfg(not(unix))]
fn lock_folder(dir: &Path) -> std::io::Result<std::fs::File> {
    let f = std::fs::OpenOptions::new()
        .create(true)
        .write(true)
        .truncate(false)
        .open(dir.join(".lock"))?;
    f.lock()?;
    Ok(f)
}

/// Writes a file that must not exist yet (`save` has removed the old one).
fn write_new(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?
        .write_all(bytes)
}

fn render_response(e: &Exchange) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {} {}\r\n", e.status, e.reason).into_bytes();
    for (k, v) in &e.headers {
        out.extend_from_slice(format!("{k}: {v}\r\n").as_bytes());
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(&e.body);
    out
}

#[allow(clippy::type_complexity)]
fn parse_response(raw: &[u8]) -> Option<(u16, String, Vec<(String, String)>, Vec<u8>)> {
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&raw[..split]).ok()?;
    let body = raw[split + 4..].to_vec();
    let mut lines = head.split("\r\n");
    let mut status_line = lines.next()?.splitn(3, ' ');
    let _version = status_line.next()?;
    let status: u16 = status_line.next()?.parse().ok()?;
    let reason = status_line.next().unwrap_or("").to_string();
    let headers = lines
        .map(|l| {
            let (k, v) = l.split_once(':')?;
            Some((k.trim().to_ascii_lowercase(), v.trim().to_string()))
        })
        .collect::<Option<Vec<_>>>()?;
    Some((status, reason, headers, body))
}

/// A recording as text with run-to-run noise replaced: every id (a UUID, or 32 hex digits as interrupt ids are) by
/// `<id-N>` (numbered by first appearance, so that "the same id as before" still shows), timestamps (ISO-8601, and
/// epoch milliseconds) by `<time>`, and loopback ports by `<port>`. Headers that describe the connection are left
/// out, and so are keep-alives, whose number depends on timing: SSE comments and the blank lines `/wait` sends before
/// its JSON. Two recordings of the same behaviour normalise to the same text.
pub fn normalize(recording: &Recording) -> String {
    static ID: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|\b[0-9a-f]{32}\b",
        )
        .expect("static regex")
    });
    static TIME: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?|\b1\d{12}(-\d+)?\b")
            .expect("static regex")
    });
    static PORT: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"(127\.0\.0\.1|localhost):\d+").expect("static regex"));
    let mut text = String::new();
    for e in last_attempts(&recording.exchanges) {
        text.push_str(&format!("=== step {}: {} {}\n", e.step, e.method, e.target));
        if let Some(j) = &e.request_json {
            text.push_str(&format!("request: {j}\n"));
        }
        text.push_str(&format!("HTTP {} {}\n", e.status, e.reason));
        for (k, v) in e
            .headers
            .iter()
            .filter(|(k, _)| !is_hop_by_hop(k) || k == "content-type")
        {
            if k != "server" {
                text.push_str(&format!("{k}: {v}\n"));
            }
        }
        text.push('\n');
        text.push_str(&normalized_body(e));
        text.push_str("\n\n");
    }
    let mut ids: Vec<String> = Vec::new();
    let text = ID.replace_all(&text, |c: &regex::Captures| {
        let id = c[0].to_ascii_lowercase();
        let n = ids.iter().position(|x| *x == id).unwrap_or_else(|| {
            ids.push(id);
            ids.len() - 1
        });
        format!("<id-{}>", n + 1)
    });
    let text = TIME.replace_all(&text, "<time>");
    let text = PORT.replace_all(&text, "$1:<port>").into_owned();
    unique_values_out(text, &recording.values)
}

/// The recording with the parts of each step's body that vary with timing replaced by `"<varies>"`, so that the
/// drift check compares the rest. `varies(step)` gives a step's paths; `$` masks the whole body, JSON or not.
pub fn mask_varying<'p>(
    recording: &Recording,
    varies: impl Fn(usize) -> &'p [crate::jsonpath::Path],
) -> Recording {
    let mut masked = recording.clone();
    for e in &mut masked.exchanges {
        let paths = varies(e.step);
        if paths.is_empty() {
            continue;
        }
        let segments: Vec<_> = paths.iter().filter_map(|p| p.segments()).collect();
        if segments.iter().any(|s| s.is_empty()) {
            e.body = VARIES.as_bytes().to_vec();
            continue;
        }
        let Ok(mut json) = serde_json::from_slice::<Value>(&e.body) else {
            continue;
        };
        for s in &segments {
            if let Some(place) = place_mut(&mut json, s) {
                *place = Value::String(VARIES.into());
            }
        }
        e.body = json.to_string().into_bytes();
    }
    masked
}

const VARIES: &str = "<varies>";

/// The value a singular path names, if the document has it.
fn place_mut<'v>(
    root: &'v mut Value,
    segments: &[crate::jsonpath::Segment],
) -> Option<&'v mut Value> {
    use crate::jsonpath::Segment;
    segments.iter().try_fold(root, |v, s| match s {
        Segment::Name(n) => v.as_object_mut()?.get_mut(n),
        Segment::Index(i) => {
            let a = v.as_array_mut()?;
            let i = if *i < 0 {
                a.len().checked_sub(i.unsigned_abs() as usize)?
            } else {
                *i as usize
            };
            a.get_mut(i)
        }
    })
}

/// A retried step is recorded once per attempt; how many attempts it took depends on timing, so a comparison looks
/// at the attempt that counted: each step's last.
fn last_attempts(exchanges: &[Exchange]) -> impl Iterator<Item = &Exchange> {
    exchanges
        .iter()
        .enumerate()
        .filter(|(i, e)| exchanges.get(i + 1).is_none_or(|next| next.step != e.step))
        .map(|(_, e)| e)
}

/// Replaces the run's built-in values (which differ from run to run by design) with their names.
fn unique_values_out(mut text: String, values: &Map<String, Value>) -> String {
    for (name, v) in values {
        if let Some(v) = v.as_str().filter(|v| v.len() >= 6) {
            text = text.replace(v, &format!("<{name}>"));
        }
    }
    text
}

/// A request body as the replay compares it: canonical JSON with ids, timestamps and the run's built-in values
/// replaced, so that only a change the spec made to its request tells.
fn comparable_request(json: &Value, values: &Map<String, Value>) -> String {
    let probe = Recording {
        exchanges: vec![Exchange {
            step: 0,
            method: String::new(),
            target: String::new(),
            request_json: None,
            status: 0,
            reason: String::new(),
            headers: vec![("content-type".into(), "application/json".into())],
            body: json.to_string().into_bytes(),
        }],
        values: values.clone(),
    };
    let text = normalize(&probe);
    text.split_once("\n\n")
        .map(|(_, body)| body.trim().to_string())
        .unwrap_or(text)
}

/// The body as text with LF line ends, less the keep-alives a server sends while it waits (SSE comments, and the
/// whitespace before a JSON document), with JSON (the body, or each event's data) in a canonical form: the server's
/// key order changes from run to run (for example in run metadata), and means nothing.
fn normalized_body(e: &Exchange) -> String {
    let text = String::from_utf8_lossy(&e.body).replace("\r\n", "\n");
    let is_sse = e.headers.iter().any(|(k, v)| {
        k == "content-type" && v.to_ascii_lowercase().starts_with("text/event-stream")
    });
    if !is_sse {
        return canonical_json(text.trim_start()).unwrap_or_else(|| text.trim_start().to_string());
    }
    // A stream read `until` an event was closed there: whatever had arrived of the next event depends on timing.
    let text = match text.rfind("\n\n") {
        Some(end) if !text.ends_with("\n\n") => text[..end + 2].to_string(),
        _ => text,
    };
    // A comment is a line starting with `:`; alone between blank lines it makes a block of its own.
    text.split("\n\n")
        .filter(|block| block.is_empty() || !block.lines().all(|l| l.starts_with(':')))
        .map(|block| {
            block
                .lines()
                .map(
                    |l| match l.strip_prefix("data: ").and_then(canonical_json) {
                        Some(j) => format!("data: {j}"),
                        None => l.to_string(),
                    },
                )
                .collect::<Vec<_>>()
                .join("\n")
        })
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// `text` as compact JSON with every object's keys sorted, when it is JSON.
fn canonical_json(text: &str) -> Option<String> {
    fn sort(v: Value) -> Value {
        match v {
            Value::Object(m) => {
                let mut entries: Vec<(String, Value)> = m.into_iter().collect();
                entries.sort_by(|a, b| a.0.cmp(&b.0));
                Value::Object(entries.into_iter().map(|(k, v)| (k, sort(v))).collect())
            }
            Value::Array(a) => Value::Array(a.into_iter().map(sort).collect()),
            other => other,
        }
    }
    serde_json::from_str::<Value>(text)
        .ok()
        .map(|v| sort(v).to_string())
}

/// Headers that describe one connection or message framing; the mock server sets its own.
fn is_hop_by_hop(name: &str) -> bool {
    matches!(
        name,
        "transfer-encoding"
            | "content-length"
            | "connection"
            | "keep-alive"
            | "date"
            | "content-type"
    )
}

struct Replay {
    recording: Recording,
    next: Mutex<usize>,
}

impl Respond for Replay {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let i = {
            let mut n = self.next.lock().unwrap_or_else(|p| p.into_inner());
            *n += 1;
            *n - 1
        };
        let target = match req.url.query() {
            Some(q) => format!("{}?{q}", req.url.path()),
            None => req.url.path().to_string(),
        };
        let exchanges = &self.recording.exchanges;
        let complaint = match exchanges.get(i) {
            None => format!(
                "the fixture has {} recorded exchange(s) for this spec, and this is request #{}: {} {target}",
                exchanges.len(),
                i + 1,
                req.method
            ),
            Some(e) if e.method != req.method.as_str() || e.target != target => format!(
                "request #{} is {} {target}, but the recording has {} {} there",
                i + 1,
                req.method,
                e.method,
                e.target
            ),
            Some(e) if self.body_differs(e, &req.body).is_some() => format!(
                "request #{} {} {target} sends another body than the recording has:\n{}",
                i + 1,
                req.method,
                self.body_differs(e, &req.body).unwrap_or_default()
            ),
            Some(e) => {
                let mut t = ResponseTemplate::new(e.status);
                for (k, v) in e.headers.iter().filter(|(k, _)| !is_hop_by_hop(k)) {
                    t = t.append_header(k.as_str(), v.as_str());
                }
                let ct = e.headers.iter().find(|(k, _)| k == "content-type").map(|(_, v)| v.as_str());
                return match ct {
                    Some(ct) => t.set_body_raw(e.body.clone(), ct),
                    None => t.set_body_bytes(e.body.clone()),
                };
            }
        };
        ResponseTemplate::new(599)
            .append_header(FIXTURE_ERROR_HEADER, "1")
            .set_body_string(format!("{complaint}; record the spec again (see README)"))
    }
}

impl Replay {
    /// A diff (- recorded, + sent) when the request's JSON body is not the recorded one, ids and times aside.
    fn body_differs(&self, e: &Exchange, sent: &[u8]) -> Option<String> {
        let sent: Option<Value> = serde_json::from_slice(sent).ok();
        let (want, got) = match (&e.request_json, &sent) {
            (None, None) => return None,
            (w, g) => (
                w.as_ref()
                    .map(|v| comparable_request(v, &self.recording.values))
                    .unwrap_or_default(),
                g.as_ref()
                    .map(|v| comparable_request(v, &self.recording.values))
                    .unwrap_or_default(),
            ),
        };
        (want != got).then(|| crate::text::diff(&want, &got))
    }
}

/// Starts a mock server that answers as the recording says, in order.
pub async fn serve(recording: Recording) -> MockServer {
    let server = MockServer::builder().start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(Replay {
            recording,
            next: Mutex::new(0),
        })
        .mount(&server)
        .await;
    server
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(exchanges: Vec<Exchange>) -> Recording {
        Recording {
            exchanges,
            values: Map::new(),
        }
    }

    fn norm(e: &[Exchange]) -> String {
        normalize(&rec(e.to_vec()))
    }

    fn ex(step: usize, target: &str, body: &[u8]) -> Exchange {
        Exchange {
            step,
            method: "POST".into(),
            target: target.into(),
            request_json: Some(serde_json::json!({"a": 1})),
            status: 200,
            reason: "OK".into(),
            headers: vec![
                (
                    "content-type".into(),
                    "text/event-stream; charset=utf-8".into(),
                ),
                ("content-location".into(), "/runs/r1".into()),
                ("transfer-encoding".into(), "chunked".into()),
            ],
            body: body.to_vec(),
        }
    }

    #[test]
    fn varying_parts_are_masked_only_in_their_own_step() {
        use crate::jsonpath::Path;
        let paths = [
            Path::parse("$.values.messages[-1]").unwrap(),
            Path::parse("$.missing.place").unwrap(),
        ];
        let whole = [Path::parse("$").unwrap()];
        let body = br#"{"values":{"messages":["a","b"]},"n":1}"#;
        let r = rec(vec![
            ex(1, "/a", body),
            ex(2, "/b", body),
            ex(3, "/c", b"event: x\n\n"),
        ]);
        let masked = mask_varying(&r, |step| match step {
            1 => &paths[..],
            3 => &whole[..],
            _ => &[],
        });
        let bodies: Vec<String> = masked
            .exchanges
            .iter()
            .map(|e| String::from_utf8(e.body.clone()).unwrap())
            .collect();
        assert_eq!(
            bodies[0],
            r#"{"values":{"messages":["a","<varies>"]},"n":1}"#
        );
        assert_eq!(bodies[1].as_bytes(), body, "another step is left as it was");
        assert_eq!(
            bodies[2], "<varies>",
            "`$` masks a body that is not JSON too"
        );
    }

    #[test]
    fn recordings_round_trip_byte_for_byte() {
        let dir = std::env::temp_dir().join(format!("lgc-fixture-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let a = vec![
            ex(1, "/runs/stream", b"event: metadata\r\ndata: {}\r\n\r\n"),
            ex(2, "/x?y=1", b"\xff\x00"),
        ];
        save(&dir, &rec(a.clone())).unwrap();
        assert_eq!(load(&dir).unwrap().exchanges, a);
        let raw = std::fs::read(dir.join("001.http")).unwrap();
        assert!(raw
            .starts_with(b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream; charset=utf-8\r\n"));
        save(&dir, &rec(a[..1].to_vec())).unwrap();
        assert!(
            !dir.join("002.http").exists(),
            "a new recording replaces the old one"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// Two runs recording into one folder at once: one used to fail with "File exists". Each save now has the
    /// folder to itself, so every save succeeds and the folder always holds one whole recording.
    #[test]
    fn saves_into_one_folder_at_once_take_turns() {
        let dir = std::env::temp_dir().join(format!("lgc-fixture-race-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let threads: Vec<_> = (0..6)
            .map(|t| {
                let dir = dir.clone();
                std::thread::spawn(move || {
                    for i in 0..15 {
                        let n = 1 + (t + i) % 4;
                        let r = rec((0..n)
                            .map(|k| ex(k + 1, &format!("/t{t}"), b"{}"))
                            .collect());
                        save(&dir, &r).unwrap_or_else(|e| panic!("thread {t}, save {i}: {e}"));
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let back = load(&dir).unwrap();
        let files = std::fs::read_dir(&dir).unwrap().count();
        assert_eq!(
            files,
            back.exchanges.len() + 1,
            "the index and its responses, nothing else"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn incomplete_answers_are_marked_and_replayed_as_they_ended() {
        use crate::transport::{incomplete_marker, replayed_end, ReadError};
        for end in [
            ReadError::Timeout,
            ReadError::TooLarge,
            ReadError::Broken("connection reset by peer".into()),
        ] {
            let m = incomplete_marker(Some(&end), 0).unwrap();
            assert_eq!(replayed_end(&m).ok(), Some(end), "{m}");
        }
        assert_eq!(incomplete_marker(None, 0), None);
        let cut = incomplete_marker(None, 10).unwrap();
        assert!(
            replayed_end(&cut)
                .unwrap_err()
                .to_string()
                .contains("cannot be replayed"),
            "{cut}"
        );
        let odd = incomplete_marker(Some(&ReadError::Broken("a\r\nb é".into())), 0).unwrap();
        assert_eq!(odd, "broken: a??b ?");
    }

    #[test]
    fn test_names_map_to_folders_inside_the_root() {
        let root = Path::new("rec");
        assert_eq!(
            dir_for(root, "stateless::stream_updates").unwrap(),
            root.join("stateless").join("stream_updates")
        );
        assert_eq!(
            dir_for(root, "a.b::..c").unwrap(),
            root.join("a.b").join("..c")
        );
        for hostile in [
            "..::..::x",
            "..",
            "a::..",
            ".::x",
            "",
            "a::::b",
            "a::",
            "::a",
            "a/../../b",
            "/etc",
            "a::/etc",
            "a\\..\\b",
            "a\0b",
        ] {
            let e = dir_for(root, hostile).unwrap_err().to_string();
            assert!(
                e.starts_with(&format!(
                    "test name `{hostile}` cannot name a recording folder: "
                )),
                "{e}"
            );
        }
        let e = dir_for(root, "x::..::y").unwrap_err();
        assert!(
            matches!(&e, RecordingError::Name { why: NotAFolderName::Dots { part }, .. } if part == ".."),
            "{e:?}"
        );
        assert_eq!(
            e.to_string(),
            "test name `x::..::y` cannot name a recording folder: `..` is not a folder name"
        );
    }

    #[test]
    fn saving_touches_only_the_recording_files() {
        let tmp = std::env::temp_dir().join(format!("lgc-fixture-own-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&tmp);
        let dir = tmp.join("rec");
        let outside = tmp.join("outside.http");
        std::fs::create_dir_all(dir.join("keep.http")).unwrap();
        std::fs::write(&outside, "not the recording's").unwrap();
        std::fs::write(dir.join("notes.http"), "mine").unwrap();
        std::fs::write(dir.join("009.http"), "old").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(&outside, dir.join("001.http")).unwrap();
        save(&dir, &rec(vec![ex(1, "/ok", b"{}")])).unwrap();
        assert_eq!(
            std::fs::read_to_string(&outside).unwrap(),
            "not the recording's"
        );
        assert_eq!(
            std::fs::read_to_string(dir.join("notes.http")).unwrap(),
            "mine"
        );
        assert!(dir.join("keep.http").is_dir());
        assert!(
            !dir.join("009.http").exists(),
            "an old response is replaced"
        );
        assert!(std::fs::read(dir.join("001.http"))
            .unwrap()
            .starts_with(b"HTTP/1.1 200"));
        std::fs::remove_dir_all(&tmp).unwrap();
    }

    #[test]
    fn a_recording_names_only_its_own_files() {
        let tmp = std::env::temp_dir().join(format!("lgc-fixture-index-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&tmp);
        save(&tmp, &rec(vec![ex(1, "/ok", b"{}")])).unwrap();
        let index = std::fs::read_to_string(tmp.join("exchanges.json")).unwrap();
        std::fs::write(
            tmp.join("exchanges.json"),
            index.replace("001.http", "../../x.http"),
        )
        .unwrap();
        let e = load(&tmp).unwrap_err();
        assert!(
            matches!(&e, RecordingError::NotAResponseFile { name, .. } if name == "../../x.http"),
            "{e:?}"
        );
        let e = e.to_string();
        assert!(
            e.contains("`../../x.http` is not a response file of the recording"),
            "{e}"
        );
        std::fs::remove_dir_all(&tmp).unwrap();
    }

    #[test]
    fn normalising_keeps_identity_but_drops_noise() {
        let mut a = ex(1, "/threads/01a20b1e-0c48-7490-8bf5-36206add49ba", b"");
        a.body = br#"{"thread_id":"01a20b1e-0c48-7490-8bf5-36206add49ba","run":"11111111-0c48-7490-8bf5-36206add49ba","created_at":"2026-11-24T01:14:08.328397+00:00","url":"http://127.0.0.1:60503"}"#.to_vec();
        a.headers
            .push(("date".into(), "Tue, 24 Nov 2026 01:14:07 GMT".into()));
        let mut b = a.clone();
        let swap = |s: &str| {
            s.replace("01a20b1e-0c48", "99a20b1e-0c48")
                .replace("11111111", "22222222")
                .replace("01:14:08.328397", "02:00:00.1")
                .replace("60503", "2024")
        };
        b.target = swap(&b.target);
        b.body = swap(&String::from_utf8_lossy(&b.body)).into_bytes();
        let n = norm(&[a.clone()]);
        assert_eq!(n, norm(&[b]));
        assert!(
            n.contains("\"thread_id\":\"<id-1>\",\"run\":\"<id-2>\",\"created_at\":\"<time>\""),
            "{n}"
        );
        assert!(n.starts_with("=== step 1: POST /threads/<id-1>\n"), "{n}");
        assert!(!n.contains("date:"), "{n}");
        let mut c = a;
        c.body = b"{}".to_vec();
        assert_ne!(n, norm(&[c]), "a different body is a difference");
    }

    #[test]
    fn keepalives_interrupt_ids_and_epoch_times_are_noise() {
        let quiet = ex(
            1,
            "/runs/stream",
            b"event: values\r\ndata: {\"id\":\"b441a95ec8be4908062ec8bed87b2ba6\",\"t\":1795554008807}\r\n\r\n",
        );
        let mut busy = quiet.clone();
        busy.body = b": heartbeat\r\n\r\nevent: values\r\ndata: {\"id\":\"0a41a95ec8be4908062ec8bed87b2ba6\",\"t\":1795554009999}\r\n\r\n: heartbeat\r\n\r\n".to_vec();
        assert_eq!(norm(std::slice::from_ref(&quiet)), norm(&[busy]));

        let mut json = quiet.clone();
        json.headers = vec![("content-type".into(), "application/json".into())];
        json.body = b"{}".to_vec();
        let mut waited = json.clone();
        waited.body = b"\n\n{}".to_vec();
        assert_eq!(norm(&[json]), norm(&[waited]));

        let mut reordered = quiet.clone();
        reordered.body = b"event: values\r\ndata: {\"t\":1795554008807,\"id\":\"b441a95ec8be4908062ec8bed87b2ba6\"}\r\n\r\n".to_vec();
        assert_eq!(norm(std::slice::from_ref(&quiet)), norm(&[reordered]));

        let mut other_event = quiet.clone();
        other_event.body = b"event: updates\r\ndata: {}\r\n\r\n".to_vec();
        assert_ne!(norm(&[quiet]), norm(&[other_event]));
    }

    #[tokio::test]
    async fn replays_in_order_and_complains_about_the_unexpected() {
        let server = serve(rec(vec![ex(
            1,
            "/runs/stream",
            b"event: metadata\r\ndata: {}\r\n\r\n",
        )]))
        .await;
        let client = crate::transport::client();
        let r = client
            .post(format!("{}/runs/stream", server.uri()))
            .body(r#"{ "a" : 1 }"#)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(
            r.headers()["content-type"],
            "text/event-stream; charset=utf-8"
        );
        assert_eq!(r.headers()["content-location"], "/runs/r1");
        assert_eq!(
            r.bytes().await.unwrap().as_ref(),
            b"event: metadata\r\ndata: {}\r\n\r\n"
        );
        let r = client
            .get(format!("{}/ok", server.uri()))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 599);
        assert!(r.headers().contains_key(FIXTURE_ERROR_HEADER));
        assert!(r
            .text()
            .await
            .unwrap()
            .contains("this is request #2: GET /ok"));
    }

    #[tokio::test]
    async fn a_request_body_other_than_recorded_is_refused() {
        let mut e = ex(1, "/threads", b"{}");
        e.request_json = Some(
            serde_json::json!({"metadata": {"k": "v"}, "thread_id": "01a20b1e-0c48-7490-8bf5-36206add49ba"}),
        );
        let server = serve(rec(vec![e.clone(), e])).await;
        let client = crate::transport::client();
        let url = format!("{}/threads", server.uri());
        // Another id is noise; another value is a change.
        let same =
            r#"{"thread_id": "99a20b1e-0c48-7490-8bf5-36206add49ba", "metadata": {"k": "v"}}"#;
        let r = client.post(&url).body(same).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let changed =
            r#"{"metadata": {"k": "w"}, "thread_id": "01a20b1e-0c48-7490-8bf5-36206add49ba"}"#;
        let r = client.post(&url).body(changed).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 599);
        let text = r.text().await.unwrap();
        assert!(
            text.contains("sends another body than the recording has"),
            "{text}"
        );
        assert!(text.contains("-{\"metadata\":{\"k\":\"v\"}"), "{text}");
    }

    #[test]
    fn only_the_last_attempt_of_a_step_and_no_unique_value_is_compared() {
        let first = ex(1, "/threads/search", b"[]");
        let mut second = first.clone();
        second.body = b"[{\"name\":\"conf-k3x9q2m7ab\"}]".to_vec();
        let mut values = Map::new();
        values.insert("unique".into(), Value::String("k3x9q2m7ab".into()));
        let slow = Recording {
            exchanges: vec![first.clone(), first.clone(), second.clone()],
            values,
        };
        let mut values = Map::new();
        values.insert("unique".into(), Value::String("zz81p0qqtt".into()));
        let mut fast_second = second;
        fast_second.body = b"[{\"name\":\"conf-zz81p0qqtt\"}]".to_vec();
        let fast = Recording {
            exchanges: vec![first, fast_second],
            values,
        };
        assert_eq!(normalize(&slow), normalize(&fast));
        assert!(normalize(&fast).contains("conf-<unique>"));
    }
}
