//! Who may hold a connection to the sync endpoint, and for how long.
//!
//! Every connection costs the server memory from its first packet, before
//! anyone knows who is calling. The [`Door`] bounds that:
//!
//! - **in all**: at most `max_connections`; beyond that a new connection
//!   is refused before its handshake (a QUIC `CONNECTION_REFUSED`, cheap);
//! - **waiting to authenticate** (from the first packet until a Hello is
//!   accepted): at most `max_pending` in all, one evicted to make room for
//!   a newcomer (the oldest of the address with the most waiting: a real
//!   vehicle says Hello within a round trip from an address of its own, a
//!   flood does neither), at most `max_pending_per_address` from one address (refused),
//!   and each one only `auth_timeout` long;
//! - **per address**: at most `max_per_address` (vehicles behind one
//!   carrier NAT share an address, so this is generous);
//! - **per device**: at most `max_per_device` authorised connections; a
//!   device's newest connection replaces its oldest (a vehicle whose link
//!   changed reconnects before the old connection times out).
//!
//! [`PartialBudget`] bounds the bytes held in frames that have begun to
//! arrive, over all streams. The door is plain bookkeeping behind a mutex:
//! the serving loop asks, and closes what it is told to close.

use kordon_record::PublicKey;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// The sync endpoint's bounds (see the module's overview).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    pub max_connections: usize,
    pub max_pending: usize,
    pub max_pending_per_address: usize,
    pub max_per_address: usize,
    pub max_per_device: usize,
    /// New connections one address may open: a burst of
    /// `new_per_address_burst`, then `new_per_address_per_min` a minute.
    pub new_per_address_burst: u32,
    pub new_per_address_per_min: u32,
    /// How long a connection may take from its first packet to an
    /// accepted Hello.
    pub auth_timeout: Duration,
    /// Bytes of frames in progress held over all streams.
    pub partial_budget: usize,
    /// How long any message may take, and the average rate (bytes a
    /// second) it must keep after that (see `kordon_proto::MessagePace`).
    pub message_grace: Duration,
    pub min_message_rate: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_connections: 4096,
            max_pending: 512,
            max_pending_per_address: 32,
            max_per_address: 1024,
            max_per_device: 2,
            new_per_address_burst: 8,
            new_per_address_per_min: 120,
            auth_timeout: Duration::from_secs(10),
            partial_budget: 256 << 20,
            message_grace: kordon_proto::MESSAGE_GRACE,
            min_message_rate: kordon_proto::MIN_MESSAGE_RATE,
        }
    }
}

/// Why the door turned a connection away, or closed one it had let in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Turned {
    /// `max_connections` reached.
    Full,
    /// `max_pending_per_address` connections from this address wait.
    AddressPending,
    /// `max_per_address` reached for this address.
    AddressFull,
    /// The address opened new connections faster than it may.
    AddressRate,
    /// Evicted: the oldest of `max_pending` waiting to authenticate.
    Crowded,
    /// Replaced by a newer connection of the same device.
    Replaced,
}

impl Turned {
    /// The name metrics and logs use.
    pub fn as_str(self) -> &'static str {
        match self {
            Turned::Full => "server_full",
            Turned::AddressPending => "address_pending",
            Turned::AddressFull => "address_full",
            Turned::AddressRate => "address_rate",
            Turned::Crowded => "crowded_out",
            Turned::Replaced => "replaced",
        }
    }

    /// What the peer is told when its connection is closed.
    pub fn reason(self) -> &'static str {
        match self {
            Turned::Full => "the server has as many connections as it takes; try again later",
            Turned::AddressPending => {
                "too many connections from this address are waiting to authenticate"
            }
            Turned::AddressFull => "too many connections from this address",
            Turned::AddressRate => "new connections from this address come too fast; try again",
            Turned::Crowded => "too many connections are waiting to authenticate; try again",
            Turned::Replaced => "replaced by a newer connection of this device",
        }
    }
}

#[derive(Debug, Default)]
struct AddressCount {
    all: usize,
    pending: usize,
}

/// Where the door tells one connection to close.
type Notice = watch::Sender<Option<Turned>>;

#[derive(Debug, Default)]
struct State {
    next: u64,
    total: usize,
    /// Connections waiting to authenticate, oldest first (ids rise).
    pending: BTreeMap<u64, (IpAddr, Notice)>,
    addresses: HashMap<IpAddr, AddressCount>,
    /// Each device's authorised connections, oldest first.
    devices: HashMap<[u8; 32], VecDeque<(u64, Notice)>>,
    /// New connections each address may still open now, and when that
    /// was counted.
    allowance: HashMap<IpAddr, (f64, Instant)>,
}

