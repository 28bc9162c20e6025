//! Splitting a byte stream into task records, whatever the container, in flat memory.
//!
//! Detected from content: one task per line (JSONL), a JSON array of tasks, a single task object,
//! the page envelopes `{"tasks": [...]}` and `{"docs": [...]}`, and concatenated pretty-printed
//! objects. The array inside an envelope, and a top-level array, are streamed element by element,
//! so a many-GB file is never held in memory: only one record at a time is.

use std::collections::VecDeque;
use std::io::{self, BufRead};
use std::sync::Arc;

use crate::Delivery;

/// What a record holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordKind {
    /// A task, or (on a JSONL line) an envelope of tasks.
    Task,
    /// An item of a `docs` envelope: the task's threads are in `response.threads`.
    DocsItem,
}

/// One record's bytes and where they came from.
#[derive(Debug, Clone)]
pub struct Record {
    pub bytes: Vec<u8>,
    /// 1-based line where the record starts.
    pub line: u64,
    /// Byte offset where the record starts.
    pub offset: u64,
    pub kind: RecordKind,
    /// The delivery named by the envelope the record came in, if any.
    pub delivery: Arc<Delivery>,
    /// Set when the framing itself is broken here (the input ends inside the record, a bracket
    /// does not match): the record is to be quarantined with this reason.
    pub broken: Option<&'static str>,
}

#[derive(Debug)]
enum Mode {
    Start,
    /// One record per line.
    Lines,
    /// Inside a top-level or envelope array, after `[` or an element.
    Array {
        kind: RecordKind,
        delivery: Arc<Delivery>,
        first: bool,
        in_envelope: bool,
    },
    /// After an envelope's array: the rest of the envelope's members.
    EnvelopeTail,
    /// Between concatenated top-level values.
    Values,
    Done,
}

/// Reads records from a decompressed byte stream.
#[derive(Debug)]
pub struct RecordReader<R> {
    r: R,
    offset: u64,
    line: u64,
    mode: Mode,
    /// Lines recovered from a broken first value, to be read in line mode.
    pending: VecDeque<Record>,
    records: u64,
}

enum Scan {
    /// The value is complete.
    Done,
    /// The input ended inside it.
    Eof,
    /// A closing bracket does not match, or a byte cannot start a value.
    Broken(&'static str),
}

impl<R: BufRead> RecordReader<R> {
    pub fn new(r: R) -> Self {
        RecordReader {
            r,
            offset: 0,
            line: 1,
            mode: Mode::Start,
            pending: VecDeque::new(),
            records: 0,
        }
    }

    /// Records read so far; zero at the end means the input held no JSON value at all.
    pub fn records(&self) -> u64 {
        self.records
    }

    fn peek(&mut self) -> io::Result<Option<u8>> {
        Ok(self.r.fill_buf()?.first().copied())
    }

    fn bump(&mut self, n: usize) {
        let buf = self.r.fill_buf().map(|b| &b[..n]).unwrap_or_default();
        self.line += buf.iter().filter(|&&b| b == b'\n').count() as u64;
        self.offset += n as u64;
        self.r.consume(n);
    }

    /// Skips white space, a UTF-8 byte-order mark, and (when `commas`) commas.
    fn skip_ws(&mut self, commas: bool) -> io::Result<Option<u8>> {
        loop {
            let buf = self.r.fill_buf()?;
            if buf.is_empty() {
                return Ok(None);
            }
            let n = buf
                .iter()
                .take_while(|&&b| {
                    b.is_ascii_whitespace()
                        || (commas && b == b',')
                        || b == 0xEF
                        || b == 0xBB
                        || b == 0xBF
                })
                .count();
            if n == 0 {
                return Ok(Some(buf[0]));
            }
            self.bump(n);
        }
    }

    /// Appends one complete JSON value to `out`, consuming it.
    fn scan_value(&mut self, out: &mut Vec<u8>) -> io::Result<Scan> {
        let mut stack: Vec<u8> = Vec::new();
        let (mut in_str, mut esc) = (false, false);
        let first = match self.peek()? {
            None => return Ok(Scan::Eof),
            Some(b) => b,
        };
        let scalar = !matches!(first, b'{' | b'[' | b'"');
        if scalar && !(first == b'-' || first.is_ascii_alphanumeric()) {
            return Ok(Scan::Broken("expected a JSON value"));
        }
        let mut started = false;
        loop {
            let buf = self.r.fill_buf()?;
            if buf.is_empty() {
                return Ok(if scalar && started {
                    Scan::Done
                } else {
                    Scan::Eof
                });
            }
            let mut end = None;
            let mut broken = None;
            for (i, &b) in buf.iter().enumerate() {
                if scalar {
                    if started
                        && !(b == b'-' || b == b'+' || b == b'.' || b.is_ascii_alphanumeric())
                    {
                        end = Some(i);
                        break;
                    }
                    started = true;
                    continue;
                }
                if in_str {
                    if esc {
                        esc = false;
                    } else if b == b'\\' {
                        esc = true;
                    } else if b == b'"' {
                        in_str = false;
                        if stack.is_empty() {
                            end = Some(i + 1);
                            break;
                        }
                    }
                    continue;
                }
                match b {
                    b'"' => in_str = true,
                    b'{' => stack.push(b'}'),
                    b'[' => stack.push(b']'),
                    b'}' | b']' => {
                        if stack.pop() != Some(b) {
                            broken = Some(i);
                            break;
                        }
                        if stack.is_empty() {
                            end = Some(i + 1);
                            break;
                        }
                    }
                    _ => {}
                }
            }
            if let Some(i) = broken {
                out.extend_from_slice(&buf[..i]);
                self.bump(i);
                return Ok(Scan::Broken("a closing bracket does not match"));
            }
            let n = end.unwrap_or(buf.len());
            out.extend_from_slice(&buf[..n]);
            self.bump(n);
            if end.is_some() {
                return Ok(Scan::Done);
            }
        }
    }

