//! Client and server sessions talking in memory: no sockets, injected time.

use kordon_proto::*;
use proptest::prelude::*;
use std::time::{Duration, Instant};

/// A toy server application: accepts secret "ok", answers each record with a
/// receipt (its bytes reversed), serves `down` in pages of `page`.
struct App {
    down: Vec<Vec<u8>>,
    page: usize,
    uploaded: Vec<Vec<u8>>,
}

/// Moves bytes both ways in chunks of `chunk` bytes until both are quiet.
/// Returns the client's events.
fn run(
    client: &mut ClientSession,
    server: &mut ServerSession,
    app: &mut App,
    mut to_upload: Vec<Vec<u8>>,
    chunk: usize,
    now: Instant,
) -> Vec<ClientEvent> {
    let mut events = vec![];
    for _round in 0..10_000 {
        let mut moved = false;
        // Client application step.
        while let Some(ev) = client.poll_event() {
            match &ev {
                ClientEvent::Down { cursor, .. } => client.down_applied(*cursor, now),
                // The toy app's rule: a checkpoint that names the size asked
                // for is good; anything else ends the session.
                ClientEvent::LogDue => client.ask_log(
                    LogAsk {
                        known_size: 5,
                        proofs: vec![[1; 32]],
                        ..LogAsk::default()
                    },
                    now,
                ),
                ClientEvent::Log(answer) => {
                    if answer.checkpoint.starts_with("checkpoint after") {
                        client.log_checked(now)
                    } else {
                        client.abort("bad checkpoint")
                    }
                }
                _ => {}
            }
            events.push(ev);
        }
        while client.can_send() && !to_upload.is_empty() {
            let n = to_upload.len().min(3);
            client.send_records(to_upload.drain(..n).collect(), now);
        }
        if client.can_send() && to_upload.is_empty() {
            client.finish_uploads();
        }
        while let Some(bytes) = client.poll_transmit() {
            moved = true;
            for piece in bytes.chunks(chunk) {
                let _ = server.handle_bytes(piece);
            }
        }
        // Server application step.
        while let Some(ev) = server.poll_event() {
            match ev {
                ServerEvent::Hello { enroll_secret, .. } => {
                    if enroll_secret.as_deref() == Some(b"ok") {
                        server
                            .welcome("UNIT-1", 42)
                            .expect("what followed the Hello");
                    } else {
                        server.refuse(RefusalCode::NotEnrolled, "device not enrolled");
                    }
                }
                ServerEvent::Records { batch, records } => {
                    let results = records
                        .iter()
                        .map(|r| RecordResult::Accepted {
                            receipt: r.iter().rev().copied().collect(),
                        })
                        .collect();
                    app.uploaded.extend(records);
                    server.results(batch, results);
                }
                ServerEvent::Pull { cursor } => {
                    let from = cursor as usize;
                    let to = (from + app.page).min(app.down.len());
                    server.down(app.down[from..to].to_vec(), to as u64, to < app.down.len());
                }
                ServerEvent::LogAsk(ask) => {
                    server.log_answer(LogAnswer {
                        checkpoint: format!("checkpoint after {}", ask.known_size),
                        consistency: vec![[7; 32]],
                        inclusions: ask
                            .proofs
                            .iter()
                            .map(|id| Inclusion {
                                record_id: *id,
                                leaf_index: 3,
                                leaf: id.to_vec(),
                                path: vec![],
                            })
                            .collect(),
                        ..LogAnswer::default()
                    });
                }
                ServerEvent::Finished => {}
            }
        }
        while let Some(bytes) = server.poll_transmit() {
            moved = true;
            for piece in bytes.chunks(chunk) {
                let _ = client.handle_bytes(piece, now);
            }
        }
        if !moved && client.poll_event().is_none() {
            break;
        }
    }
    events
}

fn cfg(secret: &[u8]) -> ClientConfig {
    ClientConfig {
        enroll_secret: Some(secret.to_vec()),
        window: 2,
        ..Default::default()
    }
}

/// As [`cfg`], sending the Pull and first Records with the Hello.
fn cfg_with_hello(secret: &[u8]) -> ClientConfig {
    ClientConfig {
        records_with_hello: true,
        ..cfg(secret)
    }
}

fn records(n: u8) -> Vec<Vec<u8>> {
    (0..n).map(|i| vec![i, i + 1, i + 2]).collect()
}

