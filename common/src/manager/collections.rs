//! `DictProxy` and `ListProxy`: Python's `manager.dict()` and
//! `manager.list()`, method by method.

use super::wire::{Op, Reply, Slice};
use super::{Handle, Types, proxy_traits, unexpected};
use crate::{Error, Kind, Result};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::ops::{Bound, RangeBounds};

/// A dictionary in the manager's process (Python's `DictProxy`). Keys keep
/// the order they were first set in, as in Python: `keys`, `values`,
/// `items`, `iter` and `pop_item` follow it.
///
/// ```no_run
/// let manager = common::Manager::start()?;
/// let d = manager.dict_from([("a".to_string(), 1), ("b".to_string(), 2)])?;
/// d.set(&"c".to_string(), &3)?;
/// assert_eq!(d.keys()?, ["a", "b", "c"]);
/// assert_eq!(d.pop(&"a".to_string())?, 1);
/// assert!(d.pop(&"a".to_string()).is_err()); // Python's KeyError
/// # Ok::<(), common::Error>(())
/// ```
pub struct DictProxy<K, V> {
    handle: Handle,
    _types: Types<(K, V)>,
}

proxy_traits!(DictProxy<K, V>);

impl<K, V> DictProxy<K, V> {
    pub(super) fn new(handle: Handle) -> Self {
        DictProxy {
            handle,
            _types: Types::default(),
        }
    }
}

fn key_error(what: &str) -> Error {
    Error::with_kind(Kind::Key, what.to_string())
}

impl<K: Serialize + DeserializeOwned, V: Serialize + DeserializeOwned> DictProxy<K, V> {
    /// `d[key] = value`
    pub fn set(&self, key: &K, value: &V) -> Result<()> {
        let (key, value) = (self.handle.enc(key)?, self.handle.enc(value)?);
        self.handle.done(Op::DictSet { key, value })
    }

    /// `d.get(key)`: `None` if the key is missing.
    pub fn get(&self, key: &K) -> Result<Option<V>> {
        let key = self.handle.enc(key)?;
        let value = self.handle.value(Op::DictGet { key })?;
        value.map(|b| self.handle.dec(&b)).transpose()
    }

    /// `d[key]`: a [`Kind::Key`] error if the key is missing.
    pub fn get_item(&self, key: &K) -> Result<V> {
        self.get(key)?
            .ok_or_else(|| key_error("no such key in the dictionary"))
    }

    /// `d.pop(key, None)`: removes the key, and returns its value if it
    /// was there.
    pub fn remove(&self, key: &K) -> Result<Option<V>> {
        let key = self.handle.enc(key)?;
        let value = self.handle.value(Op::DictPop { key })?;
        value.map(|b| self.handle.dec(&b)).transpose()
    }

    /// `d.pop(key)`: removes the key and returns its value; a
    /// [`Kind::Key`] error if it is missing (the dictionary is unchanged).
    pub fn pop(&self, key: &K) -> Result<V> {
        self.remove(key)?
            .ok_or_else(|| key_error("pop(key): no such key in the dictionary"))
    }

    /// `d.pop(key, default)`
    pub fn pop_or(&self, key: &K, default: V) -> Result<V> {
        Ok(self.remove(key)?.unwrap_or(default))
    }

    /// `del d[key]`: a [`Kind::Key`] error if the key is missing.
    pub fn delete(&self, key: &K) -> Result<()> {
        self.pop(key).map(drop)
    }

    /// `d.popitem()`: removes and returns the pair set last (LIFO, as in
    /// Python); a [`Kind::Key`] error if the dictionary is empty.
    pub fn pop_item(&self) -> Result<(K, V)> {
        match self.handle.call(Op::DictPopItem)? {
            Reply::Pairs(mut pairs) if pairs.len() == 1 => {
                let (k, v) = pairs.remove(0);
                Ok((self.handle.dec(&k)?, self.handle.dec(&v)?))
            }
            other => Err(unexpected(other)),
        }
    }

    /// `d.setdefault(key, default)`: the value of `key`, set to `default`
    /// first if it was missing, in one step on the server.
    pub fn set_default(&self, key: &K, default: &V) -> Result<V> {
        let (key, default) = (self.handle.enc(key)?, self.handle.enc(default)?);
        let value = self.handle.value(Op::DictSetDefault { key, default })?;
        self.handle.dec_some(value)
    }