impl State {
    /// Takes one new connection from `address`'s allowance (refilled at
    /// the limits' rate); `false` when it has none left.
    fn take_allowance(&mut self, address: IpAddr, l: &Limits, now: Instant) -> bool {
        let burst = f64::from(l.new_per_address_burst.max(1));
        let per_sec = f64::from(l.new_per_address_per_min) / 60.0;
        if self.allowance.len() > 65_536 {
            // Forget addresses whose allowance is whole again.
            self.allowance.retain(|_, (left, at)| {
                *left + now.saturating_duration_since(*at).as_secs_f64() * per_sec < burst
            });
        }
        let (left, at) = self.allowance.entry(address).or_insert((burst, now));
        *left = (*left + now.saturating_duration_since(*at).as_secs_f64() * per_sec).min(burst);
        *at = now;
        if *left >= 1.0 {
            *left -= 1.0;
            true
        } else {
            false
        }
    }

    /// The waiting connection to evict for a newcomer: the oldest of the
    /// address with the most waiting, so a flood spread over a few hundred
    /// addresses evicts its own connections, not a vehicle's single one.
    fn eviction_candidate(&self) -> Option<u64> {
        let most = self.addresses.values().map(|a| a.pending).max()?;
        // Oldest first: among equally crowded addresses, the oldest goes.
        self.pending
            .iter()
            .find(|(_, (ip, _))| self.addresses.get(ip).is_some_and(|a| a.pending == most))
            .map(|(id, _)| *id)
    }
}

/// The sync endpoint's admission bookkeeping.
#[derive(Debug)]
pub struct Door {
    limits: Limits,
    state: Mutex<State>,
}

impl Door {
    pub fn new(limits: Limits) -> Arc<Door> {
        Arc::new(Door {
            limits,
            state: Mutex::new(State::default()),
        })
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // The bookkeeping stays consistent across a panic elsewhere (each
        // change is a few field updates), so a poisoned lock is used as is.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A connection from `address` knocks at `now`: a ticket for it, or
    /// why not. IPv6 addresses count by their /64 (one subscriber's
    /// network), IPv4 addresses one by one.
    pub fn arrive(self: &Arc<Self>, address: IpAddr, now: Instant) -> Result<Ticket, Turned> {
        let address = network_of(address);
        let mut s = self.lock();
        let l = &self.limits;
        if s.total >= l.max_connections {
            return Err(Turned::Full);
        }
        let here = s.addresses.get(&address);
        if here.is_some_and(|a| a.pending >= l.max_pending_per_address) {
            return Err(Turned::AddressPending);
        }
        if here.is_some_and(|a| a.all >= l.max_per_address) {
            return Err(Turned::AddressFull);
        }
        if !s.take_allowance(address, l, now) {
            return Err(Turned::AddressRate);
        }
        while s.pending.len() >= l.max_pending.max(1) {
            let Some(id) = s.eviction_candidate() else {
                break;
            };
            let Some((ip, tx)) = s.pending.remove(&id) else {
                break;
            };
            let _ = tx.send(Some(Turned::Crowded));
            // Its ticket is dropped when its task closes the connection;
            // until then it no longer counts as waiting.
            if let Some(a) = s.addresses.get_mut(&ip) {
                a.pending = a.pending.saturating_sub(1);
            }
            tracing::debug!(
                connection = id,
                "evicted a connection waiting to authenticate"
            );
        }
        let id = s.next;
        s.next += 1;
        s.total += 1;
        let a = s.addresses.entry(address).or_default();
        a.all += 1;
        a.pending += 1;
        let (tx, rx) = watch::channel(None);
        s.pending.insert(id, (address, tx));
        Ok(Ticket {
            door: self.clone(),
            id,
            address,
            turned: rx,
            device: Mutex::new(None),
            hello: std::sync::atomic::AtomicBool::new(false),
        })
    }

    /// Whether half the places of those waiting to authenticate are
    /// taken: new callers are then made to prove their address first.
    pub fn under_load(&self) -> bool {
        self.lock().pending.len() * 2 >= self.limits.max_pending.max(1)
    }

    /// Connections held now: in all, and waiting to authenticate.
    pub fn counts(&self) -> (usize, usize) {
        let s = self.lock();
        (s.total, s.pending.len())
    }
}

/// The network an address counts for: its /64 for IPv6.
fn network_of(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V4(_) => address,
        IpAddr::V6(v6) => {
            let mut octets = v6.octets();
            if let Some(v4) = v6.to_ipv4_mapped() {
                return IpAddr::V4(v4);
            }
            octets[8..].fill(0);
            IpAddr::V6(octets.into())
        }
    }
}

