//! Helpers shared by the binary's test files.

use std::process::{Command, Output};

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