    /// `d.update(pairs)`: sets every pair, in order, in one step.
    pub fn update(&self, pairs: impl IntoIterator<Item = (K, V)>) -> Result<()> {
        let pairs = pairs
            .into_iter()
            .map(|(k, v)| Ok((self.handle.enc(&k)?, self.handle.enc(&v)?)))
            .collect::<Result<_>>()?;
        self.handle.done(Op::DictUpdate(pairs))
    }

    /// `key in d`
    pub fn contains(&self, key: &K) -> Result<bool> {
        let key = self.handle.enc(key)?;
        self.handle.bool(Op::Contains(key))
    }

    /// `len(d)`
    pub fn len(&self) -> Result<usize> {
        self.handle.len(Op::Len)
    }

    /// `len(d) == 0`
    pub fn is_empty(&self) -> Result<bool> {
        Ok(self.len()? == 0)
    }

    /// `d.clear()`
    pub fn clear(&self) -> Result<()> {
        self.handle.done(Op::Clear)
    }

    /// `list(d.items())`: every pair, in insertion order.
    pub fn items(&self) -> Result<Vec<(K, V)>> {
        match self.handle.call(Op::Items)? {
            Reply::Pairs(pairs) => pairs
                .iter()
                .map(|(k, v)| Ok((self.handle.dec(k)?, self.handle.dec(v)?)))
                .collect(),
            other => Err(unexpected(other)),
        }
    }

    /// `list(d.keys())`, in insertion order.
    pub fn keys(&self) -> Result<Vec<K>> {
        Ok(self.items()?.into_iter().map(|(k, _)| k).collect())
    }

    /// `list(d.values())`, in insertion order.
    pub fn values(&self) -> Result<Vec<V>> {
        Ok(self.items()?.into_iter().map(|(_, v)| v).collect())
    }

    /// `d.copy()`: the contents as a plain collection of your choice
    /// (`Vec<(K, V)>`, `HashMap`, `BTreeMap`), taken in one round trip.
    pub fn copy<C: FromIterator<(K, V)>>(&self) -> Result<C> {
        Ok(self.items()?.into_iter().collect())
    }

    /// `iter(d)`: the keys, as they are at the time of the call (one round
    /// trip; later changes are not seen).
    pub fn iter(&self) -> Result<std::vec::IntoIter<K>> {
        Ok(self.keys()?.into_iter())
    }
}

/// A list in the manager's process (Python's `ListProxy`).
///
/// ```no_run
/// let manager = common::Manager::start()?;
/// let l = manager.list_from([3, 1, 4, 1, 5])?;
/// assert_eq!(l.count(&1)?, 2);
/// l.remove(&1)?; // the first 1
/// assert_eq!(l.slice(1..3)?, [4, 1]);
/// assert_eq!(l.pop()?, 5);
/// # Ok::<(), common::Error>(())
/// ```
pub struct ListProxy<T> {
    handle: Handle,
    _types: Types<T>,
}

proxy_traits!(ListProxy<T>);

impl<T> ListProxy<T> {
    pub(super) fn new(handle: Handle) -> Self {
        ListProxy {
            handle,
            _types: Types::default(),
        }
    }
}

fn slice(range: impl RangeBounds<usize>) -> Slice {
    let start = match range.start_bound() {
        Bound::Included(&s) => s,
        Bound::Excluded(&s) => s.saturating_add(1),
        Bound::Unbounded => 0,
    };
    let end = match range.end_bound() {
        Bound::Included(&e) => Some(e.saturating_add(1)),
        Bound::Excluded(&e) => Some(e),
        Bound::Unbounded => None,
    };
    Slice { start, end }
}

impl<T: Serialize + DeserializeOwned> ListProxy<T> {
    /// `l.append(value)`
    pub fn push(&self, value: &T) -> Result<()> {
        let value = self.handle.enc(value)?;
        self.handle.done(Op::ListPush(value))
    }

    /// `l.extend(values)`, in one step.
    pub fn extend(&self, values: impl IntoIterator<Item = T>) -> Result<()> {
        let values = values
            .into_iter()
            .map(|v| self.handle.enc(&v))
            .collect::<Result<_>>()?;
        self.handle.done(Op::ListExtend(values))
    }

