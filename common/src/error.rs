//! One error type for the cookbook: a message, and whether it is the user's
//! mistake (exit code 2, like a bad flag) or a failure (exit code 1).

use std::fmt;

/// An error: what went wrong, in one line, and its [`Kind`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    message: String,
    kind: Kind,
    /// For [`Kind::BufferTooShort`]: the whole message that did not fit.
    payload: Option<Vec<u8>>,
}

/// What kind of failure an [`Error`] is, for callers that handle some.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
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
    /// A message was longer than the buffer given to
    /// [`crate::Connection::recv_bytes_into`] (Python's `BufferTooShort`).
    /// The message was received all the same: [`Error::payload`] holds it,
    /// as Python's `e.args[0]` does, and the connection stays usable.
    BufferTooShort,
    /// The other side did not prove it knows the authentication key, or
    /// refused ours (Python's `AuthenticationError`).
    Authentication,
    /// No such key in a dictionary, or no such attribute in a namespace
    /// (Python's `KeyError`, `AttributeError`).
    Key,
    /// An index out of range, or a `pop` from an empty list (Python's
    /// `IndexError`).
    Index,
    /// An argument of the right type but a wrong value: a value not in a
    /// list, an offset past the end of a buffer (Python's `ValueError`).
    Value,
}

/// The cookbook's `Result`: [`Error`] unless said otherwise.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Something went wrong while running.
    pub fn new(message: impl Into<String>) -> Self {
        Error {
            message: message.into(),
            kind: Kind::Failure,
            payload: None,
        }
    }

    /// An error of the given kind.
    pub fn with_kind(kind: Kind, message: impl Into<String>) -> Self {
        Error {
            message: message.into(),
            kind,
            payload: None,
        }
    }

    /// A message did not fit the buffer it was to be received into;
    /// `message` is the whole of it (see [`Error::payload`]).
    pub fn buffer_too_short(message: Vec<u8>, buffer: usize) -> Self {
        Error {
            message: format!(
                "a message of {} bytes does not fit a buffer of {buffer} bytes \
                 (the message is in the error's payload)",
                message.len()
            ),
            kind: Kind::BufferTooShort,
            payload: Some(message),
        }
    }

    /// The user asked for something the program cannot do (exit code 2).
    pub fn usage(message: impl Into<String>) -> Self {
        Error {
            message: message.into(),
            kind: Kind::Usage,
            payload: None,
        }
    }

    /// The other end is closed: no more data will come.
    pub fn eof(message: impl Into<String>) -> Self {
        Error {
            message: message.into(),
            kind: Kind::Eof,
            payload: None,
        }
    }

    /// Nothing came in time.
    pub fn timeout(message: impl Into<String>) -> Self {
        Error {
            message: message.into(),
            kind: Kind::Timeout,
            payload: None,
        }
    }

    /// The previous holder of a lock died holding it.
    pub fn owner_died(message: impl Into<String>) -> Self {
        Error {
            message: message.into(),
            kind: Kind::OwnerDied,
            payload: None,
        }
    }

    /// A bounded queue had no room in time (Python's `queue.Full`).
    pub fn full(message: impl Into<String>) -> Self {
        Error {
            message: message.into(),
            kind: Kind::Full,
            payload: None,
        }
    }

    /// A barrier is broken (Python's `BrokenBarrierError`).
    pub fn broken_barrier(message: impl Into<String>) -> Self {
        Error {
            message: message.into(),
            kind: Kind::BrokenBarrier,
            payload: None,
        }
    }

    /// What kind of error this is.
    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// The bytes an error carries: for [`Kind::BufferTooShort`], the whole
    /// message that did not fit (Python's `e.args[0]`); `None` otherwise.
    pub fn payload(&self) -> Option<&[u8]> {
        self.payload.as_deref()
    }

    /// [`Error::payload`], taken out of the error.
    pub fn into_payload(self) -> Option<Vec<u8>> {
        self.payload
    }

    /// True for an end of file ([`Kind::Eof`]).
    pub fn is_eof(&self) -> bool {
        self.kind == Kind::Eof
    }

    /// True when nothing came in time ([`Kind::Timeout`]).
    pub fn is_timeout(&self) -> bool {
        self.kind == Kind::Timeout
    }

    /// True when a lock's holder died ([`Kind::OwnerDied`]).
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
