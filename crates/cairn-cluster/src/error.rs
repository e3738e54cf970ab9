//! What can go wrong when running a cluster.

/// Errors of `cairn-cluster`.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error("cannot find a free port on 127.0.0.1 for a node")]
    NoFreePort(#[source] std::io::Error),
    #[error("cannot start node program {program}")]
    StartNode {
        program: String,
        #[source]
        source: std::io::Error,
    },
    #[error("a rolling restart is already running")]
    RollingRestartRunning,
    #[error("invalid cluster size: {0}")]
    InvalidSize(String),
    #[error("the balancer cannot accept connections")]
    Accept(#[source] std::io::Error),
    #[error("{variable} must be the supervisor's process id, got {value:?}")]
    InvalidSupervisorPid {
        variable: &'static str,
        value: String,
    },
    #[error("cannot watch the supervisor")]
    WatchSupervisor(#[source] std::io::Error),
}
