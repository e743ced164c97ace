//! From records and printed lines to lanes, waits and arrows.

use super::record::{Event, Kind, PIPE, QUEUE};
use super::relay::Line;
use std::collections::{HashMap, VecDeque};

/// What a stretch of a lane shows; outside any span the process is running
/// (or ready to run: the kernel does not say which, and on a busy machine
/// "ready" is part of it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// Started, not yet running the process's own code (a spawned child
    /// executes the program again and reads its job first).
    Starting,
    /// Waiting for something another process does.
    Blocked,
    /// Sleeping on purpose (the recipe's pacing).
    Sleeping,
}

/// A stretch of a lane in one [`State`]; times in nanoseconds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Span {
    /// Which state.
    pub state: State,
    /// When it began.
    pub from: u64,
    /// When it ended.
    pub to: u64,
    /// What it waits for: `get`, `join Process-1`, `receive from rank 5`.
    pub what: String,
}

/// How a process ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ending {
    /// Exit code, and a note (`watchdog` when a watchdog ended it).
    Exited(i32, String),
    /// Ended by this signal.
    Signalled(i32),
    /// No end was seen (an MPI rank its launcher stopped).
    Unknown(String),
}

/// One process of the run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lane {
    /// Its process id.
    pub pid: i32,
    /// As the output names it: `MainProcess`, `Process-1`, `process 4`.
    pub name: String,
    /// When it was started.
    pub from: u64,
    /// When it ended.
    pub to: u64,
    /// Its waits, in time order.
    pub spans: Vec<Span>,
    /// The lines it printed, with their times.
    pub prints: Vec<(u64, String)>,
    /// How it ended.
    pub ending: Ending,
}

/// An arrow between two lanes: an item sent and received, or a signal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    /// The sender's lane.
    pub from: usize,
    /// The receiver's lane.
    pub to: usize,
    /// When it was sent.
    pub sent: u64,
    /// When it was received (a signal: when sent).
    pub received: u64,
    /// `queue`, `pipe`, `MPI`, or a signal's name.
    pub what: String,
}

/// A whole run, ready to draw.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Run {
    /// When the first process began.
    pub from: u64,
    /// When the last one ended.
    pub to: u64,
    /// One per process, in start (or rank) order.
    pub lanes: Vec<Lane>,
    /// Items sent and received, paired.
    pub messages: Vec<Message>,
    /// Signals sent from one lane to another.
    pub signals: Vec<Message>,
}

fn signal_name(sig: i32) -> String {
    nix::sys::signal::Signal::try_from(sig)
        .map(|s| s.as_str().to_string())
        .unwrap_or_else(|_| format!("signal {sig}"))
}

impl Ending {
    /// The words at the end of a lane.
    pub fn label(&self) -> String {
        match self {
            Ending::Exited(code, note) if note.is_empty() => format!("exit {code}"),
            Ending::Exited(code, note) => format!("exit {code} ({note})"),
            Ending::Signalled(sig) => format!("{} ({})", signal_name(*sig), -sig),
            Ending::Unknown(why) => why.clone(),
        }
    }
}

