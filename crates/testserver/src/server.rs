//! The server: a socket, HTTP/1.1 by hand, and the API's routes over generated tasks.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Map, Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::fault::{Fault, Logged};

#[derive(Debug, Clone)]
struct Delivery {
    id: String,
    name: String,
    project: usize,
    delivered_at: String,
    tasks: Vec<usize>,
}

const PROJECTS: [(&str, &str); 3] = [
    ("proj_alpha", "Alpha Chat"),
    ("proj_beta", "Beta Code"),
    ("proj_gamma", "Gamma Rubrics"),
];

#[derive(Debug)]
struct State {
    key: String,
    tasks: Vec<Value>,
    deliveries: Vec<Delivery>,
    faults: HashMap<usize, Fault>,
    log: Vec<Logged>,
    /// Tokens carry the epoch they were issued in; older ones are refused (expired).
    epoch: u32,
    nonce: u64,
}

/// A running server; it lives until the test process ends.
#[derive(Debug, Clone)]
pub struct TestServer {
    url: String,
    state: Arc<Mutex<State>>,
}

impl TestServer {
    /// Serves `tasks` generated tasks (seed 11) to clients holding `key`. Tasks are spread over
    /// three projects with two batches each; each project has two deliveries.
    pub fn start(key: &str, tasks: usize) -> TestServer {
        let mut lines = Vec::new();
        let _ = taskq_gen::generate(
            &taskq_gen::GenOptions {
                tasks,
                seed: 11,
                shape: taskq_gen::Shape::Mixed,
            },
            &mut lines,
        );
        let tasks: Vec<Value> = lines
            .split(|b| *b == b'\n')
            .filter(|l| !l.is_empty())
            .filter_map(|l| serde_json::from_slice(l).ok())
            .enumerate()
            .map(|(i, t)| place(t, i))
            .collect();
        let mut deliveries = Vec::new();
        for (p, (pid, _)) in PROJECTS.iter().enumerate() {
            let mine: Vec<usize> = (0..tasks.len()).filter(|i| i % 3 == p).collect();
            let (first, second) = mine.split_at(mine.len() / 2);
            for (n, part) in [first, second].into_iter().enumerate() {
                deliveries.push(Delivery {
                    id: format!("del_{pid}_{}", n + 1),
                    name: format!("2025-06-{:02} weekly", 6 + 7 * n),
                    project: p,
                    delivered_at: format!("2025-06-{:02}T18:00:00Z", 6 + 7 * n),
                    tasks: part.to_vec(),
                });
            }
        }
        let state = Arc::new(Mutex::new(State {
            key: key.to_owned(),
            tasks,
            deliveries,
            faults: HashMap::new(),
            log: Vec::new(),
            epoch: 1,
            nonce: 0,
        }));
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let url = format!("http://{}", listener.local_addr().expect("local address"));
        listener.set_nonblocking(true).expect("non-blocking");
        let served = state.clone();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
                while let Ok((socket, _)) = listener.accept().await {
                    tokio::spawn(serve(socket, served.clone()));
                }
            });
        });
        TestServer { url, state }
    }

    pub fn url(&self) -> String {
        self.url.clone()
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Makes the `n`th request from now (1-based) go wrong.
    pub fn fault_in(&self, n: usize, fault: Fault) {
        let mut s = self.state();
        let at = s.log.len() + n;
        s.faults.insert(at, fault);
    }

    /// Makes every request from the `n`th on go wrong the same way.
    pub fn fault_from(&self, n: usize, fault: Fault, count: usize) {
        for i in n..n + count {
            self.fault_in(i, fault.clone());
        }
    }

    /// Refuses every token issued so far, as if they had expired.
    pub fn expire_tokens(&self) {
        self.state().epoch += 1;
    }

    /// Adds `n` tasks completed at `completed_at`, in the first project.
    pub fn add_completed(&self, n: usize, completed_at: DateTime<Utc>) -> Vec<String> {
        let mut s = self.state();
        let mut lines = Vec::new();
        let opts = taskq_gen::GenOptions {
            tasks: n,
            seed: 1000 + s.tasks.len() as u64,
            shape: taskq_gen::Shape::Mixed,
        };
        let _ = taskq_gen::generate(&opts, &mut lines);
        let at = completed_at.to_rfc3339_opts(SecondsFormat::Millis, true);
        let mut ids = Vec::new();
        for (i, line) in lines
            .split(|b| *b == b'\n')
            .filter(|l| !l.is_empty())
            .enumerate()
        {
            let Ok(t) = serde_json::from_slice::<Value>(line) else {
                continue;
            };
            let mut t = place(t, 0);
            let id = format!("added_{}_{i}", s.tasks.len());
            t["task_id"] = json!(id);
            t["status"] = json!("completed");
            t["completed_at"] = json!(at);
            ids.push(id);
            s.tasks.push(t);
        }
        ids
    }

    /// Every request so far.
    pub fn log(&self) -> Vec<Logged> {
        self.state().log.clone()
    }

    /// Task ids the server holds, in its order.
    pub fn task_ids(&self) -> Vec<String> {
        self.state()
            .tasks
            .iter()
            .map(|t| t["task_id"].as_str().unwrap_or_default().to_owned())
            .collect()
    }

    /// The server's copy of a task.
    pub fn task(&self, id: &str) -> Option<Value> {
        self.state()
            .tasks
            .iter()
            .find(|t| t["task_id"] == id)
            .cloned()
    }
}

