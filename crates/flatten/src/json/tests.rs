//! The differential test: the tree parser against serde_json, which stays the reference.

use taskq_core::{REDACTED, SECRET_KEYS};

use super::build::MAX_DEPTH;
use super::*;

fn roundtrip(text: &str) -> String {
    let arena = Bump::new();
    parse(text.as_bytes(), &arena, &mut Scratch::default())
        .unwrap()
        .to_json()
}

#[test]
fn serialises_as_serde_json_values_do() {
    let mut many_keys: Vec<String> = (0..100).map(|i| format!("\"k{}\":{i}", i % 70)).collect();
    many_keys.push(r#""k3":"last""#.into());
    let many_keys = format!("{{{}}}", many_keys.join(","));
    for text in [
        r#"{"a":1,"b":[true,false,null],"c":{"d":"e\n\"f\"","g":-3,"h":7.0,"i":1e300}}"#,
        r#"[0.1,-0.0,18446744073709551615,-9223372036854775808,2.5e-8,"\u00e9\ud83d\ude00"]"#,
        r#"{"k":"v","k":"w","j":1,"k":"x"}"#,
        many_keys.as_str(),
        r#"{"outer":{"workspace_token":{"nested":"secret"},"x":[{"workspace_token":"t"}]}}"#,
        r#""plain""#,
        "  3  ",
    ] {
        let text: &str = text;
        let mut expected: serde_json::Value = serde_json::from_str(text).unwrap();
        redact_value(&mut expected);
        assert_eq!(roundtrip(text), expected.to_string(), "{text}");
    }
}

fn redact_value(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(o) => {
            for (k, child) in o.iter_mut() {
                if SECRET_KEYS.contains(&k.as_str()) {
                    *child = REDACTED.into();
                } else {
                    redact_value(child);
                }
            }
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(redact_value),
        _ => {}
    }
}

#[test]
fn errors_are_serde_jsons() {
    let arena = Bump::new();
    for text in [&b"{\"a\":}"[..], b"[1,2", b"{\"a\":1} x", b"\"\xff\"", b""] {
        let ours = parse(text, &arena, &mut Scratch::default())
            .unwrap_err()
            .to_string();
        let theirs = serde_json::from_slice::<serde_json::Value>(text)
            .unwrap_err()
            .to_string();
        assert_eq!(ours, theirs);
    }
}

/// Both parsers' answers, as text that tells `-0.0` from `0.0`, or their errors. Ours
/// parses with `scratch` as left by the inputs before, some of them given up on.
fn both(text: &[u8], scratch: &mut Scratch) -> (Result<String, String>, Result<String, String>) {
    let show = |r: Result<Node, serde_json::Error>| {
        r.map(|n| format!("{n:?} {}", n.to_json()))
            .map_err(|e| e.to_string())
    };
    let (a, b) = (Bump::new(), Bump::new());
    let theirs = Scratch::default().lend(&b, |ctx, _| reference::parse(text, ctx));
    (show(parse(text, &a, scratch)), show(theirs))
}

/// A small deterministic generator, so a failure names an input that can be made again.
struct XorShift(u64);

impl XorShift {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

#[test]
fn parses_as_serde_json_does() {
    let mut texts: Vec<Vec<u8>> = [
        "01",
        "1.",
        ".5",
        "+1",
        "NaN",
        "[1,]",
        "{\"a\":1,}",
        "[1 2]",
        "{\"a\" 1}",
        "tru",
        "true x",
        "{\"a\":1}{}",
        "\u{feff}1",
        " \t\n\r1\r\n",
        "\"a\u{1}b\"",
        "\"\\x\"",
        "\"\\ud800\"",
        "\"\\udc00\"",
        "\"\\ud800\\u0041\"",
        "\"\\uD83D\\uDE00\"",
        "\"\\u0000\"",
        "1e400",
        "-1e400",
        "1e-400",
        "-1e-400",
        "18446744073709551616",
        "-9223372036854775809",
        "123456789012345678901234567890",
        "2.2250738585072011e-308",
        "4.9e-324",
        "1.7976931348623157e308",
        "1.7976931348623159e308",
        "9007199254740993.0",
        "1.00000000000000011102230246251565404236316680908203125",
        "-0",
        "-0.0",
        "-0.000e5",
        "-0e-3",
        "[0.0,\"2026-05-03\"]",
        "{\"t\":0.0,\"d\":-0.5}",
        "{\"t\":0.0,\"z\":\"UTC-0\"}",
    ]
    .iter()
    .map(|t| t.as_bytes().to_vec())
    .collect();
    texts.push(b"\"\xff\"".to_vec());
    for depth in [MAX_DEPTH, MAX_DEPTH + 1, 200] {
        texts.push(format!("{}{}", "[".repeat(depth), "]".repeat(depth)).into_bytes());
        let object = format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth));
        texts.push(object.into_bytes());
    }
    let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/fixtures");
    for entry in std::fs::read_dir(fixtures).unwrap() {
        texts.push(std::fs::read(entry.unwrap().path()).unwrap());
    }
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    for _ in 0..100_000 {
        // Numbers: sign, 1 to 25 digits, a decimal point anywhere, an exponent or none.
        let digits = 1 + rng.below(25);
        let mut text: String = (0..digits)
            .map(|_| char::from(b'0' + rng.below(10) as u8))
            .collect();
        if text.len() > 1 && text.starts_with('0') && rng.below(4) > 0 {
            text.replace_range(..1, "7");
        }
        let dot = rng.below(digits + 1);
        if dot > 0 && dot < digits {
            text.insert(dot, '.');
        }
        if rng.below(2) == 0 {
            text.insert(0, '-');
        }
        if rng.below(2) == 0 {
            text.push_str(&format!("e{}", rng.below(680) as i64 - 350));
        }
        texts.push(text.into_bytes());
    }
    let pieces = [
        "a",
        "\\n",
        "\\\"",
        "\\\\",
        "\\u0041",
        "\\ud83d\\ude00",
        "\\ud800",
        "\\udc00",
        "\u{1}",
        "\u{7f}",
        "é",
        "😀",
        "\\/",
        "\\b",
        "\\x",
        "\\u12",
        "\t",
        "\"",
        "\\uD834\\uDD1E",
        "\\u001F",
        "\\f",
        "\\r",
        "-0",
        ".0",
    ];
    for _ in 0..50_000 {
        // Strings of escapes, valid and not, as values and as keys.
        let text: String = (0..rng.below(12))
            .map(|_| pieces[rng.below(pieces.len())])
            .collect();
        texts.push(format!("\"{text}\"").into_bytes());
        texts.push(format!("{{\"{text}\":-0,\"k\":0.0}}").into_bytes());
    }
    let mut read_by_serde_json = 0;
    let mut scratch = Scratch::default();
    for text in texts {
        let (ours, reference) = both(&text, &mut scratch);
        assert_eq!(ours, reference, "{}", String::from_utf8_lossy(&text));
        // And written back as serde_json writes what it read.
        if let Ok(mut value) = serde_json::from_slice::<serde_json::Value>(&text) {
            redact_value(&mut value);
            let arena = Bump::new();
            let node = parse(&text, &arena, &mut scratch).unwrap();
            assert_eq!(node.to_json(), value.to_string());
        }
        // All that serde_json takes, ours takes itself, but integers past 64 bits.
        let arena = Bump::new();
        let direct = std::str::from_utf8(&text)
            .ok()
            .and_then(|t| scratch.lend(&arena, |ctx, unescaped| direct::parse(t, ctx, unescaped)));
        let digits = text.strip_prefix(b"-").unwrap_or(&text);
        let long_integer = digits.len() > 19 && digits.iter().all(u8::is_ascii_digit);
        if reference.is_ok() && !long_integer {
            assert!(direct.is_some(), "{}", String::from_utf8_lossy(&text));
            read_by_serde_json += 1;
        }
    }
    assert!(read_by_serde_json > 100_000, "{read_by_serde_json}");
}