#[test]
fn a_session_that_holds_a_checkpoint_asks_for_the_log_last_and_waits_for_the_check() {
    let now = Instant::now();
    let mut client = ClientSession::new(
        ClientConfig {
            check_log: true,
            ..cfg(b"ok")
        },
        now,
    );
    let mut server = ServerSession::new();
    let mut app = App {
        down: records(2),
        page: 2,
        uploaded: vec![],
    };
    let events = run(
        &mut client,
        &mut server,
        &mut app,
        records(3),
        usize::MAX,
        now,
    );
    let log_at = events
        .iter()
        .position(|e| matches!(e, ClientEvent::Log { .. }))
        .expect("the log is asked for");
    assert_eq!(
        events[log_at],
        ClientEvent::Log(LogAnswer {
            checkpoint: "checkpoint after 5".into(),
            consistency: vec![[7; 32]],
            inclusions: vec![Inclusion {
                record_id: [1; 32],
                leaf_index: 3,
                leaf: vec![1; 32],
                path: vec![],
            }],
            ..LogAnswer::default()
        })
    );
    assert!(
        events[..log_at]
            .iter()
            .any(|e| matches!(e, ClientEvent::Down { more: false, .. })),
        "after the last records came down"
    );
    assert_eq!(events.last(), Some(&ClientEvent::Finished));
    assert!(client.is_finished() && server.is_finished());
}

#[test]
fn a_vehicle_that_says_the_older_hello_gets_the_older_log_answer() {
    let mut server = ServerSession::new();
    server
        .handle_bytes(&encode_frame(&Message::Hello {
            version: PROTOCOL_VERSION,
            enroll_secret: None,
            down_cursor: 0,
            client_time_ms: 0,
        }))
        .expect("hello");
    assert!(matches!(
        server.poll_event(),
        Some(ServerEvent::Hello { stated: None, .. })
    ));
    assert!(!server.log_receipts(), "it gets receipts");
    server.welcome("U", 0).expect("welcome");
    server
        .handle_bytes(&encode_frame(&Message::LogAsk { known_size: 4 }))
        .expect("ask");
    let Some(ServerEvent::LogAsk(ask)) = server.poll_event() else {
        panic!("a log ask")
    };
    assert_eq!(ask.known_size, 4);
    server.log_answer(LogAnswer {
        checkpoint: "cp".into(),
        consistency: vec![[2; 32]],
        inclusions: vec![],
        record_sets: vec!["s".into()],
        devices: vec![],
    });
    let mut frames = FrameDecoder::new();
    while let Some(b) = server.poll_transmit() {
        frames.push(&b);
    }
    let mut got = vec![];
    while let Ok(Some(m)) = frames.next_message() {
        got.push(m);
    }
    assert_eq!(
        got.last(),
        Some(&Message::LogAnswer {
            checkpoint: "cp".into(),
            proof: vec![[2; 32]]
        })
    );
    // Two log questions a session (one behind the Hello, one at the
    // end), no more: each costs the server work.
    let mut again = ServerSession::new();
    again
        .handle_bytes(&encode_frame(&Message::HelloV2 {
            version: PROTOCOL_VERSION,
            enroll_secret: None,
            down_cursor: 0,
            client_time_ms: 0,
            checkpoint: None,
            app_version: "test".into(),
            backlog: Backlog::default(),
        }))
        .expect("hello");
    again.welcome("U", 0).expect("welcome");
    again
        .handle_bytes(&encode_frame(&Message::LogAskV2(LogAsk {
            proofs: vec![[1; 32]; MAX_LOG_ASK + 5],
            record_sets: vec![[2; 16]; MAX_LOG_ASK_DOCS + 5],
            ..LogAsk::default()
        })))
        .expect("first ask");
    let asked = std::iter::from_fn(|| again.poll_event())
        .find_map(|e| match e {
            ServerEvent::LogAsk(a) => Some(a),
            _ => None,
        })
        .expect("a log ask");
    assert_eq!(
        (asked.proofs.len(), asked.record_sets.len()),
        (MAX_LOG_ASK, MAX_LOG_ASK_DOCS),
        "more than the limits is not served"
    );
    again
        .handle_bytes(&encode_frame(&Message::LogAskV2(LogAsk::default())))
        .expect("the second ask");
    assert!(!again.is_failed(), "a second ask is answered");
    assert!(again
        .handle_bytes(&encode_frame(&Message::LogAskV2(LogAsk::default())))
        .is_err());
    assert!(again.is_failed(), "a third ask ends the session");

    // A LogAskV2 from a vehicle that said the older Hello is out of turn.
    assert!(server
        .handle_bytes(&encode_frame(&Message::LogAskV2(LogAsk::default())))
        .is_err());
}