impl Run {
    /// Builds the run from the records and the printed lines. `launcher`:
    /// an MPI run, whose lanes are its ranks, in rank order.
    pub(crate) fn build(events: &[Event], lines: &[Line], launcher: bool) -> Run {
        let mut events = events.to_vec();
        events.sort_by_key(|e| e.ns);
        let last = events
            .iter()
            .map(|e| e.ns)
            .chain(lines.iter().map(|l| l.ns))
            .max()
            .unwrap_or(0);
        // Who is a lane: every process that started, or was started.
        let mut order: Vec<(i32, i64)> = Vec::new();
        let mut names: HashMap<i32, String> = HashMap::new();
        for e in &events {
            let (pid, name) = match e.kind {
                Kind::Start => (e.pid, &e.text),
                Kind::Spawned if !launcher => (e.a as i32, &e.text),
                _ => continue,
            };
            if !names.contains_key(&pid) {
                order.push((pid, if e.kind == Kind::Start { e.a } else { -1 }));
            }
            // The process's own word for its name wins.
            if e.kind == Kind::Start || !names.contains_key(&pid) {
                names.insert(pid, name.clone());
            }
            if e.kind == Kind::Start
                && let Some(o) = order.iter_mut().find(|o| o.0 == pid)
            {
                o.1 = e.a;
            }
        }
        if launcher {
            order.sort_by_key(|o| o.1);
        }
        let mut lanes: Vec<Lane> = order
            .iter()
            .map(|&(pid, _)| lane(pid, names[&pid].clone(), &events, lines, last))
            .collect();
        if launcher {
            for lane in &mut lanes {
                if let Ending::Unknown(why) = &mut lane.ending {
                    *why = "stopped by mpiexec".into();
                }
            }
        }
        let index: HashMap<i32, usize> =
            lanes.iter().enumerate().map(|(i, l)| (l.pid, i)).collect();
        let mut messages = pair_items(&events, &index);
        messages.extend(pair_mpi_calls(&lanes));
        messages.sort_by_key(|m| m.sent);
        let signals = events
            .iter()
            .filter(|e| e.kind == Kind::Signal)
            .filter_map(|e| {
                Some(Message {
                    from: *index.get(&e.pid)?,
                    to: *index.get(&(e.a as i32))?,
                    sent: e.ns,
                    received: e.ns,
                    what: signal_name(e.b as i32),
                })
            })
            .collect();
        let from = lanes.iter().map(|l| l.from).min().unwrap_or(0);
        let to = lanes
            .iter()
            .map(|l| l.to)
            .max()
            .unwrap_or(from)
            .max(from + 1);
        Run {
            from,
            to,
            lanes,
            messages,
            signals,
        }
    }
}

/// One process's lane: its start, waits, lines and end.
fn lane(pid: i32, name: String, events: &[Event], lines: &[Line], last: u64) -> Lane {
    let own: Vec<&Event> = events.iter().filter(|e| e.pid == pid).collect();
    // A child exists from the moment its parent begins to start it (the
    // parent learns its pid only when that is done).
    let spawned = events
        .iter()
        .find(|e| e.kind == Kind::Spawned && e.a as i32 == pid)
        .map(|s| {
            let starting = format!("start {}", s.text);
            events
                .iter()
                .rev()
                .find(|e| {
                    e.pid == s.pid && e.ns <= s.ns && e.kind == Kind::Begin && e.text == starting
                })
                .map_or(s.ns, |e| e.ns)
        });
    let started = own.iter().find(|e| e.kind == Kind::Start).map(|e| e.ns);
    let exit = own.iter().find(|e| e.kind == Kind::Exit);
    let reaped = events
        .iter()
        .find(|e| e.kind == Kind::Reaped && e.a as i32 == pid);
    let prints: Vec<(u64, String)> = lines
        .iter()
        .filter(|l| l.pid == pid)
        .map(|l| (l.ns, l.text.clone()))
        .collect();
    let from = [spawned, started, own.first().map(|e| e.ns)]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or(last);
    let seen_last = own
        .last()
        .map(|e| e.ns)
        .into_iter()
        .chain(prints.last().map(|p| p.0))
        .max()
        .unwrap_or(from);
    let to = match (exit.map(|e| e.ns), reaped.map(|e| e.ns)) {
        (Some(a), Some(b)) => a.min(b),
        (Some(t), None) | (None, Some(t)) => t,
        (None, None) => last,
    }
    .max(seen_last.min(last));
    let ending = match (reaped, exit) {
        (Some(r), _) if (r.b as i64) < 0 => Ending::Signalled(-(r.b as i64) as i32),
        (_, Some(e)) => Ending::Exited(e.a as i32, e.text.clone()),
        (Some(r), None) => Ending::Exited(r.b as i64 as i32, String::new()),
        (None, None) => Ending::Unknown("no end seen".into()),
    };
    let mut spans = Vec::new();
    if spawned.is_some() {
        let until = started.unwrap_or(to);
        if until > from {
            spans.push(Span {
                state: State::Starting,
                from,
                to: until,
                what: "starting".into(),
            });
        }
    }
    spans.extend(waits(&own, to));
    Lane {
        pid,
        name,
        from,
        to,
        spans,
        prints,
        ending,
    }
}

