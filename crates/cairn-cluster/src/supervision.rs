//! The node's side of the supervisor contract: a node process dies with its supervisor, however
//! the supervisor went (SIGKILL included), so no orphan keeps serving and heartbeating.
//!
//! The supervisor starts every node with [`SUPERVISOR_PID_VARIABLE`] set to its own process id and
//! the node's standard input a pipe whose only writer is the supervisor. A node that finds the
//! variable calls [`watch_supervisor`] before anything else, which learns of the supervisor's end
//! in two independent ways:
//! - on Linux the kernel sends the node SIGTERM when its parent dies (`PR_SET_PDEATHSIG`); having
//!   asked for it, the node checks that its parent is still the supervisor, which may have died
//!   before the request took effect;
//! - on every Unix the pipe reaches end of file once the supervisor is gone, which a thread of the
//!   node waits for.
//!
//! Must not: exit the process. The caller decides what "the supervisor is gone" means (for
//! `cairn serve`: drain and stop as on SIGTERM).

use std::io::Read;

use crate::error::ClusterError;

/// Set by the supervisor on each node: its own process id, and the promise that the node's
/// standard input is a pipe held open by the supervisor alone.
pub const SUPERVISOR_PID_VARIABLE: &str = "CAIRN_SUPERVISOR_PID";

/// Whether this process runs under a supervisor, as the environment says.
pub fn supervisor_pid_from_environment() -> Result<Option<u32>, ClusterError> {
    let Some(value) = std::env::var_os(SUPERVISOR_PID_VARIABLE) else {
        return Ok(None);
    };
    let parsed = value
        .to_str()
        .and_then(|text| text.parse::<u32>().ok())
        .filter(|pid| *pid > 1);
    match parsed {
        Some(pid) => Ok(Some(pid)),
        None => Err(ClusterError::InvalidSupervisorPid {
            variable: SUPERVISOR_PID_VARIABLE,
            value: value.to_string_lossy().into_owned(),
        }),
    }
}

/// Calls `on_gone` once the supervisor `supervisor_pid` is gone: at once if it already is, else when
/// the pipe on standard input closes. On Linux, also asks for SIGTERM when the parent dies, which
/// the caller's signal handling receives.
pub fn watch_supervisor(
    supervisor_pid: u32,
    on_gone: impl FnOnce() + Send + 'static,
) -> Result<(), ClusterError> {
    #[cfg(target_os = "linux")]
    rustix::process::set_parent_process_death_signal(Some(rustix::process::Signal::TERM))
        .map_err(|error| ClusterError::WatchSupervisor(error.into()))?;
    // Checked after asking for the signal: a parent that died before the request took effect sent
    // nothing, and this process already belongs to another parent (init or a subreaper).
    let parent = rustix::process::getppid().map_or(0, |pid| pid.as_raw_pid().unsigned_abs());
    if parent != supervisor_pid {
        on_gone();
        return Ok(());
    }
    // A thread of its own, not a task: a read of standard input cannot be cancelled, and the async
    // runtime would wait for it at shutdown. It ends with the process.
    std::thread::Builder::new()
        .name("supervisor-pipe".to_string())
        .spawn(move || {
            wait_for_end_of_file(std::io::stdin().lock());
            on_gone();
        })
        .map_err(ClusterError::WatchSupervisor)?;
    Ok(())
}

/// Reads (and ignores) `input` until it ends or fails for good.
fn wait_for_end_of_file(mut input: impl Read) {
    let mut buffer = [0_u8; 64];
    loop {
        match input.read(&mut buffer) {
            Ok(0) => return,
            Ok(_) => {}
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
            // A pipe that cannot be read (closed descriptor, I/O error) tells nothing more.
            Err(_) => return,
        }
    }
}
