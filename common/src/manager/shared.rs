//! Types of your own in a manager: Python's `BaseManager.register`.

use super::wire::{Op, Reply};
use super::{Handle, Types, proxy_traits, unexpected};
use crate::Result;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// An object a manager can hold for a type of your own: the server calls
/// `call` with a method's name and its arguments, encoded, and sends back
/// what it returns. Decode the arguments with [`crate::loads`] and encode
/// the result with [`crate::dumps`]; return an error for a method you do
/// not have (a [`crate::Kind::Key`] error reads like Python's
/// `AttributeError`). The proxy's caller gets your error, with its kind.
///
/// ```no_run
/// use common::{Error, Kind, Manager, Shared, dumps, loads};
///
/// struct Counter(i64);
///
/// impl Shared for Counter {
///     fn call(&mut self, method: &str, args: &[u8]) -> common::Result<Vec<u8>> {
///         match method {
///             "add" => {
///                 self.0 += loads::<i64>(args)?;
///                 dumps(&self.0)
///             }
///             "get" => dumps(&self.0),
///             _ => Err(Error::with_kind(Kind::Key, format!("Counter has no method '{method}'"))),
///         }
///     }
/// }
///
/// fn new_counter(args: &[u8]) -> common::Result<Box<dyn Shared>> {
///     Ok(Box::new(Counter(loads(args)?)))
/// }
///
/// let manager = Manager::builder().register("Counter", new_counter).start()?;
/// let counter = manager.create_shared("Counter", &10i64)?;
/// assert_eq!(counter.call::<_, i64>("add", &5i64)?, 15);
/// # Ok::<(), common::Error>(())
/// ```
pub trait Shared: Send + 'static {
    /// Runs `method` with `args` (encoded) and returns its result, encoded.
    fn call(&mut self, method: &str, args: &[u8]) -> Result<Vec<u8>>;
}

/// Makes a registered type's object from the (encoded) arguments given to
/// [`crate::Manager::create_shared`]. A plain function, not a closure: the
/// server process calls it, whichever start method made that process.
pub type Constructor = fn(&[u8]) -> Result<Box<dyn Shared>>;

/// A proxy for an object of a registered type (Python's `BaseProxy`
/// subclass made by `register`): each [`SharedProxy::call`] runs a method
/// on the object in the manager's process.
pub struct SharedProxy {
    handle: Handle,
    _types: Types<()>,
}

proxy_traits!(SharedProxy);

impl SharedProxy {
    pub(super) fn new(handle: Handle) -> Self {
        SharedProxy {
            handle,
            _types: Types::default(),
        }
    }

    /// Calls `method` with `args` on the object in the server, and decodes
    /// what it returned as `R` (Python's `proxy.method(args)`).
    pub fn call<A: Serialize + ?Sized, R: DeserializeOwned>(
        &self,
        method: &str,
        args: &A,
    ) -> Result<R> {
        let args = self.handle.enc(args)?;
        let op = Op::SharedCall {
            method: method.to_string(),
            args,
        };
        match self.handle.call_waiting(op)? {
            Reply::Value(v) => self.handle.dec_some(v),
            other => Err(unexpected(other)),
        }
    }
}