#[test]
fn a_client_that_refuses_the_servers_log_ends_the_session_with_an_error() {
    let now = Instant::now();
    let mut client = ClientSession::new(
        ClientConfig {
            check_log: true,
            ..cfg(b"ok")
        },
        now,
    );
    client
        .handle_bytes(
            &encode_frame(&Message::Welcome {
                version: PROTOCOL_VERSION,
                unit: "U".into(),
                server_time_ms: 0,
            }),
            now,
        )
        .expect("welcome");
    client.finish_uploads();
    client
        .handle_bytes(
            &encode_frame(&Message::Down {
                records: vec![],
                cursor: 0,
                more: false,
            }),
            now,
        )
        .expect("down");
    client.down_applied(0, now);
    assert_eq!(
        client.poll_event(),
        Some(ClientEvent::Welcomed {
            unit: "U".into(),
            server_time_ms: 0
        })
    );
    assert_eq!(
        client.poll_event(),
        Some(ClientEvent::Down {
            records: vec![],
            cursor: 0,
            more: false
        })
    );
    assert_eq!(client.poll_event(), Some(ClientEvent::LogDue));
    client.ask_log(LogAsk::default(), now);
    client
        .handle_bytes(
            &encode_frame(&Message::LogAnswerV2(LogAnswer {
                checkpoint: "forged".into(),
                ..LogAnswer::default()
            })),
            now,
        )
        .expect("answer");
    while let Some(ev) = client.poll_event() {
        if let ClientEvent::Log(_) = ev {
            client.abort("the server's log was rolled back");
        }
    }
    let mut frames = vec![];
    while let Some(b) = client.poll_transmit() {
        frames.extend(b);
    }
    let mut server = ServerSession::new();
    let text = String::from_utf8_lossy(&frames).to_string();
    assert!(
        text.contains("the server's log was rolled back"),
        "the server is told why"
    );
    assert!(!text.contains("Done") || client.is_failed());
    assert!(client.is_failed() && !client.is_finished());
    let _ = server.handle_bytes(&frames);
}

#[test]
fn full_session_uploads_everything_and_pages_down() {
    let now = Instant::now();
    let mut client = ClientSession::new(cfg(b"ok"), now);
    let mut server = ServerSession::new();
    let mut app = App {
        down: records(5),
        page: 2,
        uploaded: vec![],
    };
    let events = run(
        &mut client,
        &mut server,
        &mut app,
        records(10),
        usize::MAX,
        now,
    );
    assert_eq!(app.uploaded, records(10));
    let receipts: usize = events
        .iter()
        .map(|e| match e {
            ClientEvent::Results { results, .. } => results.len(),
            _ => 0,
        })
        .sum();
    assert_eq!(receipts, 10);
    let down: Vec<Vec<u8>> = events
        .iter()
        .flat_map(|e| match e {
            ClientEvent::Down { records, .. } => records.clone(),
            _ => vec![],
        })
        .collect();
    assert_eq!(down, records(5));
    assert_eq!(
        events.first(),
        Some(&ClientEvent::Welcomed {
            unit: "UNIT-1".into(),
            server_time_ms: 42
        })
    );
    assert_eq!(events.last(), Some(&ClientEvent::Finished));
    assert!(client.is_finished() && server.is_finished());
}

#[test]
fn refusal_reaches_the_client_with_its_reason() {
    let now = Instant::now();
    let mut client = ClientSession::new(cfg(b"wrong"), now);
    let mut server = ServerSession::new();
    let mut app = App {
        down: vec![],
        page: 1,
        uploaded: vec![],
    };
    let events = run(
        &mut client,
        &mut server,
        &mut app,
        records(3),
        usize::MAX,
        now,
    );
    assert!(events.contains(&ClientEvent::Refused {
        code: RefusalCode::NotEnrolled,
        reason: "device not enrolled".into()
    }));
    assert!(client.is_failed());
    assert!(
        app.uploaded.is_empty(),
        "nothing uploaded before authorisation"
    );
}

/// One exchange: everything the client has to send crosses to the server
/// in `chunk`-byte pieces, the server application answers, and the
/// answers cross back. Returns the client's events and what the server
/// application saw (Hello, Records, Pull).
fn one_exchange(
    client: &mut ClientSession,
    server: &mut ServerSession,
    welcome: bool,
    chunk: usize,
    now: Instant,
) -> (Vec<ClientEvent>, Vec<&'static str>) {
    while client.can_send() {
        client.send_records(records(3), now);
    }
    let mut seen = vec![];
    while let Some(bytes) = client.poll_transmit() {
        for piece in bytes.chunks(chunk) {
            let _ = server.handle_bytes(piece);
            // The application answers between reads, as the server does.
            while let Some(ev) = server.poll_event() {
                match ev {
                    ServerEvent::Hello { .. } => {
                        seen.push("Hello");
                        if welcome {
                            server
                                .welcome("UNIT-1", 42)
                                .expect("what followed the Hello");
                        } else {
                            server.refuse(RefusalCode::Revoked, "revoked");
                        }
                    }
                    ServerEvent::Records { batch, records } => {
                        seen.push("Records");
                        let results = records
                            .iter()
                            .map(|_| RecordResult::Accepted { receipt: vec![1] })
                            .collect();
                        server.results(batch, results);
                    }
                    ServerEvent::Pull { cursor } => {
                        seen.push("Pull");
                        server.down(vec![], cursor, false);
                    }
                    _ => {}
                }
            }
        }
    }
    while let Some(bytes) = server.poll_transmit() {
        let _ = client.handle_bytes(&bytes, now);
    }
    let mut events = vec![];
    while let Some(ev) = client.poll_event() {
        events.push(ev);
    }
    (events, seen)
}

