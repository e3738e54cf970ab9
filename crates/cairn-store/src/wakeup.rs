//! Wake-ups for the journal tailer. On PostgreSQL every journal insert notifies the channel
//! [`JOURNAL_CHANNEL`] (see `journal::record`), delivered when its transaction commits; a
//! [`JournalWakeups`] keeps one listening connection and wakes its owner for each notification,
//! so the tailer polls at once instead of at its next interval.
//!
//! A wake-up carries nothing: the tailer still reads the table with the gap rule, and keeps polling
//! at its interval on every dialect, so a lost notification (a reconnect, a listener that is down)
//! costs at most one interval. On SQLite and MySQL [`JournalWakeups::wait`] never returns.

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;

use sqlx::postgres::PgListener;
use tokio::sync::Notify;
use tokio::task::JoinHandle;

use crate::{Dialect, Store};

/// The PostgreSQL channel journal inserts notify.
pub const JOURNAL_CHANNEL: &str = "cairn_journal";

/// First wait before connecting the listener again after a failure; doubles up to the maximum.
const FIRST_RETRY: Duration = Duration::from_secs(1);
const LONGEST_RETRY: Duration = Duration::from_secs(30);

/// Where the listener is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WakeupState {
    /// Not PostgreSQL: polling only.
    Off,
    /// Opening the listening connection (the first time).
    Connecting,
    /// Listening: commits wake the tailer.
    Listening,
    /// The connection failed; retrying with backoff, polling meanwhile.
    Reconnecting,
}

impl WakeupState {
    pub fn as_str(self) -> &'static str {
        match self {
            WakeupState::Off => "off",
            WakeupState::Connecting => "connecting",
            WakeupState::Listening => "listening",
            WakeupState::Reconnecting => "reconnecting",
        }
    }

    fn from_u8(value: u8) -> WakeupState {
        match value {
            1 => WakeupState::Connecting,
            2 => WakeupState::Listening,
            3 => WakeupState::Reconnecting,
            _ => WakeupState::Off,
        }
    }

    fn to_u8(self) -> u8 {
        match self {
            WakeupState::Off => 0,
            WakeupState::Connecting => 1,
            WakeupState::Listening => 2,
            WakeupState::Reconnecting => 3,
        }
    }
}

/// A readable handle on a listener's state, for status pages. Cheap to clone.
#[derive(Debug, Clone)]
pub struct WakeupStatus(Arc<AtomicU8>);

impl WakeupStatus {
    pub fn state(&self) -> WakeupState {
        WakeupState::from_u8(self.0.load(Ordering::Relaxed))
    }

    fn set(&self, state: WakeupState) {
        self.0.store(state.to_u8(), Ordering::Relaxed);
    }
}

/// Wake-ups for one tailer. Owns the listener task, which ends when this is dropped.
pub struct JournalWakeups {
    /// Signalled by the listener task for each notification. `notify_one` keeps one permit when
    /// nobody waits, so a commit during a poll wakes the next wait at once (several collapse
    /// into one).
    notified: Arc<Notify>,
    status: WakeupStatus,
    /// The listener task (PostgreSQL only); aborted on drop.
    listener: Option<JoinHandle<()>>,
}

impl JournalWakeups {
    /// Returns when a journal entry may have committed since the last return; never on dialects
    /// without notifications. Cancel-safe: a wake-up that arrives while nobody waits is kept.
    pub async fn wait(&mut self) {
        if self.listener.is_none() {
            std::future::pending::<()>().await;
        }
        self.notified.notified().await;
    }

    /// The listener's state, readable elsewhere.
    pub fn status(&self) -> WakeupStatus {
        self.status.clone()
    }
}

impl Drop for JournalWakeups {
    fn drop(&mut self) {
        if let Some(listener) = self.listener.take() {
            listener.abort();
        }
    }
}

impl Store {
    /// Wake-ups for a journal tailer: on PostgreSQL a listening connection of its own (outside the
    /// pool) is opened in the background, and reopened with backoff when it fails; elsewhere
    /// nothing. Must be called inside a Tokio runtime.
    pub fn journal_wakeups(&self) -> JournalWakeups {
        let notified = Arc::new(Notify::new());
        let status = WakeupStatus(Arc::new(AtomicU8::new(WakeupState::Off.to_u8())));
        let listener = match self.dialect() {
            Dialect::Postgres => {
                status.set(WakeupState::Connecting);
                Some(tokio::spawn(listen_for_commits(
                    self.url().to_string(),
                    notified.clone(),
                    status.clone(),
                )))
            }
            Dialect::Sqlite | Dialect::Mysql => None,
        };
        JournalWakeups {
            notified,
            status,
            listener,
        }
    }
}

/// Listens on [`JOURNAL_CHANNEL`] until aborted, turning notifications into wake-ups; reconnects
/// with backoff after failures and logs a failure once until it recovers.
async fn listen_for_commits(url: String, notified: Arc<Notify>, status: WakeupStatus) {
    let mut retry_after = FIRST_RETRY;
    let mut failing = false;
    loop {
        let error = match PgListener::connect(&url).await {
            Ok(mut listener) => match listener.listen(JOURNAL_CHANNEL).await {
                Ok(()) => {
                    status.set(WakeupState::Listening);
                    if failing {
                        tracing::info!("journal wake-ups restored");
                        failing = false;
                    } else {
                        tracing::debug!(channel = JOURNAL_CHANNEL, "journal wake-ups listening");
                    }
                    retry_after = FIRST_RETRY;
                    // Commits while nobody listened went unnoticed: have the tailer look now.
                    notified.notify_one();
                    pass_on_notifications(&mut listener, &notified).await
                }
                Err(error) => error,
            },
            Err(error) => error,
        };
        status.set(WakeupState::Reconnecting);
        if !failing {
            tracing::warn!(%error, retry_in = ?retry_after, "journal wake-ups lost; polling only until they reconnect");
            failing = true;
        }
        tokio::time::sleep(retry_after).await;
        retry_after = (retry_after * 2).min(LONGEST_RETRY);
    }
}

/// Wakes the tailer for each notification until the connection fails for good.
async fn pass_on_notifications(listener: &mut PgListener, notified: &Notify) -> sqlx::Error {
    loop {
        match listener.try_recv().await {
            Ok(Some(_notification)) => notified.notify_one(),
            // The connection dropped and the listener reconnected (and listens again) by itself;
            // what committed in between was not announced.
            Ok(None) => notified.notify_one(),
            Err(error) => return error,
        }
    }
}
