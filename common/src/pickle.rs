//! `dumps` and `loads`: a value to bytes and back, as Python's `pickle`
//! does for what crosses between processes. The same encoding as every
//! value sent through a [`crate::Connection`] or a [`crate::Queue`]; what a
//! [`crate::Shared`] type's methods receive and return.

use crate::Result;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// A value as bytes (Python's `pickle.dumps`).
pub fn dumps<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>> {
    Ok(postcard::to_stdvec(value)?)
}

/// A value back from [`dumps`]'s bytes (Python's `pickle.loads`); bytes
/// that are not a `T` are an error.
pub fn loads<T: DeserializeOwned>(bytes: &[u8]) -> Result<T> {
    Ok(postcard::from_bytes(bytes)?)
}