#[test]
fn records_sent_with_the_hello_are_answered_in_the_first_round_trip() {
    for chunk in [1, 7, 64, usize::MAX] {
        let now = Instant::now();
        let mut client = ClientSession::new(cfg_with_hello(b"ok"), now);
        let mut server = ServerSession::new();
        let (events, seen) = one_exchange(&mut client, &mut server, true, chunk, now);
        // The server read nothing behind the Hello before welcoming.
        assert_eq!(
            seen,
            ["Hello", "Pull", "Records", "Records"],
            "chunk {chunk}"
        );
        assert!(matches!(events[0], ClientEvent::Welcomed { .. }));
        let answered = events
            .iter()
            .filter(|e| matches!(e, ClientEvent::Results { .. }))
            .count();
        assert_eq!(answered, 2, "both batches of the window, chunk {chunk}");
        assert!(events.iter().any(|e| matches!(e, ClientEvent::Down { .. })));

        // Waiting for Welcome, as before: the first exchange only welcomes.
        let mut client = ClientSession::new(cfg(b"ok"), now);
        let mut server = ServerSession::new();
        let (events, seen) = one_exchange(&mut client, &mut server, true, chunk, now);
        assert_eq!(seen, ["Hello"]);
        assert_eq!(events.len(), 1);
        assert!(matches!(events[0], ClientEvent::Welcomed { .. }));
    }
}

#[test]
fn before_welcome_a_client_sends_a_bounded_amount_of_records() {
    let now = Instant::now();
    let mut client = ClientSession::new(
        ClientConfig {
            window: 64,
            ..cfg_with_hello(b"ok")
        },
        now,
    );
    let record = vec![7u8; 10_000];
    let mut early = 0;
    while client.can_send() {
        let fit = (client.batch_bytes() / record.len()).max(1);
        early += fit * record.len();
        client.send_records(vec![record.clone(); fit], now);
    }
    assert!(
        early >= RECORDS_BEFORE_WELCOME - record.len(),
        "{early} bytes"
    );
    // Overshot by at most the one record a batch always holds.
    assert!(
        early <= RECORDS_BEFORE_WELCOME + record.len(),
        "{early} bytes"
    );
    // All of it kept unread by the server until it decides.
    let mut server = ServerSession::new();
    while let Some(bytes) = client.poll_transmit() {
        server
            .handle_bytes(&bytes)
            .expect("within what a server keeps");
    }
    assert!(matches!(
        server.poll_event(),
        Some(ServerEvent::Hello { .. })
    ));
    assert!(server.poll_event().is_none());
    server.welcome("U", 0).expect("read on");
    let mut batches = 0;
    while let Some(event) = server.poll_event() {
        batches += usize::from(matches!(event, ServerEvent::Records { .. }));
    }
    assert_eq!(batches, client.batches_in_flight());
    // Once welcomed, the full batch size again.
    while let Some(bytes) = server.poll_transmit() {
        client.handle_bytes(&bytes, now).expect("welcome");
    }
    assert_eq!(client.batch_bytes(), BATCH_BYTES);
    assert!(client.can_send());
}

#[test]
fn records_sent_with_a_hello_that_is_refused_are_never_read() {
    let now = Instant::now();
    let mut client = ClientSession::new(cfg_with_hello(b"ok"), now);
    let mut server = ServerSession::new();
    let (events, seen) = one_exchange(&mut client, &mut server, false, 16, now);
    assert_eq!(seen, ["Hello"]);
    assert!(events.contains(&ClientEvent::Refused {
        code: RefusalCode::Revoked,
        reason: "revoked".into()
    }));
    assert!(client.is_failed() && server.is_failed());
}

#[test]
fn a_peer_not_yet_welcomed_may_not_park_much_behind_its_hello() {
    let mut server = ServerSession::new();
    let hello = encode_frame(&Message::Hello {
        version: PROTOCOL_VERSION,
        enroll_secret: None,
        down_cursor: 0,
        client_time_ms: 0,
    });
    server.handle_bytes(&hello).expect("hello");
    assert!(matches!(
        server.poll_event(),
        Some(ServerEvent::Hello { .. })
    ));
    // Within the bound: kept unread, no event.
    server
        .handle_bytes(&vec![0; MAX_BEHIND_HELLO])
        .expect("kept while the device is decided on");
    assert!(server.poll_event().is_none());
    assert_eq!(
        server.handle_bytes(&[0]),
        Err(ProtoError::TooMuchBeforeWelcome)
    );
    assert!(server.is_failed());
    // Garbage behind a Hello fails the session once it is read.
    let mut server = ServerSession::new();
    server.handle_bytes(&hello).expect("hello");
    let _ = server.poll_event();
    server
        .handle_bytes(&[0, 0, 0, 2, 0xff, 0xff])
        .expect("unread yet");
    assert!(server.welcome("U", 0).is_err());
    assert!(server.is_failed());
}

