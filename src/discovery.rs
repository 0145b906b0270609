//! What a live target has, found out by asking it: `GET /info` (its version, and `flags` such as `crons`), and one
//! cheap request to each optional part of the API that no flag speaks for. The requests and the answers that mean
//! "absent" are those the official server's releases give (0.2 to 0.16: crons not mounted or refused with 403, thread
//! prune behind a feature flag, the storage route from 0.16.0). A part that answers "not here" (404,
//! 405, 403, 501, or a feature-flag message) is missing; one that answers as the API says is present. Parts no cheap
//! request can tell (webhooks, resumable streams) are left as declared.
//!
//! The suite uses what it found unless the target file or `LANGGRAPH_CAPABILITIES` declares the capabilities, and
//! says which it was when it skips a spec.

use std::time::Duration;

use serde_json::Value;

use crate::secrets::ApiKey;

/// How long each question may take.
const WITHIN: Duration = Duration::from_secs(5);

/// What one optional part was found to be, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub capability: &'static str,
    pub present: bool,
    /// The answer it rests on: `GET /info: flags.crons is false`, `POST /store/namespaces: 200`.
    pub why: String,
}

/// What the target said of itself and of its optional parts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Discovery {
    /// The official Python server's release (`/info` `version`, when `langgraph_py_version` says it is that server).
    pub api_version: Option<String>,
    /// Which server answered `/info`, as it says (`python 0.16.7`, `js 1.5.1`), for the run's first lines.
    pub server: Option<String>,
    pub findings: Vec<Finding>,
    /// The graph the specs run (`graph_id`) is one the target has no assistant of: why, as `POST /assistants/search`
    /// answered. Every spec that runs the graph would fail on it, each with the server's message.
    pub unknown_graph: Option<String>,
}

/// A probe of one optional part: the request, and how to read its answer.
struct Probe {
    capability: &'static str,
    method: &'static str,
    path: &'static str,
    body: Option<&'static str>,
    /// The route is there, from its answer (status and body).
    present: fn(u16, &str) -> bool,
}

/// A thread no deployment has: the routes under it answer "no such thread" when they exist at all.
const NO_THREAD: &str = "00000000-0000-4000-8000-000000000000";