/// The outermost waits of one process (a wait inside a wait is part of it).
fn waits(own: &[&Event], to: u64) -> Vec<Span> {
    let mut spans = Vec::new();
    let mut open: Vec<(u64, State, String)> = Vec::new();
    for e in own {
        match e.kind {
            Kind::Begin => {
                let state = if e.a == 2 {
                    State::Sleeping
                } else {
                    State::Blocked
                };
                open.push((e.ns, state, e.text.clone()));
            }
            Kind::End => {
                if open.len() == 1 {
                    let (from, state, what) = open.pop().expect("one");
                    spans.push(Span {
                        state,
                        from,
                        to: e.ns,
                        what,
                    });
                } else {
                    open.pop();
                }
            }
            _ => {}
        }
    }
    if let Some((from, state, what)) = open.into_iter().next() {
        spans.push(Span {
            state,
            from,
            to,
            what,
        });
    }
    spans.retain(|s| s.to >= s.from);
    spans
}

/// Pairs each item received with the earliest unpaired item sent before it
/// with the same bytes, on the same kind of channel.
fn pair_items(events: &[Event], index: &HashMap<i32, usize>) -> Vec<Message> {
    let mut waiting: HashMap<(i64, u64), VecDeque<&Event>> = HashMap::new();
    let mut messages = Vec::new();
    for e in events {
        match e.kind {
            Kind::Sent => waiting.entry((e.a, e.b)).or_default().push_back(e),
            Kind::Received => {
                let Some(sent) = waiting.get_mut(&(e.a, e.b)).and_then(VecDeque::pop_front) else {
                    continue;
                };
                if let (Some(&from), Some(&to)) = (index.get(&sent.pid), index.get(&e.pid))
                    && from != to
                {
                    messages.push(Message {
                        from,
                        to,
                        sent: sent.ns,
                        received: e.ns,
                        what: match e.a {
                            QUEUE => "queue",
                            PIPE => "pipe",
                            _ => "message",
                        }
                        .into(),
                    });
                }
            }
            _ => {}
        }
    }
    messages
}