#[test]
fn silence_from_the_server_times_out_at_the_injected_deadline() {
    let t0 = Instant::now();
    let mut client = ClientSession::new(
        ClientConfig {
            response_timeout: Duration::from_secs(30),
            ..Default::default()
        },
        t0,
    );
    let deadline = client
        .poll_timeout()
        .expect("armed while waiting for Welcome");
    assert_eq!(deadline, t0 + Duration::from_secs(30));
    assert_eq!(client.handle_timeout(t0 + Duration::from_secs(29)), Ok(()));
    assert_eq!(
        client.handle_timeout(deadline),
        Err(ProtoError::Timeout(30))
    );
    assert!(client.is_failed());
}

#[test]
fn records_before_hello_are_a_protocol_error() {
    let mut server = ServerSession::new();
    let err = server
        .handle_bytes(&encode_frame(&Message::Records {
            batch: 0,
            records: vec![],
        }))
        .expect_err("must fail");
    assert!(matches!(err, ProtoError::Unexpected { got: "Records", .. }));
    assert!(server.poll_event().is_none());
    let reply = server.poll_transmit().expect("error frame");
    let mut d = FrameDecoder::new();
    d.push(&reply);
    assert!(matches!(d.next_message(), Ok(Some(Message::Error { .. }))));
}

#[test]
fn a_down_that_promises_more_without_progress_fails_instead_of_looping() {
    let now = Instant::now();
    let mut client = ClientSession::new(
        ClientConfig {
            down_cursor: 10,
            ..Default::default()
        },
        now,
    );
    client
        .handle_bytes(
            &encode_frame(&Message::Welcome {
                version: PROTOCOL_VERSION,
                unit: "U".into(),
                server_time_ms: 0,
            }),
            now,
        )
        .expect("welcome");
    let stuck = Message::Down {
        records: vec![],
        cursor: 10,
        more: true,
    };
    assert!(client.handle_bytes(&encode_frame(&stuck), now).is_err());
    assert!(client.is_failed());
}

#[test]
fn results_for_an_unknown_batch_fail_the_client() {
    let now = Instant::now();
    let mut client = ClientSession::new(cfg(b"ok"), now);
    client
        .handle_bytes(
            &encode_frame(&Message::Welcome {
                version: PROTOCOL_VERSION,
                unit: "U".into(),
                server_time_ms: 0,
            }),
            now,
        )
        .expect("welcome");
    let err = client.handle_bytes(
        &encode_frame(&Message::Results {
            batch: 99,
            results: vec![],
        }),
        now,
    );
    assert!(err.is_err());
    assert!(client.is_failed());
}

#[test]
fn before_hello_a_large_frame_is_refused_without_buffering_it() {
    let mut server = ServerSession::new();
    let claim = (MAX_HELLO_FRAME as u32 + 1).to_be_bytes();
    assert_eq!(
        server.handle_bytes(&claim),
        Err(ProtoError::FrameTooLarge(MAX_HELLO_FRAME + 1))
    );
    assert!(server.is_failed());
}

#[test]
fn an_oversized_batch_is_a_protocol_error_and_nothing_reaches_the_store() {
    let mut server = ServerSession::new();
    let hello = Message::Hello {
        version: PROTOCOL_VERSION,
        enroll_secret: None,
        down_cursor: 0,
        client_time_ms: 0,
    };
    server.handle_bytes(&encode_frame(&hello)).expect("hello");
    assert!(matches!(
        server.poll_event(),
        Some(ServerEvent::Hello { .. })
    ));
    server.welcome("U", 0).expect("welcome");
    let big = Message::Records {
        batch: 0,
        records: vec![vec![]; MAX_BATCH_RECORDS + 1],
    };
    assert_eq!(
        server.handle_bytes(&encode_frame(&big)),
        Err(ProtoError::TooManyRecords(MAX_BATCH_RECORDS + 1))
    );
    assert!(server.poll_event().is_none());
    // After Welcome, frames up to the full limit are accepted.
    let ok = Message::Records {
        batch: 1,
        records: vec![vec![0; 1 << 20]],
    };
    let mut fresh = ServerSession::new();
    fresh.handle_bytes(&encode_frame(&hello)).expect("hello");
    let _ = fresh.poll_event();
    fresh.welcome("U", 0).expect("welcome");
    fresh
        .handle_bytes(&encode_frame(&ok))
        .expect("1 MiB record after welcome");
    assert!(matches!(
        fresh.poll_event(),
        Some(ServerEvent::Records { .. })
    ));
}

#[test]
fn a_newer_protocol_version_is_refused_clearly() {
    let mut server = ServerSession::new();
    let hello = Message::Hello {
        version: 99,
        enroll_secret: None,
        down_cursor: 0,
        client_time_ms: 0,
    };
    assert_eq!(
        server.handle_bytes(&encode_frame(&hello)),
        Err(ProtoError::Version(99))
    );
    let mut d = FrameDecoder::new();
    d.push(&server.poll_transmit().expect("refusal"));
    assert!(matches!(
        d.next_message(),
        Ok(Some(Message::Refused {
            code: RefusalCode::Version,
            ..
        }))
    ));
}

