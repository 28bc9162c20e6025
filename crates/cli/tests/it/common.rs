//! Helpers shared by the binary's test files: running `taskq`, reading what it printed.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn fixture(name: &str) -> PathBuf {
    repo().join("data/fixtures").join(name)
}

/// `taskq ARGS` in `dir`, with no dataset from the environment.
pub fn taskq_cmd(dir: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_taskq"));
    c.args(args)
        .current_dir(dir)
        .env_remove("TASKQ_DATASET")
        .env("RUST_BACKTRACE", "1");
    c
}

pub fn taskq(dir: &Path, args: &[&str]) -> Output {
    taskq_cmd(dir, args).output().unwrap()
}

/// `taskq ARGS` with `input` on its standard input.
pub fn taskq_stdin(dir: &Path, args: &[&str], input: &[u8]) -> Output {
    let mut child = taskq_cmd(dir, args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    child.wait_with_output().unwrap()
}

pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The command's stdout; fails the test with everything it printed when it did not succeed.
#[track_caller]
pub fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status,
        text(&o.stdout),
        text(&o.stderr)
    );
    text(&o.stdout)
}

/// Runs `cmd` (its program, arguments, folder and environment) under a pseudo-terminal with
/// script(1), so that its stderr is a terminal; what the terminal showed. Fails the test when the
/// command did not succeed.
#[track_caller]
pub fn in_terminal(cmd: &Command) -> String {
    let line: Vec<String> = std::iter::once(cmd.get_program())
        .chain(cmd.get_args())
        .map(|a| format!("'{}'", a.to_string_lossy().replace('\'', r"'\''")))
        .collect();
    let mut script = Command::new("script");
    script.args(["-qec", &line.join(" "), "/dev/null"]);
    if let Some(dir) = cmd.get_current_dir() {
        script.current_dir(dir);
    }
    for (key, value) in cmd.get_envs() {
        match value {
            Some(v) => script.env(key, v),
            None => script.env_remove(key),
        };
    }
    let o = script.output().unwrap();
    let shown = text(&o.stdout);
    assert!(o.status.success(), "{shown}");
    shown
}