/// Puts generated task `i` in a project and batch of this server.
fn place(mut t: Value, i: usize) -> Value {
    let p = i % PROJECTS.len();
    let b = (i / PROJECTS.len()) % 2;
    t["project"] = json!(PROJECTS[p].0);
    t["batch"] = json!(format!("batch_{}_{b}", PROJECTS[p].0));
    t
}

fn project_object(p: usize) -> Value {
    json!({"id": PROJECTS[p].0, "name": PROJECTS[p].1, "created_at": "2025-01-01T00:00:00Z"})
}

fn project_of(t: &Value) -> usize {
    PROJECTS
        .iter()
        .position(|(id, _)| t["project"] == *id)
        .unwrap_or(0)
}

/// A response to write, before faults.
struct Reply {
    status: u16,
    body: Vec<u8>,
    tasks: usize,
    /// The token the request carried, for [`Fault::RepeatToken`].
    token_in: Option<String>,
}

fn error(status: u16, message: &str) -> Reply {
    Reply {
        status,
        body: json!({"status_code": status, "error": message})
            .to_string()
            .into_bytes(),
        tasks: 0,
        token_in: None,
    }
}

async fn serve(mut socket: TcpStream, state: Arc<Mutex<State>>) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        match socket.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
        if buf.len() > 64 << 10 {
            return;
        }
    }
    let head = String::from_utf8_lossy(&buf).into_owned();
    let mut lines = head.split("\r\n");
    let target = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .unwrap_or("/")
        .to_owned();
    let authorization = lines
        .filter_map(|l| l.split_once(':'))
        .find(|(k, _)| k.eq_ignore_ascii_case("authorization"))
        .map(|(_, v)| v.trim().to_owned());
    let url = url::Url::parse(&format!("http://server{target}")).ok();
    let path = url
        .as_ref()
        .map(|u| u.path().to_owned())
        .unwrap_or_default();
    let query = url
        .as_ref()
        .and_then(|u| u.query())
        .unwrap_or_default()
        .to_owned();
    let params: Vec<(String, String)> = url
        .as_ref()
        .map(|u| u.query_pairs().into_owned().collect())
        .unwrap_or_default();

    let (reply, fault) = {
        let mut s = state.lock().unwrap_or_else(|p| p.into_inner());
        let n = s.log.len() + 1;
        let fault = s.faults.remove(&n);
        let reply = if authorization.as_deref() != Some(&format!("Bearer {}", s.key)) {
            error(401, "Unauthorized: the API key is missing or invalid")
        } else {
            route(&mut s, &path, &params, fault.as_ref())
        };
        let status = match &fault {
            Some(Fault::Status(code, _)) => *code,
            _ => reply.status,
        };
        s.log.push(Logged {
            path,
            query,
            params,
            authorization,
            status,
            tasks: reply.tasks,
        });
        (reply, fault)
    };
    let _ = respond(&mut socket, reply, fault).await;
}

async fn respond(
    socket: &mut TcpStream,
    reply: Reply,
    fault: Option<Fault>,
) -> std::io::Result<()> {
    let (mut status, mut body, mut extra) = (reply.status, reply.body, String::new());
    match &fault {
        Some(Fault::Status(code, retry_after)) => {
            status = *code;
            body = json!({"status_code": code, "error": "injected fault"})
                .to_string()
                .into_bytes();
            if let Some(r) = retry_after {
                extra = format!("Retry-After: {r}\r\n");
            }
        }
        Some(Fault::Slow(d)) => tokio::time::sleep(*d).await,
        Some(Fault::Hang) => tokio::time::sleep(Duration::from_secs(3600)).await,
        Some(Fault::Malformed) => body.truncate(body.len() / 2),
        Some(Fault::RepeatToken) => {
            if let (Some(tok), Ok(mut v)) = (reply.token_in, serde_json::from_slice::<Value>(&body))
            {
                v["next_token"] = json!(tok);
                body = v.to_string().into_bytes();
            }
        }
        _ => {}
    }
    let head = format!(
        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\n{extra}Connection: close\r\n\r\n",
        body.len()
    );
    socket.write_all(head.as_bytes()).await?;
    if fault == Some(Fault::DropMidBody) {
        socket.write_all(&body[..body.len() / 2]).await?;
        socket.flush().await?;
        return Ok(());
    }
    socket.write_all(&body).await?;
    socket.shutdown().await
}