#[test]
fn scratch_keeps_its_room_and_no_items() {
    let mut scratch = Scratch::default();
    let arena = Bump::new();
    let members: Vec<String> = (0..50)
        .map(|i| format!("\"k{i}\":[{i},\"a\\n\"]"))
        .collect();
    let text = format!("{{{}}}", members.join(","));
    parse(text.as_bytes(), &arena, &mut scratch).unwrap();
    let room = (scratch.items.capacity(), scratch.members.capacity());
    assert!(room.0 >= 2 && room.1 >= 50, "{room:?}");
    // Given up on by both parsers half way, with items and members on the stacks.
    assert!(parse(br#"{"a":[1,{"b":[2,"#, &arena, &mut scratch).is_err());
    assert!(scratch.items.is_empty() && scratch.members.is_empty());
    assert!(scratch.items.capacity() >= room.0 && scratch.members.capacity() >= room.1);
}

#[test]
fn negative_zero_stays_negative() {
    let arena = Bump::new();
    let node = parse(
        b"[-0, -0.0, -0.00e5, 0.0, 0]",
        &arena,
        &mut Scratch::default(),
    )
    .unwrap();
    assert_eq!(node.to_json(), "[-0.0,-0.0,-0.0,0.0,0]");
}

#[test]
fn deep_nesting_is_refused_not_overflowed() {
    let arena = Bump::new();
    let deep = "[".repeat(100_000);
    assert!(parse(deep.as_bytes(), &arena, &mut Scratch::default()).is_err());
}

#[test]
fn numbers_read_and_print_like_serde_json() {
    let arena = Bump::new();
    let node = parse(
        b"[7.0,3,-0.5,0.013459268511805123]",
        &arena,
        &mut Scratch::default(),
    )
    .unwrap();
    let Node::Arr(items) = node else {
        panic!("not an array")
    };
    let texts: Vec<_> = items
        .iter()
        .map(|n| match n {
            Node::Num(x) => x.to_text(),
            _ => unreachable!(),
        })
        .collect();
    assert_eq!(texts, ["7.0", "3", "-0.5", "0.013459268511805123"]);
}