#[test]
fn regression_corpus_never_yields_an_event_or_a_panic() {
    for (name, bytes) in kordon_test_support::regressions("frames") {
        let mut server = ServerSession::new();
        let _ = server.handle_bytes(&bytes);
        let events: Vec<ServerEvent> = std::iter::from_fn(|| server.poll_event()).collect();
        assert!(
            events.is_empty(),
            "frames regression {name} produced {events:?}"
        );
        let now = Instant::now();
        let mut client = ClientSession::new(ClientConfig::default(), now);
        let _ = client.handle_bytes(&bytes, now);
        let events: Vec<ClientEvent> = std::iter::from_fn(|| client.poll_event()).collect();
        assert!(
            events.is_empty(),
            "frames regression {name} produced {events:?}"
        );
    }
}

#[test]
fn blob_regression_corpus_yields_no_event_and_no_panic() {
    for (name, bytes) in kordon_test_support::regressions("blob_frames") {
        let mut rx = BlobReceiver::new(1 << 14);
        let _ = rx.handle_bytes(&bytes);
        let events: Vec<BlobRecvEvent> = std::iter::from_fn(|| rx.poll_event()).collect();
        assert!(
            events.is_empty(),
            "blob regression {name} produced {events:?}"
        );
        let now = Instant::now();
        let mut tx = BlobSender::new(BlobSenderConfig::default(), now);
        let _ = tx.handle_bytes(&bytes, now);
        let events: Vec<BlobSendEvent> = std::iter::from_fn(|| tx.poll_event()).collect();
        assert!(
            events.is_empty(),
            "blob regression {name} produced {events:?}"
        );
    }
}

#[test]
fn a_blob_stream_refuses_offers_before_hello_and_oversized_trees() {
    let mut rx = BlobReceiver::new(4);
    let offer = encode_frame(&Message::Offer {
        blob: [1; 32],
        size: 10,
    });
    assert!(
        rx.handle_bytes(&offer).is_err(),
        "an Offer before BlobHello"
    );
    let mut rx = BlobReceiver::new(4);
    rx.handle_bytes(&encode_frame(&Message::BlobHello {
        version: PROTOCOL_VERSION,
    }))
    .expect("hello");
    assert_eq!(rx.poll_event(), Some(BlobRecvEvent::Hello));
    rx.welcome("U", 0).expect("welcome");
    let tree = encode_frame(&Message::Tree {
        blob: [1; 32],
        cvs: vec![[0; 32]; 5],
    });
    assert!(
        rx.handle_bytes(&tree).is_err(),
        "a tree larger than any blob"
    );
    assert_eq!(rx.poll_event(), None);
}

#[test]
fn a_blob_sender_sends_within_its_window_and_resumes_where_told() {
    let now = Instant::now();
    let cfg = BlobSenderConfig {
        piece: 1024,
        window: 2,
        ..BlobSenderConfig::default()
    };
    let mut tx = BlobSender::new(cfg, now);
    let welcome = encode_frame(&Message::Welcome {
        version: PROTOCOL_VERSION,
        unit: "U".into(),
        server_time_ms: 0,
    });
    tx.handle_bytes(&welcome, now).expect("welcome");
    assert!(tx.is_idle());
    tx.offer([9; 32], 5000, now);
    assert_eq!(tx.next_piece(), None, "nothing before the server answers");
    let want = encode_frame(&Message::Want {
        blob: [9; 32],
        from: 2048,
        tree: false,
    });
    tx.handle_bytes(&want, now).expect("want");
    let mut sent = vec![];
    while let Some(req) = tx.next_piece() {
        sent.push(req.offset);
        tx.send_piece(req, vec![0; req.len as usize], now);
    }
    assert_eq!(
        sent,
        vec![2048, 3072],
        "resumes at 2048, two pieces in flight"
    );
    let verified = encode_frame(&Message::Verified {
        blob: [9; 32],
        upto: 3072,
    });
    tx.handle_bytes(&verified, now).expect("verified");
    let last = tx.next_piece().expect("room for the last piece");
    assert_eq!((last.offset, last.len), (4096, 904));
    let bogus = encode_frame(&Message::Verified {
        blob: [9; 32],
        upto: 1 << 40,
    });
    assert!(
        tx.handle_bytes(&bogus, now).is_err(),
        "confirming unsent bytes is a protocol error"
    );
}