/// One admitted connection's place; dropping it frees the place.
#[derive(Debug)]
pub struct Ticket {
    door: Arc<Door>,
    id: u64,
    address: IpAddr,
    turned: watch::Receiver<Option<Turned>>,
    device: Mutex<Option<[u8; 32]>>,
    /// A well-formed Hello arrived (the server is deciding on it).
    hello: std::sync::atomic::AtomicBool,
}

impl Ticket {
    /// The connection authenticated as `device` (a Hello was accepted).
    /// Repeated calls (a second stream) change nothing. The device's
    /// oldest connections beyond its share are told to close.
    pub fn authorised(&self, device: &PublicKey) {
        let mut mine = self.device.lock().unwrap_or_else(|p| p.into_inner());
        if mine.is_some() {
            return;
        }
        let mut s = self.door.lock();
        let Some((_, tx)) = s.pending.remove(&self.id) else {
            // Evicted meanwhile: it closes anyway.
            return;
        };
        if let Some(a) = s.addresses.get_mut(&self.address) {
            a.pending = a.pending.saturating_sub(1);
        }
        let cap = self.door.limits.max_per_device.max(1);
        let held = s.devices.entry(device.0).or_default();
        held.push_back((self.id, tx));
        while held.len() > cap {
            if let Some((_, old)) = held.pop_front() {
                let _ = old.send(Some(Turned::Replaced));
            }
        }
        *mine = Some(device.0);
    }

    /// Whether the connection has yet to authenticate.
    pub fn is_pending(&self) -> bool {
        self.door.lock().pending.contains_key(&self.id)
    }

    /// A well-formed Hello arrived on the connection: its deadline to
    /// authenticate is met, whatever the server then takes to decide.
    pub fn hello_arrived(&self) {
        self.hello.store(true, std::sync::atomic::Ordering::Relaxed);
    }

    /// Whether the connection has neither authenticated nor said Hello.
    pub fn awaits_hello(&self) -> bool {
        !self.hello.load(std::sync::atomic::Ordering::Relaxed) && self.is_pending()
    }

    /// Resolves when the door wants this connection closed, with why.
    pub async fn turned_out(&self) -> Turned {
        let mut rx = self.turned.clone();
        loop {
            if let Some(t) = *rx.borrow_and_update() {
                return t;
            }
            if rx.changed().await.is_err() {
                // The door forgot this ticket's sender: it was told to go
                // (and the value is read above on the next turn) or the
                // door is gone; either way there is nothing more to wait for.
                if let Some(t) = *rx.borrow() {
                    return t;
                }
                std::future::pending::<()>().await;
            }
        }
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        let mut s = self.door.lock();
        s.total = s.total.saturating_sub(1);
        let was_pending = s.pending.remove(&self.id).is_some();
        if let Some(a) = s.addresses.get_mut(&self.address) {
            a.all = a.all.saturating_sub(1);
            if was_pending {
                a.pending = a.pending.saturating_sub(1);
            }
            if a.all == 0 {
                s.addresses.remove(&self.address);
            }
        }
        let device = *self.device.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(d) = device {
            if let Some(held) = s.devices.get_mut(&d) {
                held.retain(|(id, _)| *id != self.id);
                if held.is_empty() {
                    s.devices.remove(&d);
                }
            }
        }
    }
}

/// Bytes held in frames that have begun to arrive, over all streams.
#[derive(Debug)]
pub struct PartialBudget {
    cap: usize,
    held: AtomicUsize,
}

impl PartialBudget {
    pub fn new(cap: usize) -> Arc<PartialBudget> {
        Arc::new(PartialBudget {
            cap,
            held: AtomicUsize::new(0),
        })
    }

    /// Bytes held now, over all streams.
    pub fn held(&self) -> usize {
        self.held.load(Ordering::Relaxed)
    }
}

/// One stream's share of a [`PartialBudget`]; released when dropped.
#[derive(Debug)]
pub struct PartialShare {
    budget: Arc<PartialBudget>,
    held: usize,
}