const PROBES: &[Probe] = &[
    Probe {
        capability: "store",
        method: "POST",
        path: "/store/namespaces",
        body: Some(r#"{"limit": 1}"#),
        present: |status, _| (200..300).contains(&status),
    },
    Probe {
        capability: "crons",
        method: "POST",
        path: "/runs/crons/count",
        body: Some("{}"),
        // Off: 404 (not mounted, up to 0.5.40), 403 "only available in the cloud version" (0.5.41 to 0.7.23).
        present: |status, _| (200..300).contains(&status),
    },
    Probe {
        capability: "thread-prune",
        method: "POST",
        path: "/threads/prune",
        // A thread that does not exist: an empty list is answered 200 even where a feature flag blocks pruning.
        body: Some(
            r#"{"thread_ids": ["00000000-0000-4000-8000-000000000000"], "strategy": "delete"}"#,
        ),
        // A validation error that is not about a feature flag still shows the route is there.
        present: |status, body| {
            (200..300).contains(&status) || (status == 422 && !mentions_a_flag(body))
        },
    },
    Probe {
        capability: "thread-storage",
        method: "GET",
        path: "/threads/00000000-0000-4000-8000-000000000000/storage",
        body: None,
        // The route answers for a thread it does not have; a server without the route answers a bare 404.
        present: |status, body| {
            (200..300).contains(&status)
                || (status == 404 && body.to_ascii_lowercase().contains("thread"))
        },
    },
    Probe {
        capability: "thread-stream",
        method: "GET",
        // An id that is not one: the route refuses it at once (422) instead of opening a stream.
        path: "/threads/not-a-thread-id/stream",
        body: None,
        present: |status, body| {
            (200..300).contains(&status)
                || status == 422
                || (status == 404 && body.to_ascii_lowercase().contains("thread"))
        },
    },
];

/// A "not available here" message: a feature flag, or a part reserved to another edition.
fn mentions_a_flag(body: &str) -> bool {
    let b = body.to_ascii_lowercase();
    b.contains("ff_") || b.contains("feature flag") || b.contains("only available")
}

/// Asks the target, and whether it has `graph_id` (the graph the specs run). A question that gets no answer leaves
/// that part undecided (not in `findings`).
pub fn discover(url: &str, key: Option<&ApiKey>, graph_id: Option<&str>) -> Discovery {
    let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        return Discovery::default();
    };
    let client = crate::transport::client();
    runtime.block_on(async {
        let mut d = Discovery::default();
        let info = ask(&client, url, key, "GET", "/info", None).await;
        let flags = match &info {
            Some((200, body)) => read_info(&mut d, body),
            _ => Value::Null,
        };
        for p in PROBES {
            if p.capability == "crons" {
                if let Some(on) = flags.get("crons").and_then(Value::as_bool) {
                    d.findings.push(Finding {
                        capability: "crons",
                        present: on,
                        why: format!("GET /info: flags.crons is {on}"),
                    });
                    continue;
                }
            }
            if let Some((status, body)) = ask(&client, url, key, p.method, p.path, p.body).await {
                d.findings.push(Finding {
                    capability: p.capability,
                    present: (p.present)(status, &body),
                    why: format!(
                        "{} {}: {status}{}",
                        p.method,
                        p.path.replace(NO_THREAD, "<no such thread>"),
                        match body.trim() {
                            "" => String::new(),
                            b => format!(" {}", crate::text::preview(b, 80)),
                        }
                    ),
                });
            }
        }
        if let Some(g) = graph_id {
            d.unknown_graph = unknown_graph(&client, url, key, g).await;
        }
        d
    })
}

/// Why `graph_id` is not a graph of the target, if so: a server makes an assistant of each of its graphs when it
/// starts, so a search by graph that finds none means the graph is not there (or the id has a typo).
async fn unknown_graph(
    client: &reqwest::Client,
    url: &str,
    key: Option<&ApiKey>,
    graph_id: &str,
) -> Option<String> {
    let body = serde_json::json!({"graph_id": graph_id, "limit": 1}).to_string();
    let (status, answer) = ask(client, url, key, "POST", "/assistants/search", Some(&body)).await?;
    let said = no_such_graph(status, &answer)?;
    Some(format!(
        "the target has no graph `{graph_id}` (POST /assistants/search by graph_id: {said}): the specs that run it \
         will fail; check `graph_id` and `assistant_id` in the target file"
    ))
}

/// Reads `/info`: the server and its release; the flags, for the caller.
fn read_info(d: &mut Discovery, body: &str) -> Value {
    let Ok(info) = serde_json::from_str::<Value>(body) else {
        return Value::Null;
    };
    let version = info
        .get("version")
        .and_then(Value::as_str)
        .map(str::to_string);
    let kind = if info.get("langgraph_py_version").is_some() {
        Some("python")
    } else if info.get("langgraph_js_version").is_some() {
        Some("js")
    } else {
        None
    };
    d.server = match (kind, &version) {
        (Some(k), Some(v)) => Some(format!("the official {k} server {v}")),
        _ => None,
    };
    // Only the Python server's releases are what specs' `since` counts in.
    if kind == Some("python") {
        d.api_version = version;
    }
    info.get("flags").cloned().unwrap_or(Value::Null)
}

/// The answer to a search by graph, when it says there is no such graph: the JS server finds no assistant (`[]`),
/// the Python server refuses the search (404 `Graph '...' not found`).
fn no_such_graph(status: u16, answer: &str) -> Option<String> {
    match status {
        200 if serde_json::from_str::<Value>(answer).ok()? == Value::Array(vec![]) => {
            Some("[]".into())
        }
        404 if answer.to_ascii_lowercase().contains("graph") => {
            Some(format!("404 {}", crate::text::preview(answer.trim(), 120)))
        }
        _ => None,
    }
}