#[test]
fn the_next_blob_is_offered_once_the_last_piece_of_the_one_before_is_sent() {
    let now = Instant::now();
    let cfg = BlobSenderConfig {
        piece: 1024,
        window: 4,
        ..BlobSenderConfig::default()
    };
    let mut tx = BlobSender::new(cfg, now);
    let feed = |tx: &mut BlobSender, m: Message| tx.handle_bytes(&encode_frame(&m), now);
    let welcome = Message::Welcome {
        version: PROTOCOL_VERSION,
        unit: "U".into(),
        server_time_ms: 0,
    };
    feed(&mut tx, welcome).expect("welcome");
    let (a, b, c) = ([1; 32], [2; 32], [3; 32]);
    tx.offer(a, 2048, now);
    assert!(!tx.may_offer(), "A's pieces are not sent yet");
    feed(
        &mut tx,
        Message::Want {
            blob: a,
            from: 0,
            tree: false,
        },
    )
    .expect("want A");
    let first = tx.next_piece().expect("A's first piece");
    tx.send_piece(first, vec![0; 1024], now);
    assert!(!tx.may_offer(), "one piece of A still to send");
    let second = tx.next_piece().expect("A's last piece");
    tx.send_piece(second, vec![0; 1024], now);
    assert!(tx.may_offer(), "A all sent: B may be offered");
    tx.offer(b, 1024, now);
    assert!(!tx.may_offer(), "one blob finishing at a time");
    assert!(!tx.is_idle());
    while tx.poll_event().is_some() {}
    // The server answers in stream order: A first, then B's Want.
    feed(
        &mut tx,
        Message::Verified {
            blob: a,
            upto: 2048,
        },
    )
    .expect("A verified");
    feed(&mut tx, Message::Stored { blob: a }).expect("A stored");
    feed(
        &mut tx,
        Message::Want {
            blob: b,
            from: 0,
            tree: false,
        },
    )
    .expect("want B");
    assert_eq!(
        tx.poll_event(),
        Some(BlobSendEvent::Progress {
            blob: a,
            upto: 2048
        })
    );
    assert_eq!(tx.poll_event(), Some(BlobSendEvent::Stored { blob: a }));
    let piece = tx.next_piece().expect("B's piece");
    assert_eq!((piece.blob, piece.offset), (b, 0));
    tx.send_piece(piece, vec![0; 1024], now);
    // A piece of B fails its check after C was offered: the server has
    // dropped B, so the application offers it again after C.
    tx.offer(c, 1024, now);
    feed(
        &mut tx,
        Message::Resend {
            blob: b,
            from: 0,
            reason: "damaged".into(),
        },
    )
    .expect("resend B");
    assert_eq!(
        tx.poll_event(),
        Some(BlobSendEvent::OfferAgain {
            blob: b,
            reason: "damaged".into()
        })
    );
    feed(&mut tx, Message::Stored { blob: c }).expect("C stored");
    assert!(tx.is_idle(), "nothing left in progress");
    tx.offer(b, 1024, now);
    // An answer about a blob nobody offered is a protocol error.
    assert!(feed(&mut tx, Message::Stored { blob: a }).is_err());
}

proptest! {

    #[test]
    fn any_chunking_converges(
chunk in 1usize..64, n in 0u8..20, d in 0u8..9, page in 1usize..4, with_hello in any::<bool>()) {
        let now = Instant::now();
        let config = if with_hello { cfg_with_hello(b"ok") } else { cfg(b"ok") };
        let mut client = ClientSession::new(config, now);
        let mut server = ServerSession::new();
        let mut app = App { down: records(d), page, uploaded: vec![] };
        let events = run(&mut client, &mut server, &mut app, records(n), chunk, now);
        prop_assert_eq!(app.uploaded, records(n));
        prop_assert_eq!(events.last(), Some(&ClientEvent::Finished));
    }

    #[test]
    fn server_never_panics_on_garbage(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let mut s = ServerSession::new();
        let _ = s.handle_bytes(&bytes);
        while s.poll_event().is_some() {}
    }

    #[test]
    fn client_never_panics_on_garbage(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let now = Instant::now();
        let mut c = ClientSession::new(ClientConfig::default(), now);
        let _ = c.handle_bytes(&bytes, now);
        while c.poll_event().is_some() {}
    }
}

/// What a server sends, decoded.
fn frames_of(server: &mut ServerSession) -> Vec<u8> {
    let mut out = vec![];
    while let Some(b) = server.poll_transmit() {
        out.extend_from_slice(&b);
    }
    out
}

