//! The HTTP load: every connection is opened before the clock starts, then
//! one task per HTTP/1.1 connection (or per HTTP/2 stream) sends requests
//! back to back until the window closes, timing each one.

use std::sync::Arc;
use std::time::{Duration, Instant};

use http_body_util::BodyExt as _;
use tokio::task::JoinSet;

use super::BenchError;
use super::record::{Outcome, Recorder, Window};
use super::target::{Sender, Target};
use super::work::Work;

/// How long a worker waits before trying a failed connection again.
const RECONNECT_PAUSE: Duration = Duration::from_millis(10);

/// The load's shape.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Load {
    /// Connections to open.
    pub(crate) connections: u32,
    /// Workers sharing each connection (HTTP/2 streams; 1 for HTTP/1.1).
    pub(crate) streams: u32,
    /// Run unmeasured first for this long.
    pub(crate) warmup: Duration,
    /// Then measure for this long.
    pub(crate) duration: Duration,
}

/// Runs `work` against `target` and returns every worker's results merged.
pub(crate) async fn run(target: Target, work: Work, load: Load) -> Result<Recorder, BenchError> {
    let target = Arc::new(target);
    let work = Arc::new(work);
    let mut senders = Vec::new();
    for _ in 0..load.connections {
        senders.push(target.open().await?);
    }
    let window = Window::after(load.warmup, load.duration);
    let mut tasks = JoinSet::new();
    let mut id = 0usize;
    for sender in senders {
        let shared: Vec<Sender> = (1..load.streams).filter_map(|_| sender.share()).collect();
        for sender in std::iter::once(sender).chain(shared) {
            let recorder = Recorder::new(window)?;
            tasks.spawn(worker(target.clone(), work.clone(), id, sender, recorder));
            id += 1;
        }
    }
    let mut total = Recorder::new(window)?;
    while let Some(done) = tasks.join_next().await {
        total.merge(&done.map_err(BenchError::Worker)?)?;
    }
    Ok(total)
}

/// One worker: requests back to back until the window ends; a broken
/// connection is counted and opened again.
async fn worker(
    target: Arc<Target>,
    work: Arc<Work>,
    id: usize,
    mut sender: Sender,
    mut recorder: Recorder,
) -> Recorder {
    let window = recorder.window();
    let mut seq = 0u64;
    loop {
        let started = Instant::now();
        if started >= window.end {
            break;
        }
        let outcome = exchange(&mut sender, work.request(id, seq)).await;
        recorder.record(started, Instant::now(), outcome);
        seq = seq.wrapping_add(1);
        if outcome == Outcome::Transport || sender.is_closed() {
            match reconnect(&target, &mut recorder, window).await {
                Some(s) => sender = s,
                None => break,
            }
        }
    }
    recorder
}

/// Sends one request and reads the whole answer.
async fn exchange(
    sender: &mut Sender,
    req: hyper::Request<http_body_util::Full<bytes::Bytes>>,
) -> Outcome {
    let Ok(resp) = sender.send(req).await else {
        return Outcome::Transport;
    };
    let status = resp.status();
    let mut body = resp.into_body();
    while let Some(frame) = body.frame().await {
        if frame.is_err() {
            return Outcome::Transport;
        }
    }
    if status.is_success() {
        Outcome::Ok
    } else {
        Outcome::Status(status.as_u16())
    }
}

/// A new connection, or `None` once the window has ended; each failed
/// attempt is a transport error.
async fn reconnect(target: &Target, recorder: &mut Recorder, window: Window) -> Option<Sender> {
    loop {
        let started = Instant::now();
        if started >= window.end {
            return None;
        }
        match target.open().await {
            Ok(sender) => return Some(sender),
            Err(_) => {
                recorder.record(started, Instant::now(), Outcome::Transport);
                tokio::time::sleep(RECONNECT_PAUSE).await;
            }
        }
    }
}
