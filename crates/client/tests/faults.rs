//! The client against the local test server: every injected fault ends with the pages of the
//! fault-free run, and what cannot be retried fails at once.
#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use taskq_client::{
    ApiKey, Client, ClientError, ClientOptions, DeliveriesQuery, DeliveryRef, Scope, TaskQuery,
};
use taskq_testserver::{Fault, TestServer};

const KEY: &str = "live_test_key_5f1d";

fn client(server: &TestServer, key: &str) -> Client {
    let mut o = ClientOptions::new(ApiKey::new(key));
    o.base_url = server.url();
    o.timeout = Duration::from_millis(800);
    o.backoff_initial = Duration::from_millis(5);
    o.max_attempts = 5;
    Client::new(o).unwrap()
}

fn query() -> TaskQuery {
    let mut q = TaskQuery::new(Scope::ProjectName("Alpha Chat".into()));
    q.limit = Some(20);
    q
}

/// Task ids of every page, in order.
async fn fetch_ids(client: &Client, q: &TaskQuery) -> Result<Vec<String>, ClientError> {
    let mut pages = client.tasks(q);
    let mut ids = Vec::new();
    while let Some(page) = pages.next().await? {
        let v: serde_json::Value = serde_json::from_slice(&page.body).unwrap();
        let tasks = v["tasks"].as_array().unwrap();
        assert_eq!(tasks.len() as u64, page.tasks);
        ids.extend(
            tasks
                .iter()
                .map(|t| t["task_id"].as_str().unwrap().to_owned()),
        );
    }
    Ok(ids)
}

#[tokio::test]
async fn pages_follow_the_token_to_the_end() {
    let server = TestServer::start(KEY, 250);
    let ids = fetch_ids(&client(&server, KEY), &query()).await.unwrap();
    let expected: Vec<String> = server.task_ids().into_iter().step_by(3).collect();
    assert_eq!(ids, expected);
    let log = server.log();
    assert_eq!(log.len(), expected.len().div_ceil(20));
    assert!(
        log.iter()
            .all(|r| r.authorization.as_deref() == Some(&format!("Bearer {KEY}")[..]))
    );
    assert_eq!(
        log[0].values("opts"),
        [
            "annotation_details",
            "attachment_details",
            "model_parameters",
            "submissions"
        ],
        "opts go as repeated keys"
    );
    assert!(
        log[0]
            .query
            .contains("opts=annotation_details&opts=attachment_details")
    );
    assert!(log[1].values("next_token").len() == 1 && log[0].values("next_token").is_empty());
}

#[tokio::test]
async fn every_fault_ends_with_the_fault_free_pages() {
    let clean = {
        let server = TestServer::start(KEY, 250);
        fetch_ids(&client(&server, KEY), &query()).await.unwrap()
    };
    // Three seconds: slower than the client's 0.8 s timeout.
    let faults = Fault::transient(Duration::from_secs(3));
    for fault in faults {
        let server = TestServer::start(KEY, 250);
        // Five pages: the second, a middle one, and the same fault twice in a row on the last.
        server.fault_in(2, fault.clone());
        server.fault_in(4, fault.clone());
        server.fault_in(7, fault.clone());
        server.fault_in(8, fault.clone());
        let c = client(&server, KEY);
        let ids = fetch_ids(&c, &query())
            .await
            .unwrap_or_else(|e| panic!("{fault:?}: {e}"));
        assert_eq!(ids, clean, "{fault:?}");
        let retries = c.stats().retries.load(std::sync::atomic::Ordering::Relaxed);
        let expected = if fault == Fault::EmptyPage { 0 } else { 4 };
        assert_eq!(retries, expected, "{fault:?}");
    }
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let server = TestServer::start(KEY, 30);
    server.fault_in(1, Fault::Status(429, Some("2".into())));
    let started = Instant::now();
    fetch_ids(&client(&server, KEY), &query()).await.unwrap();
    assert!(started.elapsed() >= Duration::from_secs(2));
}

#[tokio::test]
async fn refusals_fail_at_once_with_the_server_message() {
    let server = TestServer::start(KEY, 30);
    let err = fetch_ids(&client(&server, "live_wrong"), &query())
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(
        matches!(err, ClientError::Api { status: 401, .. }),
        "{err:?}"
    );
    assert!(text.contains("the API key is missing or invalid"), "{text}");
    assert!(!text.contains("live_wrong") && !format!("{err:?}").contains("live_wrong"));
    assert_eq!(server.log().len(), 1, "a 401 is not retried");

    let mut bad = query();
    bad.limit = Some(500);
    let err = fetch_ids(&client(&server, KEY), &bad).await.unwrap_err();
    assert!(err.to_string().contains("HTTP 400: limit must be"), "{err}");
    assert_eq!(server.log().len(), 2);
}