#[test]
fn a_log_asked_behind_the_first_records_is_answered_after_them_and_the_end_still_asks() {
    let now = Instant::now();
    let mut client = ClientSession::new(
        ClientConfig {
            check_log: true,
            ..cfg_with_hello(b"ok")
        },
        now,
    );
    let batch = client.send_records(records(2), now);
    client.finish_uploads();
    client.ask_log_early(
        LogAsk {
            known_size: 4,
            ..LogAsk::default()
        },
        now,
    );
    // Once a session: a second early ask sends nothing.
    client.ask_log_early(LogAsk::default(), now);
    let mut server = ServerSession::new();
    while let Some(bytes) = client.poll_transmit() {
        server.handle_bytes(&bytes).expect("kept unread");
    }
    assert!(matches!(
        server.poll_event(),
        Some(ServerEvent::Hello { .. })
    ));
    server.welcome("U", 0).expect("read on");
    let seen: Vec<ServerEvent> = std::iter::from_fn(|| server.poll_event()).collect();
    assert!(
        matches!(
            seen.as_slice(),
            [
                ServerEvent::Pull { .. },
                ServerEvent::Records { .. },
                ServerEvent::LogAsk(LogAsk { known_size: 4, .. })
            ]
        ),
        "the ask comes behind the records, once: {seen:?}"
    );
    // The server answers in order: the records, then the log.
    server.down(vec![], 0, false);
    server.results(
        batch,
        vec![
            RecordResult::Logged {
                record_id: [1; 32],
                leaf_index: 4,
                leaf: vec![1],
            };
            2
        ],
    );
    // The records' answers first, read on their own.
    let bytes = frames_of(&mut server);
    client.handle_bytes(&bytes, now).expect("answers");
    let events: Vec<ClientEvent> = std::iter::from_fn(|| client.poll_event()).collect();
    assert!(matches!(events.last(), Some(ClientEvent::Results { .. })));
    client.down_applied(0, now);
    // Everything is exchanged, but the end's ask waits for the early
    // answer: it states the checkpoint size held, which that may raise.
    assert_eq!(client.poll_event(), None);
    let early = LogAnswer {
        checkpoint: "checkpoint after 6".into(),
        consistency: vec![[6; 32]],
        ..LogAnswer::default()
    };
    server.log_answer(early.clone());
    let bytes = frames_of(&mut server);
    client.handle_bytes(&bytes, now).expect("the early answer");
    // The end of the session still asks, over everything it stored.
    assert_eq!(client.poll_event(), Some(ClientEvent::EarlyLog(early)));
    assert_eq!(client.poll_event(), Some(ClientEvent::LogDue));
    assert!(!client.is_finished(), "not done before the last log check");
    client.ask_log(LogAsk::default(), now);
    while let Some(bytes) = client.poll_transmit() {
        server.handle_bytes(&bytes).expect("the second ask");
    }
    assert!(matches!(server.poll_event(), Some(ServerEvent::LogAsk(_))));
    let last = LogAnswer {
        checkpoint: "checkpoint after 7".into(),
        ..LogAnswer::default()
    };
    server.log_answer(last.clone());
    let bytes = frames_of(&mut server);
    client.handle_bytes(&bytes, now).expect("answer");
    assert_eq!(client.poll_event(), Some(ClientEvent::Log(last)));
    client.log_checked(now);
    assert!(client.is_finished());
}

#[test]
fn an_offer_behind_the_blob_hello_is_read_once_the_device_is_welcomed() {
    let now = Instant::now();
    let mut tx = BlobSender::new(
        BlobSenderConfig {
            offer_with_hello: true,
            ..BlobSenderConfig::default()
        },
        now,
    );
    assert!(tx.may_offer(), "offered before any Welcome");
    tx.offer([3; 32], 10, now);
    let mut rx = BlobReceiver::new(4);
    while let Some(bytes) = tx.poll_transmit() {
        rx.handle_bytes(&bytes).expect("kept unread");
    }
    assert_eq!(rx.poll_event(), Some(BlobRecvEvent::Hello));
    assert_eq!(rx.poll_event(), None, "nothing read before the decision");
    rx.welcome("U", 0).expect("read on");
    assert_eq!(
        rx.poll_event(),
        Some(BlobRecvEvent::Offer {
            blob: [3; 32],
            size: 10
        })
    );
    // A sender that was not told the server holds offers waits for the
    // Welcome, as before.
    let plain = BlobSender::new(BlobSenderConfig::default(), now);
    assert!(!plain.may_offer());
    // A device refused: what it sent behind its hello is never read.
    let mut tx = BlobSender::new(
        BlobSenderConfig {
            offer_with_hello: true,
            ..BlobSenderConfig::default()
        },
        now,
    );
    tx.offer([3; 32], 10, now);
    let mut rx = BlobReceiver::new(4);
    while let Some(bytes) = tx.poll_transmit() {
        rx.handle_bytes(&bytes).expect("kept unread");
    }
    assert_eq!(rx.poll_event(), Some(BlobRecvEvent::Hello));
    rx.refuse(RefusalCode::Revoked, "revoked");
    assert_eq!(rx.poll_event(), None);
    // Nor may an unwelcomed peer park much behind its hello.
    let mut rx = BlobReceiver::new(4);
    rx.handle_bytes(&encode_frame(&Message::BlobHello {
        version: PROTOCOL_VERSION,
    }))
    .expect("hello");
    rx.handle_bytes(&vec![0; MAX_BEHIND_HELLO])
        .expect("kept while the device is decided on");
    assert_eq!(rx.handle_bytes(&[0]), Err(ProtoError::TooMuchBeforeWelcome));
}