    /// `l.insert(index, value)`: an index past the end appends, as in Python.
    pub fn insert(&self, index: usize, value: &T) -> Result<()> {
        let value = self.handle.enc(value)?;
        self.handle.done(Op::ListInsert { index, value })
    }

    /// `l[index]`, or `None` past the end.
    pub fn get(&self, index: usize) -> Result<Option<T>> {
        let value = self.handle.value(Op::ListGet(index))?;
        value.map(|b| self.handle.dec(&b)).transpose()
    }

    /// `l[index] = value`: a [`Kind::Index`] error past the end.
    pub fn set(&self, index: usize, value: &T) -> Result<()> {
        let value = self.handle.enc(value)?;
        self.handle.done(Op::ListSet { index, value })
    }

    /// `l.pop()`: removes and returns the last value; a [`Kind::Index`]
    /// error if the list is empty.
    pub fn pop(&self) -> Result<T> {
        let value = self.handle.value(Op::ListPop(None))?;
        self.handle.dec_some(value)
    }

    /// `l.pop(index)`: a [`Kind::Index`] error past the end.
    pub fn pop_at(&self, index: usize) -> Result<T> {
        let value = self.handle.value(Op::ListPop(Some(index)))?;
        self.handle.dec_some(value)
    }

    /// `l.remove(value)`: removes the first equal value; a [`Kind::Value`]
    /// error if there is none (the list is unchanged).
    pub fn remove(&self, value: &T) -> Result<()> {
        let value = self.handle.enc(value)?;
        self.handle.done(Op::ListRemove(value))
    }

    /// `l.index(value)`: where the first equal value is; a [`Kind::Value`]
    /// error if there is none.
    pub fn index(&self, value: &T) -> Result<usize> {
        let value = self.handle.enc(value)?;
        self.handle.len(Op::ListIndex(value))
    }

    /// `l.count(value)`
    pub fn count(&self, value: &T) -> Result<usize> {
        let value = self.handle.enc(value)?;
        self.handle.len(Op::ListCount(value))
    }

    /// `value in l`
    pub fn contains(&self, value: &T) -> Result<bool> {
        let value = self.handle.enc(value)?;
        self.handle.bool(Op::Contains(value))
    }

    /// `l[start:end]`: bounds past the end are clamped, as in Python
    /// (`l.slice(2..)`, `l.slice(..3)`, `l.slice(1..=2)`).
    pub fn slice(&self, range: impl RangeBounds<usize>) -> Result<Vec<T>> {
        match self.handle.call(Op::ListSlice(slice(range)))? {
            Reply::Values(values) => values.iter().map(|b| self.handle.dec(b)).collect(),
            other => Err(unexpected(other)),
        }
    }

    /// `l[start:end] = values`: replaces that part of the list (which may
    /// grow or shrink), in one step.
    pub fn set_slice(
        &self,
        range: impl RangeBounds<usize>,
        values: impl IntoIterator<Item = T>,
    ) -> Result<()> {
        let values = values
            .into_iter()
            .map(|v| self.handle.enc(&v))
            .collect::<Result<_>>()?;
        self.handle.done(Op::ListSetSlice(slice(range), values))
    }

    /// `l.reverse()`
    pub fn reverse(&self) -> Result<()> {
        self.handle.done(Op::ListReverse)
    }

    /// `l.clear()`
    pub fn clear(&self) -> Result<()> {
        self.handle.done(Op::Clear)
    }

    /// `len(l)`
    pub fn len(&self) -> Result<usize> {
        self.handle.len(Op::Len)
    }

    /// `len(l) == 0`
    pub fn is_empty(&self) -> Result<bool> {
        Ok(self.len()? == 0)
    }

    /// `l[:]`: every value, in order.
    pub fn items(&self) -> Result<Vec<T>> {
        self.slice(..)
    }

    /// `iter(l)`: the values as they are at the time of the call (one
    /// round trip; later changes are not seen).
    pub fn iter(&self) -> Result<std::vec::IntoIter<T>> {
        Ok(self.items()?.into_iter())
    }
}