/// One request; its status and (the start of) its body, or `None` when nothing answered in time. A stream is not
/// read past its head.
async fn ask(
    client: &reqwest::Client,
    url: &str,
    key: Option<&ApiKey>,
    method: &str,
    path: &str,
    body: Option<&str>,
) -> Option<(u16, String)> {
    let method = reqwest::Method::from_bytes(method.as_bytes()).ok()?;
    let mut r = client.request(method, format!("{url}{path}"));
    if let Some(k) = key {
        r = r.header("x-api-key", k.value.as_str());
    }
    if let Some(b) = body {
        r = r
            .header("content-type", "application/json")
            .body(b.to_string());
    }
    let resp = tokio::time::timeout(WITHIN, r.send()).await.ok()?.ok()?;
    let status = resp.status().as_u16();
    let streams = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("text/event-stream"));
    if streams {
        return Some((status, String::new()));
    }
    let bytes = tokio::time::timeout(WITHIN, resp.bytes())
        .await
        .ok()?
        .ok()?;
    let cut = &bytes[..bytes.len().min(4096)];
    Some((status, String::from_utf8_lossy(cut).into_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn probe(capability: &str) -> &'static Probe {
        PROBES.iter().find(|p| p.capability == capability).unwrap()
    }

    #[test]
    fn an_unknown_graph_as_each_server_says_it() {
        // The reference server (0.16.7) and the JS server (1.5.1), searched for a graph they do not have.
        let py = no_such_graph(
            404,
            r#"{"detail":"Graph 'support_bot' not found. Expected one of: ['agent']"}"#,
        );
        assert!(py.unwrap().contains("Graph 'support_bot' not found"));
        assert_eq!(no_such_graph(200, "[]").as_deref(), Some("[]"));
        // A graph that is there, an answer cut short, a search refused for another reason: nothing said.
        assert_eq!(no_such_graph(200, r#"[{"graph_id":"agent"}]"#), None);
        assert_eq!(no_such_graph(200, r#"[{"graph_id":"#), None);
        assert_eq!(no_such_graph(404, "404 Not Found"), None);
        assert_eq!(no_such_graph(403, r#"{"detail":"graph"}"#), None);
    }

    #[test]
    fn answers_read_as_the_servers_give_them() {
        // The reference server (langgraph-api 0.16.7) and the official JS server (1.5.1), as they answered.
        assert!((probe("store").present)(200, r#"{"namespaces":[]}"#));
        assert!((probe("thread-prune").present)(
            200,
            r#"{"pruned_count":0}"#
        ));
        assert!(!(probe("thread-prune").present)(404, "404 Not Found"));
        assert!(!(probe("thread-prune").present)(
            422,
            r#"{"detail":"Thread prune requires FF_USE_CORE_API=true"}"#
        ));
        assert!((probe("thread-storage").present)(
            404,
            r#"{"detail":"Thread with ID 0 not found"}"#
        ));
        assert!(!(probe("thread-storage").present)(404, "404 Not Found"));
        assert!(!(probe("crons").present)(500, "Not implemented"));
    }

    #[test]
    fn info_names_the_server_and_only_python_s_release_counts() {
        let mut d = Discovery::default();
        let flags = read_info(
            &mut d,
            r#"{"version":"0.16.7","langgraph_py_version":"1.2.24","flags":{"crons":true}}"#,
        );
        assert_eq!(d.api_version.as_deref(), Some("0.16.7"));
        assert_eq!(flags["crons"], true);
        let mut d = Discovery::default();
        read_info(
            &mut d,
            r#"{"version":"1.5.1","langgraph_js_version":"1.7.3","context":"js"}"#,
        );
        assert_eq!(
            (d.api_version, d.server.as_deref()),
            (None, Some("the official js server 1.5.1"))
        );
    }
}