#[tokio::test]
async fn persistent_faults_give_up_within_bounds() {
    let server = TestServer::start(KEY, 30);
    server.fault_from(1, Fault::Status(503, None), 100);
    let err = fetch_ids(&client(&server, KEY), &query())
        .await
        .unwrap_err();
    assert!(
        matches!(err, ClientError::GaveUp { attempts: 5, .. }),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("HTTP 503: injected fault"),
        "{err}"
    );

    // A Retry-After past the budget is not waited out.
    let server = TestServer::start(KEY, 30);
    server.fault_in(1, Fault::Status(429, Some("86400".into())));
    let err = fetch_ids(&client(&server, KEY), &query())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("past the retry budget"), "{err}");

    // A token handed back again every time, and endless empty pages, both end.
    let server = TestServer::start(KEY, 100);
    server.fault_from(2, Fault::RepeatToken, 100);
    let err = fetch_ids(&client(&server, KEY), &query())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("already used"), "{err}");

    let server = TestServer::start(KEY, 100);
    server.fault_from(2, Fault::EmptyPage, 100);
    let err = fetch_ids(&client(&server, KEY), &query())
        .await
        .unwrap_err();
    assert!(matches!(err, ClientError::NoProgress { .. }), "{err:?}");
}

#[tokio::test]
async fn a_refused_saved_token_is_reported_as_such() {
    let server = TestServer::start(KEY, 100);
    let c = client(&server, KEY);
    let mut pages = c.tasks(&query());
    let token = pages.next().await.unwrap().unwrap().next_token;
    server.expire_tokens();
    let mut resumed = c.tasks(&query()).resume_from(token);
    let err = resumed.next().await.unwrap_err();
    assert!(
        matches!(err, ClientError::TokenRejected { status: 400, .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn filters_and_other_endpoints() {
    let server = TestServer::start(KEY, 90);
    let c = client(&server, KEY);
    let mut q = TaskQuery::new(Scope::ProjectId("proj_beta".into()));
    q.status = Some("completed".into());
    q.completed_before = Some(chrono::Utc::now());
    q.expand = vec!["project".into(), "batch".into()];
    let ids = fetch_ids(&c, &q).await.unwrap();
    assert!(!ids.is_empty());
    for id in &ids {
        let t = server.task(id).unwrap();
        assert_eq!(
            (t["project"].as_str(), t["status"].as_str()),
            (Some("proj_beta"), Some("completed"))
        );
    }
    let sent = server.log().pop().unwrap();
    assert_eq!(sent.values("expand"), ["project", "batch"]);
    assert!(sent.values("completed_before")[0].ends_with('Z'));

    let body = c.task(&ids[0], &[], &[]).await.unwrap();
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["task_id"], ids[0].as_str());
    let err = c.task("no_such_task", &[], &[]).await.unwrap_err();
    assert!(
        matches!(err, ClientError::Api { status: 404, .. }),
        "{err:?}"
    );

    let list = c
        .deliveries(&DeliveriesQuery {
            project: Scope::ProjectName("Gamma Rubrics".into()),
            delivered_after: None,
            delivered_before: None,
            expand_project: true,
        })
        .await
        .unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0].project_label().as_deref(), Some("Gamma Rubrics"));

    let by_name = DeliveryRef::Name {
        name: list[1].name.clone().unwrap(),
        project: Scope::ProjectName("Gamma Rubrics".into()),
    };
    let mut pages = c
        .delivery(&by_name, Some(7), &["delivery".into()], &[])
        .unwrap();
    let mut n = 0;
    while let Some(p) = pages.next().await.unwrap() {
        assert_eq!(p.total, list[1].task_count.map(|c| c as u64));
        n += p.tasks;
    }
    assert_eq!(Some(n as i64), list[1].task_count);
}

#[tokio::test]
async fn max_rps_spaces_requests() {
    let server = TestServer::start(KEY, 100);
    let mut o = ClientOptions::new(ApiKey::new(KEY));
    o.base_url = server.url();
    o.max_rps = Some(4.0);
    let c = Client::new(o).unwrap();
    let started = Instant::now();
    fetch_ids(&c, &query()).await.unwrap(); // 34 tasks in pages of 20: 2 requests
    fetch_ids(&c, &query()).await.unwrap();
    fetch_ids(&c, &query()).await.unwrap();
    // Six requests at four a second: the last may start no earlier than 1.25 s in.
    assert!(started.elapsed() >= Duration::from_millis(1250));
}