/// MPI: a `send to rank X` call of rank Y meets the first `receive from
/// rank Y` (or a `sendrecv`) of rank X that ends after it began.
fn pair_mpi_calls(lanes: &[Lane]) -> Vec<Message> {
    let rank_of = |name: &str| name.strip_prefix("process ")?.parse::<i32>().ok();
    let lane_of = |rank: i32| lanes.iter().position(|l| rank_of(&l.name) == Some(rank));
    let mut used = vec![false; lanes.iter().map(|l| l.spans.len()).sum()];
    let offsets: Vec<usize> = lanes
        .iter()
        .scan(0, |acc, l| {
            let here = *acc;
            *acc += l.spans.len();
            Some(here)
        })
        .collect();
    let mut messages = Vec::new();
    for (from, lane) in lanes.iter().enumerate() {
        let Some(me) = rank_of(&lane.name) else {
            continue;
        };
        for span in &lane.spans {
            let to_rank = span
                .what
                .strip_prefix("send to rank ")
                .or_else(|| span.what.strip_prefix("sendrecv with rank "))
                .and_then(|r| r.parse::<i32>().ok());
            let Some(to) = to_rank.and_then(lane_of) else {
                continue;
            };
            let wanted = [
                format!("receive from rank {me}"),
                format!("sendrecv with rank {me}"),
            ];
            let found = lanes[to].spans.iter().enumerate().find(|(i, s)| {
                !used[offsets[to] + i] && wanted.contains(&s.what) && s.to >= span.from
            });
            if let Some((i, s)) = found {
                used[offsets[to] + i] = true;
                messages.push(Message {
                    from,
                    to,
                    sent: span.from,
                    received: s.to,
                    what: "MPI".into(),
                });
            }
        }
    }
    messages
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(ns: u64, pid: i32, kind: Kind, a: i64, b: u64, text: &str) -> Event {
        Event {
            ns,
            pid,
            kind,
            a,
            b,
            text: text.into(),
        }
    }

    #[test]
    fn a_terminated_child_gets_a_lane_its_signal_and_its_wait() {
        let events = [
            ev(0, 10, Kind::Start, -1, 0, "MainProcess"),
            ev(5, 10, Kind::Begin, 1, 0, "start Process-1"),
            ev(9, 10, Kind::End, 0, 0, ""),
            ev(10, 10, Kind::Spawned, 11, 0, "Process-1"),
            ev(20, 11, Kind::Start, -1, 0, "Process-1"),
            ev(25, 11, Kind::Begin, 2, 0, "sleep"),
            ev(30, 10, Kind::Signal, 11, 15, ""),
            ev(31, 10, Kind::Begin, 1, 0, "join Process-1"),
            ev(40, 10, Kind::Reaped, 11, (-15_i64) as u64, ""),
            ev(41, 10, Kind::End, 0, 0, ""),
            ev(50, 10, Kind::Exit, 0, 0, ""),
        ];
        let lines = [Line {
            ns: 22,
            pid: 11,
            text: "Starting function".into(),
        }];
        let run = Run::build(&events, &lines, false);
        assert_eq!(run.lanes.len(), 2);
        let child = &run.lanes[1];
        assert_eq!(
            (child.name.as_str(), child.from, child.to),
            ("Process-1", 5, 40)
        );
        assert_eq!(child.ending, Ending::Signalled(15));
        assert_eq!(child.ending.label(), "SIGTERM (-15)");
        assert_eq!(child.prints, vec![(22, "Starting function".to_string())]);
        let states: Vec<_> = child
            .spans
            .iter()
            .map(|s| (s.state, s.from, s.to))
            .collect();
        assert_eq!(
            states,
            [(State::Starting, 5, 20), (State::Sleeping, 25, 40)]
        );
        assert_eq!(run.signals.len(), 1);
        assert_eq!((run.signals[0].from, run.signals[0].to), (0, 1));
        assert_eq!(run.signals[0].what, "SIGTERM");
        assert_eq!(run.lanes[0].ending, Ending::Exited(0, String::new()));
        assert_eq!(run.lanes[0].spans[0].what, "start Process-1");
        assert_eq!(run.lanes[0].spans[1].what, "join Process-1");
    }

    #[test]
    fn items_pair_first_in_first_out_and_only_across_lanes() {
        let events = [
            ev(0, 1, Kind::Start, -1, 0, "A"),
            ev(1, 2, Kind::Start, -1, 0, "B"),
            ev(2, 1, Kind::Sent, QUEUE, 7, ""),
            ev(3, 1, Kind::Sent, QUEUE, 7, ""),
            ev(4, 2, Kind::Received, QUEUE, 7, ""),
            ev(5, 2, Kind::Received, PIPE, 7, ""),
            ev(6, 2, Kind::Received, QUEUE, 7, ""),
        ];
        let run = Run::build(&events, &[], false);
        let pairs: Vec<_> = run.messages.iter().map(|m| (m.sent, m.received)).collect();
        assert_eq!(pairs, [(2, 4), (3, 6)]);
    }

    #[test]
    fn mpi_ranks_in_rank_order_with_calls_paired_and_the_stuck_ones_marked() {
        let events = [
            ev(0, 21, Kind::Start, 1, 0, "process 1"),
            ev(0, 20, Kind::Start, 0, 0, "process 0"),
            ev(1, 25, Kind::Start, 5, 0, "process 5"),
            ev(2, 21, Kind::Begin, 1, 0, "send to rank 5"),
            ev(3, 21, Kind::End, 0, 0, ""),
            // Rank 5 is still waiting for its message when the watchdog ends it.
            ev(2, 25, Kind::Begin, 1, 0, "receive from rank 1"),
            ev(3, 20, Kind::Exit, 0, 0, ""),
            ev(9, 21, Kind::Exit, 0, 0, ""),
            ev(9, 25, Kind::Exit, 3, 0, "watchdog"),
        ];
        let lines = [Line {
            ns: 5,
            pid: 25,
            text: "data received is = a".into(),
        }];
        let run = Run::build(&events, &lines, true);
        let names: Vec<_> = run.lanes.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(names, ["process 0", "process 1", "process 5"]);
        let received = &run.lanes[2].spans[0];
        assert_eq!((received.from, received.to), (2, 9));
        assert_eq!(run.messages.len(), 1);
        assert_eq!((run.messages[0].from, run.messages[0].to), (1, 2));
        assert_eq!(run.lanes[2].ending.label(), "exit 3 (watchdog)");
    }
}
