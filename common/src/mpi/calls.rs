//! What each rank waits for in MPI, for the timeline (`--timeline`).
//!
//! The recipes call rsmpi, which calls the MPI library's C functions. MPI
//! has a standard way to watch those calls without touching the program:
//! its *profiling interface*. Every function `MPI_X` of the library is also
//! there as `PMPI_X`, so a program (or a tool) may define its own `MPI_X`
//! that does something around the real call. The functions below are such
//! definitions: linked into every recipe, they take the place of the
//! library's for rsmpi's calls, record "blocked in `bcast from rank 0`"
//! (or `send to rank 4`, `receive from rank 1`, `barrier`...) while the call
//! lasts, and go on to the real one.
//!
//! "The real one" is found with `dlsym(RTLD_NEXT)`, the next definition
//! after this executable's: normally the library's, but a tool's when one
//! is preloaded (the exercise checks preload a tracer that counts the calls
//! each rank makes, tests/mpi-trace): both then see every call.
//!
//! With no `--timeline`, a call costs one load of a cached pointer and one
//! check that the recording is off.

use mpi::ffi::{MPI_Comm, MPI_Datatype, MPI_Message, MPI_Op, MPI_Request, MPI_Status};
use std::ffi::{CStr, c_int, c_void};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The address of the next definition of `name` (the library's, or a
/// preloaded tool's), looked up once and kept in `cache`.
fn next(cache: &AtomicUsize, name: &CStr) -> usize {
    let known = cache.load(Ordering::Relaxed);
    if known != 0 {
        return known;
    }
    // SAFETY: dlsym with RTLD_NEXT and a NUL-terminated name has no other
    // precondition.
    let found = unsafe { libc::dlsym(libc::RTLD_NEXT, name.as_ptr()) } as usize;
    if found == 0 {
        // Not reachable while the library is linked: every MPI_X below is
        // part of MPI-3, which both MPICH and Open MPI provide.
        eprintln!("error: the MPI library has no {}", name.to_string_lossy());
        std::process::abort();
    }
    cache.store(found, Ordering::Relaxed);
    found
}

/// Records a wait named by `label` while the returned guard lives, if the
/// run is recorded (the label is not even formatted otherwise).
fn waiting(label: impl FnOnce() -> String) -> Option<crate::timeline::Blocked> {
    crate::timeline::recording().then(|| crate::timeline::blocked(&label()))
}

/// `receive from rank 3`, or from any rank.
fn from(source: c_int) -> String {
    // SAFETY: rsmpi's constants are set when the library is loaded.
    if source == unsafe { mpi::ffi::RSMPI_ANY_SOURCE } {
        "receive from any rank".into()
    } else {
        format!("receive from rank {source}")
    }
}

/// `send to rank 4`; to `MPI_PROC_NULL` (the topology recipe's edges) a
/// send goes nowhere and returns at once.
fn to(dest: c_int) -> String {
    // SAFETY: as in `from`.
    if dest == unsafe { mpi::ffi::RSMPI_PROC_NULL } {
        "send to nobody (PROC_NULL)".into()
    } else {
        format!("send to rank {dest}")
    }
}

/// `MPI_X(args) => label;` defines `MPI_X` with the C signature given,
/// recording the label while the real `MPI_X` runs.
macro_rules! watched {
    ($( $name:ident ( $($arg:ident : $ty:ty),* $(,)? ) => $label:expr; )*) => {$(
        #[unsafe(no_mangle)]
        #[doc(hidden)]
        /// # Safety
        /// As for the MPI function of this name: it is called by rsmpi.
        pub unsafe extern "C" fn $name($($arg: $ty),*) -> c_int {
            static NEXT: AtomicUsize = AtomicUsize::new(0);
            let address = next(&NEXT, const { to_cstr(concat!(stringify!($name), "\0")) });
            type Real = unsafe extern "C" fn($($ty),*) -> c_int;
            // SAFETY: the address is the library's (or a tool's) definition
            // of this very function, whose C signature this one repeats.
            let real = unsafe { std::mem::transmute::<usize, Real>(address) };
            let _wait = waiting(|| $label);
            // SAFETY: the caller's arguments, passed on unchanged.
            unsafe { real($($arg),*) }
        }
    )*
        /// Makes the linker keep this file's definitions in every program
        /// that launches MPI through [`super::Launch`] (an archive member
        /// nobody refers to is left out, and the library's own would serve).
        pub(super) fn keep() {
            $( std::hint::black_box($name as *const ()); )*
        }
    };
}

const fn to_cstr(text: &'static str) -> &'static CStr {
    match CStr::from_bytes_with_nul(text.as_bytes()) {
        Ok(c) => c,
        Err(_) => panic!("a name without its NUL"),
    }
}

watched! {
    MPI_Send(buf: *const c_void, count: c_int, datatype: MPI_Datatype, dest: c_int, tag: c_int,
        comm: MPI_Comm) => to(dest);
    MPI_Ssend(buf: *const c_void, count: c_int, datatype: MPI_Datatype, dest: c_int, tag: c_int,
        comm: MPI_Comm) => to(dest);
    MPI_Recv(buf: *mut c_void, count: c_int, datatype: MPI_Datatype, source: c_int, tag: c_int,
        comm: MPI_Comm, status: *mut MPI_Status) => from(source);
    // rsmpi's `receive_vec` probes for the message (this is where it
    // waits), then takes it with MPI_Mrecv, which returns at once.
    MPI_Mprobe(source: c_int, tag: c_int, comm: MPI_Comm, message: *mut MPI_Message,
        status: *mut MPI_Status) => from(source);
    MPI_Probe(source: c_int, tag: c_int, comm: MPI_Comm, status: *mut MPI_Status) => from(source);
    MPI_Sendrecv(sendbuf: *const c_void, sendcount: c_int, sendtype: MPI_Datatype, dest: c_int,
        sendtag: c_int, recvbuf: *mut c_void, recvcount: c_int, recvtype: MPI_Datatype,
        source: c_int, recvtag: c_int, comm: MPI_Comm, status: *mut MPI_Status)
        => sendrecv(dest, source);
    MPI_Sendrecv_replace(buf: *mut c_void, count: c_int, datatype: MPI_Datatype, dest: c_int,
        sendtag: c_int, source: c_int, recvtag: c_int, comm: MPI_Comm, status: *mut MPI_Status)
        => sendrecv(dest, source);
    MPI_Wait(request: *mut MPI_Request, status: *mut MPI_Status) => "wait".into();
    MPI_Waitall(count: c_int, requests: *mut MPI_Request, statuses: *mut MPI_Status)
        => "wait for all".into();
    MPI_Barrier(comm: MPI_Comm) => "barrier".into();
    MPI_Bcast(buffer: *mut c_void, count: c_int, datatype: MPI_Datatype, root: c_int,
        comm: MPI_Comm) => format!("bcast from rank {root}");
    MPI_Scatter(sendbuf: *const c_void, sendcount: c_int, sendtype: MPI_Datatype,
        recvbuf: *mut c_void, recvcount: c_int, recvtype: MPI_Datatype, root: c_int,
        comm: MPI_Comm) => format!("scatter from rank {root}");
    MPI_Scatterv(sendbuf: *const c_void, sendcounts: *const c_int, displs: *const c_int,
        sendtype: MPI_Datatype, recvbuf: *mut c_void, recvcount: c_int, recvtype: MPI_Datatype,
        root: c_int, comm: MPI_Comm) => format!("scatter from rank {root}");
    MPI_Gather(sendbuf: *const c_void, sendcount: c_int, sendtype: MPI_Datatype,
        recvbuf: *mut c_void, recvcount: c_int, recvtype: MPI_Datatype, root: c_int,
        comm: MPI_Comm) => format!("gather to rank {root}");
    MPI_Gatherv(sendbuf: *const c_void, sendcount: c_int, sendtype: MPI_Datatype,
        recvbuf: *mut c_void, recvcounts: *const c_int, displs: *const c_int,
        recvtype: MPI_Datatype, root: c_int, comm: MPI_Comm) => format!("gather to rank {root}");
    MPI_Allgather(sendbuf: *const c_void, sendcount: c_int, sendtype: MPI_Datatype,
        recvbuf: *mut c_void, recvcount: c_int, recvtype: MPI_Datatype, comm: MPI_Comm)
        => "allgather".into();
    MPI_Alltoall(sendbuf: *const c_void, sendcount: c_int, sendtype: MPI_Datatype,
        recvbuf: *mut c_void, recvcount: c_int, recvtype: MPI_Datatype, comm: MPI_Comm)
        => "alltoall".into();
    MPI_Reduce(sendbuf: *const c_void, recvbuf: *mut c_void, count: c_int,
        datatype: MPI_Datatype, op: MPI_Op, root: c_int, comm: MPI_Comm)
        => format!("reduce to rank {root}");
    MPI_Allreduce(sendbuf: *const c_void, recvbuf: *mut c_void, count: c_int,
        datatype: MPI_Datatype, op: MPI_Op, comm: MPI_Comm) => "allreduce".into();
    MPI_Scan(sendbuf: *const c_void, recvbuf: *mut c_void, count: c_int,
        datatype: MPI_Datatype, op: MPI_Op, comm: MPI_Comm) => "scan".into();
    MPI_Cart_create(comm_old: MPI_Comm, ndims: c_int, dims: *const c_int,
        periods: *const c_int, reorder: c_int, comm_cart: *mut MPI_Comm)
        => "cart create".into();
    // The end of every rank's run: it waits for the others.
    MPI_Finalize() => "finalize".into();
}

/// Both ends of a send-and-receive: `sendrecv with rank 1` when they are
/// the same rank (the deadlock recipe's cure), which the timeline pairs.
fn sendrecv(dest: c_int, source: c_int) -> String {
    if dest == source {
        format!("sendrecv with rank {dest}")
    } else {
        format!("sendrecv to rank {dest} from rank {source}")
    }
}