impl PartialShare {
    pub fn new(budget: Arc<PartialBudget>) -> Self {
        PartialShare { budget, held: 0 }
    }

    /// The stream now holds `bytes` of a frame in progress. `false` (and
    /// nothing taken) when growing to that would pass the budget.
    pub fn hold(&mut self, bytes: usize) -> bool {
        if bytes <= self.held {
            self.budget
                .held
                .fetch_sub(self.held - bytes, Ordering::Relaxed);
            self.held = bytes;
            return true;
        }
        let more = bytes - self.held;
        let taken = self
            .budget
            .held
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |h| {
                (h + more <= self.budget.cap).then_some(h + more)
            });
        if taken.is_ok() {
            self.held = bytes;
        }
        taken.is_ok()
    }
}

impl Drop for PartialShare {
    fn drop(&mut self) {
        self.budget.held.fetch_sub(self.held, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(last: u8) -> IpAddr {
        IpAddr::from([10, 0, 0, last])
    }

    fn now() -> Instant {
        *START.get_or_init(Instant::now)
    }

    static START: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();

    fn limits() -> Limits {
        Limits {
            new_per_address_burst: 100,
            max_connections: 10,
            max_pending: 4,
            max_pending_per_address: 3,
            max_per_address: 5,
            max_per_device: 2,
            ..Limits::default()
        }
    }

    fn turned(t: &Ticket) -> Option<Turned> {
        *t.turned.borrow()
    }

    #[test]
    fn an_address_may_keep_only_its_share_waiting() {
        let door = Door::new(limits());
        let held: Vec<Ticket> = (0..3)
            .map(|_| door.arrive(ip(1), now()).expect("in"))
            .collect();
        assert_eq!(
            door.arrive(ip(1), now()).err(),
            Some(Turned::AddressPending)
        );
        // Another address is not held back by it.
        let other = door.arrive(ip(2), now()).expect("another address");
        drop(held);
        assert_eq!(door.counts(), (1, 1));
        drop(other);
        assert_eq!(door.counts(), (0, 0));
        assert!(door.lock().addresses.is_empty());
    }

    #[test]
    fn the_oldest_waiting_connection_makes_room() {
        let door = Door::new(limits());
        let first = door.arrive(ip(1), now()).expect("in");
        let rest: Vec<Ticket> = (2..5)
            .map(|n| door.arrive(ip(n), now()).expect("in"))
            .collect();
        let newest = door.arrive(ip(9), now()).expect("room is made");
        assert_eq!(turned(&first), Some(Turned::Crowded));
        assert!(!first.is_pending());
        assert!(rest.iter().all(|t| turned(t).is_none()));
        assert!(newest.is_pending());
        // Evicted, it still holds its place in all until it is closed.
        assert_eq!(door.counts(), (5, 4));
        drop(first);
        assert_eq!(door.counts(), (4, 4));
    }

    #[test]
    fn an_address_opens_a_burst_then_a_few_a_second() {
        let door = Door::new(Limits {
            new_per_address_burst: 3,
            new_per_address_per_min: 60,
            ..limits()
        });
        let t0 = now();
        let mut held = vec![];
        for _ in 0..3 {
            held.push(door.arrive(ip(1), t0).expect("the burst"));
            held.pop();
        }
        assert_eq!(door.arrive(ip(1), t0).err(), Some(Turned::AddressRate));
        assert!(
            door.arrive(ip(2), t0).is_ok(),
            "another address has its own"
        );
        let later = t0 + Duration::from_millis(1000);
        assert!(door.arrive(ip(1), later).is_ok(), "one a second");
        assert_eq!(door.arrive(ip(1), later).err(), Some(Turned::AddressRate));
        let much_later = t0 + Duration::from_secs(60);
        for _ in 0..3 {
            assert!(
                door.arrive(ip(1), much_later).is_ok(),
                "the burst again, no more"
            );
        }
        assert_eq!(
            door.arrive(ip(1), much_later).err(),
            Some(Turned::AddressRate)
        );
    }

    #[test]
    fn an_ipv6_network_counts_as_one_address() {
        let door = Door::new(limits());
        let in_64 = |last: u16| IpAddr::from([0x2001, 0xdb8, 0, 1, 0, 0, 0, last]);
        let held: Vec<Ticket> = (1..=3)
            .map(|n| door.arrive(in_64(n), now()).expect("in"))
            .collect();
        assert_eq!(
            door.arrive(in_64(9), now()).err(),
            Some(Turned::AddressPending)
        );
        let other = IpAddr::from([0x2001, 0xdb8, 0, 2, 0, 0, 0, 1]);
        assert!(door.arrive(other, now()).is_ok(), "another /64");
        drop(held);
    }

    #[test]
    fn a_crowded_address_makes_room_before_a_lone_caller() {
        let door = Door::new(limits());
        let lone = door.arrive(ip(1), now()).expect("in");
        let flood: Vec<Ticket> = (0..3)
            .map(|_| door.arrive(ip(2), now()).expect("in"))
            .collect();
        let newest = door.arrive(ip(3), now()).expect("room is made");
        assert_eq!(turned(&lone), None, "the lone caller stays");
        assert_eq!(
            turned(&flood[0]),
            Some(Turned::Crowded),
            "the flood's oldest goes"
        );
        assert!(flood[1..].iter().all(|t| turned(t).is_none()));
        assert!(newest.is_pending() && lone.is_pending());
    }

    #[test]
    fn authorised_connections_leave_the_waiting_room_and_devices_keep_their_share() {
        let door = Door::new(limits());
        let device = PublicKey([7; 32]);
        let a = door.arrive(ip(1), now()).expect("in");
        let b = door.arrive(ip(1), now()).expect("in");
        let c = door.arrive(ip(1), now()).expect("in");
        for t in [&a, &b, &a] {
            t.authorised(&device);
        }
        assert!(!a.is_pending() && !b.is_pending() && c.is_pending());
        assert_eq!(door.counts(), (3, 1));
        // The address's waiting share is free again.
        let d = door.arrive(ip(1), now()).expect("in");
        c.authorised(&device);
        assert_eq!(turned(&a), Some(Turned::Replaced), "the oldest goes");
        assert_eq!(turned(&b), None);
        assert_eq!(turned(&c), None);
        drop(a);
        // One more, from another address: its own share.
        let e = door.arrive(ip(2), now()).expect("other address");
        assert_eq!(door.counts(), (4, 2));
        drop((b, c, d, e));
        assert_eq!(door.counts(), (0, 0));
        assert!(door.lock().devices.is_empty());
    }

    #[test]
    fn the_door_closes_when_full() {
        let door = Door::new(Limits {
            max_connections: 3,
            ..limits()
        });
        let device = PublicKey([1; 32]);
        let held: Vec<Ticket> = (0..3)
            .map(|n| {
                let t = door.arrive(ip(n), now()).expect("in");
                t.authorised(&PublicKey([n; 32]));
                t
            })
            .collect();
        assert_eq!(door.arrive(ip(9), now()).err(), Some(Turned::Full));
        let _ = device;
        drop(held);
        assert!(door.arrive(ip(9), now()).is_ok());
    }

    #[test]
    fn an_address_over_its_total_share_is_refused() {
        let door = Door::new(limits());
        let held: Vec<Ticket> = (0..5)
            .map(|n| {
                let t = door.arrive(ip(1), now()).expect("in");
                t.authorised(&PublicKey([n; 32]));
                t
            })
            .collect();
        assert_eq!(door.arrive(ip(1), now()).err(), Some(Turned::AddressFull));
        drop(held);
    }

    #[tokio::test]
    async fn a_turned_out_ticket_hears_it() {
        let door = Door::new(limits());
        let device = PublicKey([3; 32]);
        let old = door.arrive(ip(1), now()).expect("in");
        old.authorised(&device);
        let waiting = tokio::spawn(async move { old.turned_out().await });
        let newer: Vec<Ticket> = (0..2)
            .map(|_| door.arrive(ip(2), now()).expect("in"))
            .collect();
        for t in &newer {
            t.authorised(&device);
        }
        let why = tokio::time::timeout(Duration::from_secs(5), waiting)
            .await
            .expect("told in time")
            .expect("task");
        assert_eq!(why, Turned::Replaced);
    }

    #[test]
    fn the_partial_budget_is_shared_and_given_back() {
        let budget = PartialBudget::new(100);
        let mut a = PartialShare::new(budget.clone());
        let mut b = PartialShare::new(budget.clone());
        assert!(a.hold(60));
        assert!(!b.hold(41), "over the budget");
        assert!(b.hold(40));
        assert!(a.hold(10), "shrinking always works");
        assert!(b.hold(90));
        assert_eq!(budget.held(), 100);
        drop(a);
        drop(b);
        assert_eq!(budget.held(), 0);
    }
}
