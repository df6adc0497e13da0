//! Group commit: concurrent writes of one kind share one statement and one commit. Each caller
//! queues its row; a task takes the turn, writes every row queued so far at once, and answers each
//! caller after the commit, so an answered write is as durable as one written alone.

use std::future::Future;
use std::sync::{Arc, Mutex};

use tokio::sync::oneshot;

/// A queued row and where its caller waits for the commit's outcome.
type Waiting<T> = (T, oneshot::Sender<Result<(), String>>);

/// The rows waiting for their commit, and the turn to write them.
#[derive(Debug)]
pub struct Group<T> {
    pending: Mutex<Vec<Waiting<T>>>,
    turn: tokio::sync::Mutex<()>,
}

impl<T> Default for Group<T> {
    fn default() -> Self {
        Self { pending: Mutex::new(Vec::new()), turn: tokio::sync::Mutex::new(()) }
    }
}

impl<T: Send + 'static> Group<T> {
    /// Queues `row` and answers once a commit holding it is done; `write` stores a batch of rows
    /// (one statement: all of them or none). The write runs in a task of its own, so a client that
    /// hangs up cancels nobody's write. Err: the database's error, as text.
    pub async fn submit<F, Fut>(self: &Arc<Self>, row: T, write: F) -> Result<(), String>
    where
        F: FnOnce(Vec<T>) -> Fut + Send + 'static,
        Fut: Future<Output = Result<(), super::StoreError>> + Send,
    {
        let (answer, answered) = oneshot::channel();
        self.lock().push((row, answer));
        let group = Arc::clone(self);
        tokio::spawn(async move {
            let _turn = group.turn.lock().await;
            let batch = std::mem::take(&mut *group.lock());
            if batch.is_empty() {
                return; // an earlier turn wrote this task's row
            }
            let (rows, answers): (Vec<T>, Vec<_>) = batch.into_iter().unzip();
            let result = write(rows).await.map_err(|e| e.to_string());
            for answer in answers {
                let _ = answer.send(result.clone());
            }
        });
        answered.await.unwrap_or_else(|_| Err("the write was abandoned".into()))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Waiting<T>>> {
        self.pending.lock().unwrap_or_else(|e| e.into_inner())
    }
}