    /// Consumes the rest of the current line into `out`. `BufRead::read_until` finds the newline
    /// with the standard library's word-at-a-time `memchr`; the `memchr` crate's vector search
    /// is several times cheaper on the long lines of a JSONL export.
    fn rest_of_line(&mut self, out: &mut Vec<u8>) -> io::Result<()> {
        loop {
            let buf = match self.r.fill_buf() {
                Ok(buf) => buf,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            let (n, newline) = match memchr::memchr(b'\n', buf) {
                Some(i) => (i + 1, true),
                None => (buf.len(), false),
            };
            out.extend_from_slice(&buf[..n]);
            self.r.consume(n);
            self.offset += n as u64;
            if newline {
                self.line += 1;
            }
            if newline || n == 0 {
                return Ok(());
            }
        }
    }

    fn record(
        &mut self,
        bytes: Vec<u8>,
        line: u64,
        offset: u64,
        kind: RecordKind,
        delivery: Arc<Delivery>,
    ) -> Record {
        self.records += 1;
        Record {
            bytes,
            line,
            offset,
            kind,
            delivery,
            broken: None,
        }
    }

    /// Reads the first top-level object member by member. An envelope's array is streamed;
    /// anything else is gathered into one record.
    fn top_object(&mut self) -> io::Result<Option<Record>> {
        let (line, offset) = (self.line, self.offset);
        let mut raw = Vec::new();
        let mut delivery = Delivery::default();
        let mut has_task_id = false;
        self.bump(1);
        raw.push(b'{');
        loop {
            match self.skip_ws(false)? {
                Some(b'}') => {
                    self.bump(1);
                    raw.push(b'}');
                    let kind = RecordKind::Task;
                    return Ok(Some(self.record(raw, line, offset, kind, Arc::default())));
                }
                Some(b',') => {
                    self.bump(1);
                    raw.push(b',');
                    continue;
                }
                Some(b'"') => {}
                _ => return self.broken_first(raw, line, offset, "expected a key or `}`"),
            }
            let key_start = raw.len();
            if !matches!(self.scan_value(&mut raw)?, Scan::Done) {
                return self.broken_first(raw, line, offset, "the input ends inside a key");
            }
            let key: String = serde_json::from_slice(&raw[key_start..]).unwrap_or_default();
            if self.skip_ws(false)? != Some(b':') {
                return self.broken_first(raw, line, offset, "expected `:` after a key");
            }
            self.bump(1);
            raw.push(b':');
            let next = self.skip_ws(false)?;
            if !has_task_id && (key == "tasks" || key == "docs") && next == Some(b'[') {
                self.bump(1);
                let kind = if key == "docs" {
                    RecordKind::DocsItem
                } else {
                    RecordKind::Task
                };
                self.mode = Mode::Array {
                    kind,
                    delivery: Arc::new(delivery),
                    first: true,
                    in_envelope: true,
                };
                return Ok(None);
            }
            let value_start = raw.len();
            match self.scan_value(&mut raw)? {
                Scan::Done => {}
                Scan::Eof => {
                    return self.broken_first(
                        raw,
                        line,
                        offset,
                        "the input ends inside this record",
                    );
                }
                Scan::Broken(why) => return self.broken_first(raw, line, offset, why),
            }
            has_task_id |= key == "task_id";
            if key == "delivery" {
                delivery = Delivery::from_envelope(&raw[value_start..]);
            }
        }
    }

    /// The first value is broken. If it spans lines, the file is most likely JSONL whose first
    /// line is bad: its lines are read one by one, so one bad line costs one record.
    fn broken_first(
        &mut self,
        raw: Vec<u8>,
        line: u64,
        offset: u64,
        why: &'static str,
    ) -> io::Result<Option<Record>> {
        self.mode = Mode::Lines;
        let mut rest = Vec::new();
        self.rest_of_line(&mut rest)?;
        let mut all = raw;
        all.extend_from_slice(&rest);
        let mut off = offset;
        for (i, l) in all.split_inclusive(|&b| b == b'\n').enumerate() {
            let mut rec = Record {
                bytes: l.to_vec(),
                line: line + i as u64,
                offset: off,
                kind: RecordKind::Task,
                delivery: Arc::default(),
                broken: None,
            };
            off += l.len() as u64;
            if i == 0 {
                rec.broken = Some(why);
            }
            if !l.trim_ascii().is_empty() {
                self.records += 1;
                self.pending.push_back(rec);
            }
        }
        Ok(None)
    }

    fn next_record(&mut self) -> io::Result<Option<Record>> {
        loop {
            if let Some(r) = self.pending.pop_front() {
                return Ok(Some(r));
            }
            match &mut self.mode {
                Mode::Done => return Ok(None),
                Mode::Start => match self.skip_ws(false)? {
                    None => self.mode = Mode::Done,
                    Some(b'[') => {
                        self.bump(1);
                        self.mode = Mode::Array {
                            kind: RecordKind::Task,
                            delivery: Arc::default(),
                            first: true,
                            in_envelope: false,
                        };
                    }
                    Some(b'{') => {
                        let start_line = self.line;
                        let rec = self.top_object()?;
                        if matches!(self.mode, Mode::Start) {
                            // A whole first object: JSONL if it sat on one line, else more values.
                            self.mode = if self.line == start_line {
                                Mode::Lines
                            } else {
                                Mode::Values
                            };
                        }
                        if let Some(rec) = rec {
                            return Ok(Some(rec));
                        }
                    }
                    Some(_) => self.mode = Mode::Lines,
                },
                Mode::Lines => {
                    let (line, offset) = (self.line, self.offset);
                    let mut bytes = Vec::new();
                    self.rest_of_line(&mut bytes)?;
                    if bytes.is_empty() {
                        self.mode = Mode::Done;
                        continue;
                    }
                    if bytes.trim_ascii().is_empty() {
                        continue;
                    }
                    return Ok(Some(self.record(
                        bytes,
                        line,
                        offset,
                        RecordKind::Task,
                        Arc::default(),
                    )));
                }
                Mode::Values => match self.skip_ws(false)? {
                    None => self.mode = Mode::Done,
                    Some(b'{') => {
                        if let Some(rec) = self.top_object()? {
                            return Ok(Some(rec));
                        }
                    }
                    Some(_) => {
                        let (line, offset) = (self.line, self.offset);
                        let mut bytes = Vec::new();
                        self.rest_of_line(&mut bytes)?;
                        let mut rec =
                            self.record(bytes, line, offset, RecordKind::Task, Arc::default());
                        rec.broken = Some("expected a JSON object");
                        return Ok(Some(rec));
                    }
                },
                Mode::EnvelopeTail => {
                    // The envelope's other members (next_token, total) are paging data, not tasks.
                    let mut sink = Vec::new();
                    match self.skip_ws(true)? {
                        None => self.mode = Mode::Done,
                        Some(b'}') => {
                            self.bump(1);
                            self.mode = Mode::Values;
                        }
                        Some(_) => {
                            if !matches!(self.scan_value(&mut sink)?, Scan::Done) {
                                self.mode = Mode::Done;
                                continue;
                            }
                            if self.skip_ws(false)? == Some(b':') {
                                self.bump(1);
                                self.skip_ws(false)?;
                                if !matches!(self.scan_value(&mut sink)?, Scan::Done) {
                                    self.mode = Mode::Done;
                                }
                            }
                        }
                    }
                }
                Mode::Array {
                    kind,
                    delivery,
                    first,
                    in_envelope,
                } => {
                    let (kind, delivery, in_envelope) = (*kind, delivery.clone(), *in_envelope);
                    let was_first = std::mem::replace(first, false);
                    let next = self.skip_ws(!was_first)?;
                    let (line, offset) = (self.line, self.offset);
                    match next {
                        None => {
                            self.mode = Mode::Done;
                            let mut rec = self.record(Vec::new(), line, offset, kind, delivery);
                            rec.broken = Some("the input ends inside the array (truncated?)");
                            return Ok(Some(rec));
                        }
                        Some(b']') => {
                            self.bump(1);
                            self.mode = if in_envelope {
                                Mode::EnvelopeTail
                            } else {
                                Mode::Values
                            };
                            continue;
                        }
                        Some(_) => {}
                    }
                    let mut bytes = Vec::new();
                    let scan = self.scan_value(&mut bytes)?;
                    let mut rec = self.record(bytes, line, offset, kind, delivery);
                    match scan {
                        Scan::Done => {}
                        Scan::Eof => {
                            rec.broken = Some("the input ends inside this record (truncated?)");
                            self.mode = Mode::Done;
                        }
                        Scan::Broken(why) => {
                            // Resynchronise at the next line: arrays of tasks are mostly one
                            // element per line or pretty-printed with elements on new lines.
                            rec.broken = Some(why);
                            self.rest_of_line(&mut rec.bytes)?;
                        }
                    }
                    return Ok(Some(rec));
                }
            }
        }
    }
}

impl<R: BufRead> Iterator for RecordReader<R> {
    type Item = io::Result<Record>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_record().transpose()
    }
}
