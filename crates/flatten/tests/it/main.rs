//! taskq-flatten's integration tests: one test binary, its files by subject.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod golden;
mod reader;
