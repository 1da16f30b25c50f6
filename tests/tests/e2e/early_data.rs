//! A vehicle's process that connected to the server before resumes its
//! TLS session and sends its first messages with its first packet
//! (0-RTT): the app's background sync, after its connection went. A
//! restarted server holds no session: it throws the early messages away
//! and the vehicle sends them again once connected, losing nothing. The
//! vehicle's library against the real `kordon-server` process.

use kordon_e2e::{kordon_ok, Field};
use kordon_model::OfficerId;
use kordon_test_support::link::LinkConfig;
use kordon_test_support::ServerProcess;
use kordon_transport::LinkState;
use kordon_vehicle::{SyncOptions, Vehicle, VehicleError};
use std::time::{Duration, Instant};

#[test]
fn a_new_connection_sends_early_and_a_restarted_server_has_it_sent_again() {
    let field = Field::new();
    let server = field.start_server();
    let dir = field.enrolled_vehicle("vehicle", "MOBILE-EARLY", "OF-1");
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let mut v = Vehicle::open(&dir).expect("vehicle");
    let officer = OfficerId::new("OF-1").expect("officer");
    let inspect = |v: &mut Vehicle, seed| {
        v.generate(1, seed, "MOBILE-EARLY", &officer, kordon_central::now_ms())
            .expect("an inspection");
    };
    let opts = SyncOptions::default();
    let pass = |v: &mut Vehicle, opts: &SyncOptions, server: &ServerProcess, what: &str| {
        let report = rt
            .block_on(v.sync_once(opts))
            .unwrap_or_else(|e| panic!("{what}: {e}\nthe server's log:\n{}", server.log()));
        assert!(report.complete, "{what}: {report:?}");
        assert!(report.acknowledged > 0, "{what}: {report:?}");
        report
    };

    // The first connection of this process: a full handshake.
    inspect(&mut v, 1);
    assert_eq!(pass(&mut v, &opts, &server, "first pass").zero_rtt, None);

    // The next connection resumes: its records go before the handshake is
    // done, and the server takes them.
    inspect(&mut v, 2);
    let second = pass(&mut v, &opts, &server, "second pass");
    assert_eq!(second.zero_rtt, Some(true), "{second:?}");

    // A restarted server knows no session: what went early is thrown away
    // and sent again, and every record is acknowledged all the same.
    drop(server);
    let server = field.start_server();
    inspect(&mut v, 3);
    let third = pass(&mut v, &opts, &server, "pass after the restart");
    assert_eq!(third.zero_rtt, Some(false), "{third:?}");

    // The restarted server's ticket resumes the next one; with early data
    // off, nothing goes early.
    inspect(&mut v, 4);
    assert_eq!(
        pass(&mut v, &opts, &server, "fourth pass").zero_rtt,
        Some(true)
    );
    inspect(&mut v, 5);
    let off = SyncOptions {
        early_data: false,
        ..SyncOptions::default()
    };
    assert_eq!(
        pass(&mut v, &off, &server, "pass with early data off").zero_rtt,
        None
    );

    // Held, as the app holds it: the link is watched once the server has
    // answered.
    inspect(&mut v, 6);
    let held = SyncOptions {
        hold_connection: true,
        ..SyncOptions::default()
    };
    assert_eq!(
        pass(&mut v, &held, &server, "held pass").zero_rtt,
        Some(true)
    );
    assert_eq!(
        *v.link().borrow(),
        LinkState::Up,
        "the held connection's link watched"
    );
    rt.block_on(v.drop_connection());

    // Revoked: the refusal, on a connection sent early, is what the
    // vehicle is told, not a reason to try elsewhere.
    field.server_ok(&["revoke", "--name", "MOBILE-EARLY", "--reason", "early test"]);
    inspect(&mut v, 7);
    let refused = rt.block_on(v.sync_once(&opts));
    assert!(
        matches!(refused, Err(VehicleError::Revoked { .. })),
        "{refused:?}"
    );
    drop(server);
}

/// A connection sent early to an address that no longer answers (its
/// path cut) is given the connect timeout, as a full handshake is; then
/// the token's next address takes the pass, and is the one tried first
/// from then on.
#[test]
fn early_data_to_an_address_gone_silent_moves_on_to_the_next() {
    let field = Field::new();
    let server = field.start_server();
    let link = field.link(LinkConfig::default(), 5);
    let via_link = link.addr().to_string();
    let token = field.server_ok(&[
        "enroll",
        "--name",
        "MOBILE-EARLY",
        "--addr",
        &via_link,
        "--addr",
        &field.addr,
    ]);
    let dir = field.vehicle_dir("vehicle");
    kordon_ok(&dir, &["enroll", token.trim()]);
    kordon_ok(&dir, &["signin", "OF-1"]);
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let mut v = Vehicle::open(&dir).expect("vehicle");
    let officer = OfficerId::new("OF-1").expect("officer");
    let opts = SyncOptions {
        connect_timeout: Duration::from_secs(2),
        ..SyncOptions::default()
    };
    let pass = |v: &mut Vehicle, seed: u64, what: &str| {
        v.generate(1, seed, "MOBILE-EARLY", &officer, kordon_central::now_ms())
            .expect("an inspection");
        let t = Instant::now();
        let report = rt
            .block_on(v.sync_once(&opts))
            .unwrap_or_else(|e| panic!("{what}: {e}\nthe server's log:\n{}", server.log()));
        assert!(report.complete, "{what}: {report:?}");
        (report, t.elapsed())
    };

    // Through the first address, which answers: a ticket is kept.
    let (first, _) = pass(&mut v, 1, "first pass");
    assert_eq!(first.zero_rtt, None);
    assert_eq!(link.paths_opened(), 1, "the first address took the pass");

    // Its path goes silent: what is sent early there has no answer within
    // the connect timeout, and the next address takes the pass (the same
    // server process: it takes the next ticket, early).
    link.set_cut(true);
    let (second, took) = pass(&mut v, 2, "pass with the first address silent");
    assert_eq!(second.zero_rtt, Some(true), "{second:?}");
    assert!(
        took >= opts.connect_timeout && took < opts.connect_timeout * 3,
        "one connect timeout on the silent address, then the next: {took:?}"
    );

    // The address that answered is tried first now: at once, early.
    let (third, took) = pass(&mut v, 3, "pass through the second address");
    assert_eq!(third.zero_rtt, Some(true), "{third:?}");
    assert!(
        took < opts.connect_timeout,
        "the silent address not tried first: {took:?}"
    );
}
