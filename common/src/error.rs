//! One error type for the cookbook: a message, and whether it is the user's
//! mistake (exit code 2, like a bad flag) or a failure (exit code 1).

use std::fmt;

/// What went wrong: a message for people, and a [`Kind`] for code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    message: String,
    kind: Kind,
}

/// What kind of failure an [`Error`] is, for callers that handle some.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Something went wrong (exit code 1).
    Failure,
    /// The user asked for something impossible (exit code 2).
    Usage,
    /// The other end is gone: every writing end of a connection is closed
    /// (Python's `EOFError`).
    Eof,
    /// Nothing came within the time allowed (Python's `queue.Empty`).
    Timeout,
    /// A process died holding a lock: what the lock guards may be
    /// half-updated (Rust's poisoned `Mutex`; Python has no counterpart and
    /// would wait for ever). The lock is free again for the next taker.
    OwnerDied,
    /// A bounded queue stayed full for the time allowed (Python's
    /// `queue.Full`).
    Full,
    /// A barrier is broken: a party timed out, aborted it, reset it, died,
    /// or its action panicked (Python's `threading.BrokenBarrierError`).
    BrokenBarrier,
}

/// `std::result::Result` with the cookbook's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Something went wrong while running.
    pub fn new(message: impl Into<String>) -> Self {
        Error {
            message: message.into(),
            kind: Kind::Failure,
        }
    }

    /// The user asked for something the program cannot do (exit code 2).
    pub fn usage(message: impl Into<String>) -> Self {
        Error {
            message: message.into(),
            kind: Kind::Usage,
        }
    }

    /// The other end is closed: no more data will come.
    pub fn eof(message: impl Into<String>) -> Self {
        Error {
            message: message.into(),
            kind: Kind::Eof,
        }
    }

    /// Nothing came in time.
    pub fn timeout(message: impl Into<String>) -> Self {
        Error {
            message: message.into(),
            kind: Kind::Timeout,
        }
    }

    /// The previous holder of a lock died holding it.
    pub fn owner_died(message: impl Into<String>) -> Self {
        Error {
            message: message.into(),
            kind: Kind::OwnerDied,
        }
    }

    /// A bounded queue had no room in time (Python's `queue.Full`).
    pub fn full(message: impl Into<String>) -> Self {
        Error {
            message: message.into(),
            kind: Kind::Full,
        }
    }

    /// A barrier is broken (Python's `BrokenBarrierError`).
    pub fn broken_barrier(message: impl Into<String>) -> Self {
        Error {
            message: message.into(),
            kind: Kind::BrokenBarrier,
        }
    }

    /// What kind of error this is.
    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// Whether the other end is gone (Python's `EOFError`).
    pub fn is_eof(&self) -> bool {
        self.kind == Kind::Eof
    }

    /// Whether nothing came in time (Python's `queue.Empty`).
    pub fn is_timeout(&self) -> bool {
        self.kind == Kind::Timeout
    }

    /// Whether a lock's previous holder died holding it.
    pub fn is_owner_died(&self) -> bool {
        self.kind == Kind::OwnerDied
    }

    /// Whether this is Python's `queue.Full`: a bounded queue had no room.
    pub fn is_full(&self) -> bool {
        self.kind == Kind::Full
    }

    /// Whether this is Python's `BrokenBarrierError`.
    pub fn is_broken_barrier(&self) -> bool {
        self.kind == Kind::BrokenBarrier
    }

    /// Exit code for a program that stops on this error.
    pub fn exit_code(&self) -> u8 {
        if self.kind == Kind::Usage { 2 } else { 1 }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::new(e.to_string())
    }
}

impl From<nix::Error> for Error {
    fn from(e: nix::Error) -> Self {
        Error::new(e.desc())
    }
}

impl From<postcard::Error> for Error {
    fn from(e: postcard::Error) -> Self {
        Error::new(format!(
            "cannot encode or decode a value sent between processes: {e}"
        ))
    }
}