fn param<'a>(params: &'a [(String, String)], key: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

fn values<'a>(params: &'a [(String, String)], key: &str) -> Vec<&'a str> {
    params
        .iter()
        .filter(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
        .collect()
}

fn route(s: &mut State, path: &str, params: &[(String, String)], fault: Option<&Fault>) -> Reply {
    match path {
        "/v2/tasks" => tasks(s, params, fault),
        "/v2/task" => {
            let id = param(params, "task_id").unwrap_or_default();
            match s.tasks.iter().find(|t| t["task_id"] == id) {
                Some(t) => Reply {
                    status: 200,
                    body: shape(t, params).to_string().into_bytes(),
                    tasks: 1,
                    token_in: None,
                },
                None => error(404, &format!("Task {id} not found")),
            }
        }
        "/v2/deliveries" => {
            let Some(p) = project_param(params) else {
                return error(400, "project_id or project_name is required");
            };
            let expand = values(params, "expand").contains(&"project");
            let list: Vec<Value> = s
                .deliveries
                .iter()
                .filter(|d| d.project == p)
                .map(|d| {
                    json!({"id": d.id, "name": d.name, "task_count": d.tasks.len(),
                        "delivered_at": d.delivered_at,
                        "project": if expand { project_object(p) } else { json!(PROJECTS[p].0) }})
                })
                .collect();
            Reply {
                status: 200,
                body: json!({ "deliveries": list }).to_string().into_bytes(),
                tasks: 0,
                token_in: None,
            }
        }
        "/v2/delivery" => delivery(s, params, fault),
        _ => error(404, &format!("no route {path}")),
    }
}

fn project_param(params: &[(String, String)]) -> Option<usize> {
    if let Some(id) = param(params, "project_id") {
        return PROJECTS.iter().position(|(i, _)| *i == id);
    }
    let name = param(params, "project_name")?;
    PROJECTS.iter().position(|(_, n)| *n == name)
}

/// A task as a response carries it: `expand` and `opts` applied.
fn shape(t: &Value, params: &[(String, String)]) -> Value {
    let mut t = t.clone();
    let expand = values(params, "expand");
    let opts = values(params, "opts");
    if expand.contains(&"project") {
        t["project"] = project_object(project_of(&t));
    }
    if expand.contains(&"batch")
        && let Some(b) = t["batch"].as_str().map(str::to_owned)
    {
        t["batch"] = json!({"id": b, "name": format!("{b} name"), "project": PROJECTS[project_of(&t)].0,
            "created_at": "2025-01-02T00:00:00Z", "status": "completed", "metadata": {}});
    }
    if let Some(threads) = t.get_mut("threads").and_then(Value::as_array_mut) {
        for thread in threads {
            if !opts.contains(&"submissions")
                && let Some(o) = thread.as_object_mut()
            {
                o.remove("submissions");
            }
            strip_model_parameters(thread, opts.contains(&"model_parameters"));
        }
    }
    t
}

fn strip_model_parameters(v: &mut Value, keep: bool) {
    if keep {
        return;
    }
    match v {
        Value::Object(o) => {
            o.remove("model_parameters");
            o.values_mut().for_each(|c| strip_model_parameters(c, keep));
        }
        Value::Array(a) => a.iter_mut().for_each(|c| strip_model_parameters(c, keep)),
        _ => {}
    }
}

fn time_param(params: &[(String, String)], key: &str) -> Result<Option<DateTime<Utc>>, Reply> {
    match param(params, key) {
        None => Ok(None),
        Some(v) => DateTime::parse_from_rfc3339(v)
            .map(|t| Some(t.with_timezone(&Utc)))
            .map_err(|_| error(400, &format!("{key}: not an ISO 8601 date-time: {v}"))),
    }
}

/// The offset a request starts at, from its token.
fn offset(s: &State, params: &[(String, String)]) -> Result<usize, Reply> {
    let Some(tok) = param(params, "next_token") else {
        return Ok(0);
    };
    let parts: Vec<&str> = tok.split('.').collect();
    match parts.as_slice() {
        [epoch, offset, _] if epoch.parse() == Ok(s.epoch) => offset
            .parse()
            .map_err(|_| error(400, "next_token is invalid")),
        _ => Err(error(400, "next_token is invalid or has expired")),
    }
}

