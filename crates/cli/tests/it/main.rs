//! The `taskq` binary, run in a temporary folder as a user would run it: one test binary, its
//! files by subject.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod api;
mod cli;
mod common;
mod report;
