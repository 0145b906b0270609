//! The webhook receiver: a loopback server the harness starts for a spec that uses `${webhook_url}`, and the
//! `receive: webhook` step that takes the calls it got, one per step, in order, and checks each like an answer.

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::response::{secs, Head};
use super::{body, Attempt};
use crate::check::Failure;
use crate::fixture::Exchange;
use crate::spec::{Step, WEBHOOK_METHOD, WEBHOOK_PATH};
use crate::template::Vars;

pub struct Receiver {
    server: MockServer,
    /// The address to give the target: a path of its own for this run, so calls for others are not taken for it.
    pub url: String,
    path: String,
    taken: Mutex<usize>,
}

impl Receiver {
    pub async fn start(token: &str) -> Receiver {
        let server = MockServer::builder().start().await;
        Mock::given(wiremock::matchers::any())
            .respond_with(ResponseTemplate::new(200))
            .mount(&server)
            .await;
        let path = format!("/webhook/{token}");
        Receiver {
            url: format!("{}{path}", server.uri()),
            path,
            server,
            taken: Mutex::new(0),
        }
    }

    /// The next call to this run's path not yet taken, waiting for it until `deadline`.
    async fn next(&self, deadline: Instant) -> Option<wiremock::Request> {
        loop {
            let calls: Vec<wiremock::Request> = self
                .server
                .received_requests()
                .await
                .unwrap_or_default()
                .into_iter()
                .filter(|r| r.url.path() == self.path)
                .collect();
            {
                let mut taken = self.taken.lock().unwrap_or_else(|p| p.into_inner());
                if let Some(call) = calls.into_iter().nth(*taken) {
                    *taken += 1;
                    return Some(call);
                }
            }
            if Instant::now() >= deadline {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
}

/// A `receive: webhook` step against a live target: the next call, checked like an answer whose body is the call's.
pub async fn receive(
    rx: &Receiver,
    number: usize,
    step: &Step,
    vars: &Vars,
    recording: bool,
    deadline: Instant,
    timeout: Duration,
) -> Attempt {
    let Some(call) = rx.next(deadline).await else {
        let f = Failure::new(
            step.loc,
            format!(
                "no webhook call came within {} (the step's timeout)",
                secs(timeout)
            ),
        );
        return Attempt {
            failures: vec![f],
            ..Attempt::default()
        };
    };
    let mut headers = reqwest::header::HeaderMap::new();
    for (k, v) in call.headers.iter() {
        headers.append(k.clone(), v.clone());
    }
    let head = Head {
        status: reqwest::StatusCode::OK,
        headers,
    };
    let out = body::check(&head, step, vars, call.body);
    let exchange = recording.then(|| Exchange {
        step: number,
        method: WEBHOOK_METHOD.into(),
        target: WEBHOOK_PATH.into(),
        request_json: None,
        status: 200,
        reason: "OK".into(),
        headers: head.pairs(),
        body: out.raw.clone(),
    });
    Attempt {
        failures: out.failures,
        captured: out.captured,
        curl: None,
        exchange,
        unanswerable: false,
        cut_short: false,
    }
}
