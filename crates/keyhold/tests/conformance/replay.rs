//! Replays one vector file against a live server over one TLS connection: each
//! Request Message in order, encoded to binary TTLV with its placeholders resolved, and
//! each answer compared with the expected Response Message that follows it.

use std::collections::BTreeSet;

use keyhold_ttlv::{Limits, Tag, Ttlv, xml};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;

use super::bindings::{Bindings, Marks, RequestValues, unix_now};
use super::compare::{Difference, compare_with, operation_of};
use super::random::{Objects, Random};
use super::vectors::Vector;
use crate::common::kmip::{ANSWER_TIMEOUT, Pki, connect, exchange};

/// How a vector ended.
#[derive(Clone, Debug)]
pub enum Outcome {
    /// Every answer matched.
    Pass,
    /// The first step (request number, from 0) whose answer did not match, or that could
    /// not be sent.
    Fail(Failure),
    /// Not replayed, and why.
    NotApplicable(&'static str),
}

/// Where and why a vector failed.
#[derive(Clone, Debug)]
pub struct Failure {
    /// The request number, from 0 (the vectors' `step=n`).
    pub step: usize,
    /// The operation of the batch item concerned.
    pub operation: String,
    /// What went wrong, on one line.
    pub detail: String,
}

impl Failure {
    /// `step 2 Register: OperationFailed/OperationNotSupported`.
    pub fn line(&self) -> String {
        format!("step {} {}: {}", self.step, self.operation, self.detail)
    }
}

/// Replays `vector` on a new connection to `addr`. `generated` holds the objects whose
/// material the server generated, and gains this file's.
pub async fn run(
    vector: &Vector,
    addr: &str,
    pki: &Pki,
    generated: &mut BTreeSet<String>,
) -> Outcome {
    let fail = |detail: String| {
        Outcome::Fail(Failure {
            step: 0,
            operation: "-".into(),
            detail,
        })
    };
    let document = match std::fs::read_to_string(&vector.path) {
        Ok(text) => text,
        Err(e) => return fail(format!("unreadable: {e}")),
    };
    let messages = match xml::split_messages(&document) {
        Ok(messages) => messages,
        Err(e) => return fail(format!("not KMIP XML: {e}")),
    };
    if messages.is_empty() {
        return fail("no messages".into());
    }
    let mut stream = match connect(addr, pki, true).await {
        Ok(stream) => stream,
        Err(e) => return fail(format!("cannot connect: {e}")),
    };
    let mut replay = Replay {
        trace: std::env::var("KEYHOLD_KMIP_CONFORMANCE_TRACE").is_ok_and(|v| v == vector.name),
        bindings: Bindings::with_generated(unix_now(), std::mem::take(generated)),
        sent: 0,
        operation: "-".into(),
        answer: None,
        objects: Objects::default(),
        random: Vec::new(),
    };
    let outcome = replay.all(&messages, &mut stream).await;
    *generated = replay.bindings.into_generated();
    outcome
}

/// The state of one file's replay.
struct Replay {
    /// Print each request and answer (`KEYHOLD_KMIP_CONFORMANCE_TRACE=<vector name>`).
    trace: bool,
    bindings: Bindings,
    /// Requests sent (or tried) so far.
    sent: usize,
    /// The operation of the last request's first batch item.
    operation: String,
    /// The answer to the last request, until compared.
    answer: Option<Ttlv>,
    /// The objects made so far and what they are.
    objects: Objects,
    /// Which batch items of the last request answer a random value.
    random: Vec<Option<Random>>,
}

/// Why a step failed.
enum StepError {
    /// The request could not be built or sent, or no answer came.
    Other(String),
    /// The answer differs from the expected response.
    Differs(Difference),
}

impl Replay {
    /// Every message in order, up to the first failure.
    async fn all(&mut self, messages: &[&str], stream: &mut TlsStream<TcpStream>) -> Outcome {
        for message in messages {
            let result = if message.starts_with("<RequestMessage") {
                self.request(message, stream).await
            } else {
                self.response(message)
            };
            if let Err(error) = result {
                return Outcome::Fail(self.failure(error));
            }
        }
        Outcome::Pass
    }

    /// Builds a request from its XML and the values learned, sends it, keeps the answer.
    async fn request(
        &mut self,
        message: &str,
        stream: &mut TlsStream<TcpStream>,
    ) -> Result<(), StepError> {
        self.sent += 1;
        let values = RequestValues::new(&self.bindings);
        let parsed = xml::to_ttlv_with(message, &Limits::DEFAULT, Some(&values));
        let missing = values.missing();
        if let Some(name) = missing.first() {
            let text = format!("the request needs {name}, which no answer gave");
            return Err(StepError::Other(text));
        }
        let tree = parsed.map_err(|e| StepError::Other(format!("request does not parse: {e}")))?;
        self.operation = first_operation(&tree);
        self.random = self.objects.request(&tree);
        if self.trace {
            eprintln!("--- request {}:\n{}", self.sent - 1, xml::from_ttlv(&tree));
        }
        let bytes = keyhold_ttlv::encode(&tree)
            .map_err(|e| StepError::Other(format!("request does not encode: {e}")))?;
        let answer = tokio::time::timeout(ANSWER_TIMEOUT, exchange(stream, &bytes)).await;
        let answer = answer.ok().flatten().ok_or_else(|| {
            StepError::Other("no answer (closed, timed out or not decodable)".into())
        })?;
        if self.trace {
            eprintln!("--- answer {}:\n{}", self.sent - 1, xml::from_ttlv(&answer));
        }
        self.answer = Some(answer);
        Ok(())
    }

    /// Compares the last answer with an expected response.
    fn response(&mut self, message: &str) -> Result<(), StepError> {
        let expected = xml::to_ttlv_with(message, &Limits::DEFAULT, Some(&Marks))
            .map_err(|e| StepError::Other(format!("expected response does not parse: {e}")))?;
        let got = self
            .answer
            .take()
            .ok_or_else(|| StepError::Other("a response without a request".into()))?;
        self.objects.answer(&got);
        compare_with(&expected, &got, &mut self.bindings, &self.random).map_err(StepError::Differs)
    }

    /// The failure of the current step.
    fn failure(&self, error: StepError) -> Failure {
        let step = self.sent.saturating_sub(1);
        match error {
            StepError::Other(detail) => Failure {
                step,
                operation: self.operation.clone(),
                detail,
            },
            StepError::Differs(difference) => Failure {
                step,
                operation: difference
                    .operation
                    .clone()
                    .unwrap_or_else(|| self.operation.clone()),
                detail: difference.short(),
            },
        }
    }
}

/// The operation name of a request's first batch item.
fn first_operation(request: &Ttlv) -> String {
    Tag::from_name("BatchItem")
        .and_then(|tag| request.find(tag))
        .and_then(operation_of)
        .unwrap_or("-")
        .to_owned()
}
