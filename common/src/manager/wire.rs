//! What a proxy and the server say to each other: one request, one reply.
//! Keys and values travel encoded; the server compares them as bytes.

use crate::Kind;
use serde::{Deserialize, Serialize};
use std::time::Duration;

pub(super) type Bytes = Vec<u8>;

#[derive(Serialize, Deserialize, Debug)]
pub(super) enum Request {
    /// Make an object; the reply is its id.
    Create(Create),
    /// An operation on object `id`.
    Call {
        id: usize,
        op: Op,
    },
    /// Make a connection for another process (or thread); its descriptor
    /// follows the reply.
    Connect,
    Shutdown,
}

#[derive(Serialize, Deserialize, Debug)]
pub(super) enum Create {
    Dict(Vec<(Bytes, Bytes)>),
    List(Vec<Bytes>),
    Namespace,
    Queue { maxsize: usize },
    Lock,
    Event,
    Value(Bytes),
    Shared { type_id: String, args: Bytes },
}

/// Python's slice `start:end` (`end` `None`: to the end).
#[derive(Serialize, Deserialize, Debug)]
pub(super) struct Slice {
    pub start: usize,
    pub end: Option<usize>,
}

#[derive(Serialize, Deserialize, Debug)]
pub(super) enum Op {
    // Shared by several kinds of object.
    Len,
    Items,
    Clear,
    Contains(Bytes),
    // Dictionaries.
    DictSet {
        key: Bytes,
        value: Bytes,
    },
    DictGet {
        key: Bytes,
    },
    DictPop {
        key: Bytes,
    },
    DictPopItem,
    DictSetDefault {
        key: Bytes,
        default: Bytes,
    },
    DictUpdate(Vec<(Bytes, Bytes)>),
    // Lists.
    ListPush(Bytes),
    ListExtend(Vec<Bytes>),
    ListInsert {
        index: usize,
        value: Bytes,
    },
    ListGet(usize),
    ListSet {
        index: usize,
        value: Bytes,
    },
    ListPop(Option<usize>),
    ListRemove(Bytes),
    ListIndex(Bytes),
    ListCount(Bytes),
    ListSlice(Slice),
    ListSetSlice(Slice, Vec<Bytes>),
    ListReverse,
    // Namespaces.
    NsSet {
        name: String,
        value: Bytes,
    },
    NsGet(String),
    NsDel(String),
    NsNames,
    // Queues: `timeout` `None` waits for ever; zero does not wait.
    QueuePut {
        value: Bytes,
        timeout: Option<Duration>,
    },
    QueueGet {
        timeout: Option<Duration>,
    },
    // Locks and events.
    LockAcquire {
        timeout: Option<Duration>,
    },
    LockRelease,
    EventSet,
    EventClear,
    EventIsSet,
    EventWait {
        timeout: Option<Duration>,
    },
    // Values.
    ValueGet,
    ValueSet(Bytes),
    // Registered types.
    SharedCall {
        method: String,
        args: Bytes,
    },
}

#[derive(Serialize, Deserialize, Debug)]
pub(super) enum Reply {
    Done,
    Id(usize),
    Value(Option<Bytes>),
    Len(usize),
    Bool(bool),
    Pairs(Vec<(Bytes, Bytes)>),
    Values(Vec<Bytes>),
    Names(Vec<String>),
    /// The operation failed: Python's exception, as a kind and a message.
    Failed(Kind, String),
}