fn limit(params: &[(String, String)]) -> Result<usize, Reply> {
    match param(params, "limit").map(str::parse::<usize>) {
        None => Ok(100),
        Some(Ok(l)) if (1..=100).contains(&l) => Ok(l),
        Some(_) => Err(error(400, "limit must be an integer from 1 to 100")),
    }
}

/// One page of `matching` (indices into the server's tasks) from the request's token.
fn page(
    s: &mut State,
    matching: &[usize],
    params: &[(String, String)],
    fault: Option<&Fault>,
    mut envelope: Map<String, Value>,
) -> Reply {
    let (start, limit) = match (offset(s, params), limit(params)) {
        (Ok(o), Ok(l)) => (o, l),
        (Err(e), _) | (_, Err(e)) => return e,
    };
    s.nonce += 1;
    let token = |s: &State, at: usize| format!("{}.{at}.{:x}", s.epoch, s.nonce * 7919);
    if fault == Some(&Fault::EmptyPage) {
        envelope.insert("tasks".into(), json!([]));
        envelope.insert("next_token".into(), json!(token(s, start)));
        return Reply {
            status: 200,
            body: Value::Object(envelope).to_string().into_bytes(),
            tasks: 0,
            token_in: None,
        };
    }
    let end = (start + limit).min(matching.len());
    let tasks: Vec<Value> = matching
        .get(start..end)
        .unwrap_or_default()
        .iter()
        .map(|&i| shape(&s.tasks[i], params))
        .collect();
    let n = tasks.len();
    envelope.insert("tasks".into(), Value::Array(tasks));
    if end < matching.len() {
        envelope.insert("next_token".into(), json!(token(s, end)));
    }
    Reply {
        status: 200,
        body: Value::Object(envelope).to_string().into_bytes(),
        tasks: n,
        token_in: param(params, "next_token").map(str::to_owned),
    }
}

fn tasks(s: &mut State, params: &[(String, String)], fault: Option<&Fault>) -> Reply {
    let project = param(params, "project_id").or(param(params, "project_name"));
    let batch = param(params, "batch_id").or(param(params, "batch_name"));
    if project.is_none() && batch.is_none() {
        return error(
            400,
            "a project (project_id or project_name) or a batch (batch_id or batch_name) is required",
        );
    }
    let (after, before) = match (
        time_param(params, "completed_after"),
        time_param(params, "completed_before"),
    ) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => return e,
    };
    let status = param(params, "status");
    let matching: Vec<usize> = (0..s.tasks.len())
        .filter(|&i| {
            let t = &s.tasks[i];
            let p = project_of(t);
            let b = t["batch"].as_str().unwrap_or_default();
            let project_ok = match (param(params, "project_id"), param(params, "project_name")) {
                (Some(id), _) => PROJECTS[p].0 == id,
                (None, Some(name)) => PROJECTS[p].1 == name,
                (None, None) => true,
            };
            let batch_ok = match (param(params, "batch_id"), param(params, "batch_name")) {
                (Some(id), _) => b == id,
                (None, Some(name)) => format!("{b} name") == name,
                (None, None) => true,
            };
            let completed = t["completed_at"]
                .as_str()
                .and_then(|c| DateTime::parse_from_rfc3339(c).ok())
                .map(|c| c.with_timezone(&Utc));
            let time_ok = match (after, before, completed) {
                (None, None, _) => true,
                (_, _, None) => false,
                (a, b, Some(c)) => a.is_none_or(|a| c >= a) && b.is_none_or(|b| c < b),
            };
            project_ok && batch_ok && time_ok && status.is_none_or(|st| t["status"] == st)
        })
        .collect();
    page(s, &matching, params, fault, Map::new())
}

fn delivery(s: &mut State, params: &[(String, String)], fault: Option<&Fault>) -> Reply {
    let found = match (param(params, "delivery_id"), param(params, "delivery_name")) {
        (Some(id), _) => s.deliveries.iter().find(|d| d.id == id),
        (None, Some(name)) => match project_param(params) {
            Some(p) => s
                .deliveries
                .iter()
                .find(|d| d.name == name && d.project == p),
            None => return error(400, "delivery_name needs project_id or project_name"),
        },
        (None, None) => return error(400, "delivery_id or delivery_name is required"),
    };
    let Some(d) = found.cloned() else {
        return error(404, "Delivery not found");
    };
    let mut envelope = Map::new();
    let head = if values(params, "expand").contains(&"delivery") {
        json!({"id": d.id, "name": d.name, "task_count": d.tasks.len(),
            "delivered_at": d.delivered_at, "project": PROJECTS[d.project].0})
    } else {
        json!(d.id)
    };
    envelope.insert("delivery".into(), head);
    page(s, &d.tasks, params, fault, envelope)
}
