//! The generated world: projects, batches, models of known quality, and the tasks drawn from them.

use serde_json::{Map, Value, json};

use crate::rng::Rng;
use crate::text;

struct Model {
    name: String,
    /// 0..1: how good its answers are, which drives its scores and wins.
    quality: f64,
    /// The sampling settings it is run with; each response draws one, so a split by
    /// temperature or top_p is not a split by model.
    temperatures: Vec<f64>,
    max_tokens: i64,
    top_ps: Option<Vec<f64>>,
    top_k: Option<i64>,
}

struct Project {
    id: String,
    name: String,
    created_at: String,
    batches: Vec<(String, String)>,
    /// Model pool this project compares.
    models: Vec<usize>,
    /// The chance that a second rater of an item gives each of its labels as the first did:
    /// one of [`AGREEMENT`], by project.
    agreement: f64,
}

/// The projects' rater agreement levels, in turn: each label of a multi-rated item is kept with
/// this chance, else moved to a neighbouring value.
pub(crate) const AGREEMENT: [f64; 3] = [0.95, 0.8, 0.6];

pub(crate) struct World {
    projects: Vec<Project>,
    models: Vec<Model>,
    mix: &'static Mix,
}

/// What a world is made of, by [`Shape`].
struct Mix {
    families: &'static [&'static str],
    sizes: &'static [&'static str],
    /// How much better each size is than the one before.
    quality_step: f64,
    /// How a model is named from its family, size and a number from 1 to 9.
    name: fn(&str, &str, usize) -> String,
    /// A project compares `pool.0 + rng.below(pool.1)` models.
    pool: (usize, usize),
    /// Word counts of prompts and of answers: fewest and most.
    prompt_words: (usize, usize),
    answer_words: (usize, usize),
    /// Keys every answer is also scored on, from 1 to 7.
    score_keys: &'static [&'static str],
}

/// The kinds of corpus `taskq gen` makes: the mix the built-in sample is drawn from, and one with
/// other keys, models and texts, for checking that query speed holds on other shapes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Shape {
    /// Every annotation type at every scope; 12 models; answers of 40 to 400 words.
    #[default]
    Mixed,
    /// Score-heavy: each answer also scored 1 to 7 on eight more keys; 30 models with long
    /// names; prompts of 5 to 30 words and answers of 10 to 80.
    Scores,
}

impl Shape {
    pub const NAMES: [&'static str; 2] = ["mixed", "scores"];

    pub fn from_name(name: &str) -> Option<Shape> {
        match name {
            "mixed" => Some(Shape::Mixed),
            "scores" => Some(Shape::Scores),
            _ => None,
        }
    }

    fn mix(self) -> &'static Mix {
        match self {
            Shape::Mixed => &MIXED,
            Shape::Scores => &SCORES,
        }
    }
}

const MIXED: Mix = Mix {
    families: MODEL_FAMILIES,
    sizes: SIZES,
    quality_step: 0.2,
    name: |family, size, n| format!("{family}-{size}-2025-{n:02}"),
    pool: (2, 3),
    prompt_words: (12, 80),
    answer_words: (40, 400),
    score_keys: &[],
};

const SCORES: Mix = Mix {
    families: &[
        "northwind/instruct",
        "bluefin/chat",
        "kestrel/reasoner",
        "lumen/assistant",
        "quill/writer",
        "meridian/base-sft",
    ],
    sizes: &["7b", "34b", "70b", "180b", "405b"],
    quality_step: 0.12,
    name: |family, size, n| format!("{family}-{size}-v2.{n}"),
    pool: (3, 4),
    prompt_words: (5, 30),
    answer_words: (10, 80),
    score_keys: &[
        "helpfulness",
        "harmlessness",
        "honesty",
        "coherence",
        "conciseness",
        "creativity",
        "correctness",
        "style",
    ],
};

const DOMAINS: &[&str] = &[
    "Finance",
    "Coding",
    "Medical",
    "Legal",
    "Travel",
    "Retail",
    "Education",
    "Science",
    "Support",
    "Creative Writing",
    "Math",
    "Safety",
];
const ARCHETYPES: &[&str] = &[
    "RLHF Pref Ranking",
    "SFT Rewrites",
    "Rubric Evals",
    "Likert Evals",
];
const MODEL_FAMILIES: &[&str] = &["acme-llm", "zenith", "orca-chat", "nimbus"];
const SIZES: &[&str] = &["small", "medium", "large"];
const SLOTS: &[&str] = &["base_model", "test_model", "model_a", "model_b", "model_c"];
const TONES: &[&str] = &["neutral", "formal", "casual", "enthusiastic"];
const ISSUES: &[&str] = &[
    "factual_error",
    "formatting",
    "verbosity",
    "unsupported_claim",
    "refusal",
    "unsafe",
];

fn hex_id(rng: &mut Rng, prefix: &str) -> String {
    format!(
        "{prefix}{:016x}{:08x}",
        rng.next_u64(),
        rng.next_u64() as u32
    )
}

fn timestamp(secs: i64, millis: i64) -> String {
    chrono_free::format_utc(secs, millis)
}

mod chrono_free {
    /// RFC 3339 UTC with milliseconds, from seconds since the epoch (civil-from-days).
    pub(crate) fn format_utc(secs: i64, millis: i64) -> String {
        let days = secs.div_euclid(86_400);
        let rem = secs.rem_euclid(86_400);
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = doy - (153 * mp + 2) / 5 + 1;
        let m = if mp < 10 { mp + 3 } else { mp - 9 };
        let y = yoe + era * 400 + i64::from(m <= 2);
        format!(
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{millis:03}Z",
            rem / 3600,
            rem % 3600 / 60,
            rem % 60
        )
    }
}

/// 2025-01-01T00:00:00Z.
const EPOCH_2025: i64 = 1_735_689_600;

impl World {
    pub(crate) fn new(seed: u64, shape: Shape) -> World {
        let mix = shape.mix();
        let mut rng = Rng::new(seed);
        let mut models = Vec::new();
        for family in mix.families {
            for (si, size) in mix.sizes.iter().enumerate() {
                let month = 1 + rng.below(9);
                let n_temperatures = 2 + rng.below(2);
                models.push(Model {
                    name: (mix.name)(family, size, month),
                    quality: (0.35 + mix.quality_step * si as f64 + rng.unit() * 0.2).min(0.95),
                    temperatures: distinct(
                        &mut rng,
                        &[0.0, 0.2, 0.5, 0.7, 0.9, 1.0],
                        n_temperatures,
                    ),
                    max_tokens: *rng.pick(&[256, 512, 1024, 2048, 2048, 4096]),
                    top_ps: rng
                        .chance(0.5)
                        .then(|| distinct(&mut rng, &[0.8, 0.9, 0.95, 1.0], 2)),
                    top_k: rng.chance(0.3).then(|| *rng.pick(&[20, 40, 50])),
                });
            }
        }
        let mut projects = Vec::new();
        for (di, domain) in DOMAINS.iter().enumerate() {
            for archetype in ARCHETYPES.iter().take(1 + (di % 3)) {
                let id = hex_id(&mut rng, "");
                let name = format!("{domain} {archetype}");
                let created = EPOCH_2025 - 86_400 * (10 + rng.below(60) as i64);
                let n_batches = 3 + rng.below(12);
                let slug = name.to_lowercase().replace(' ', "-");
                let batches = (0..n_batches)
                    .map(|b| {
                        (
                            hex_id(&mut rng, ""),
                            format!("{slug}-2025-w{:02}", 1 + b * 3),
                        )
                    })
                    .collect();
                let all: Vec<usize> = (0..models.len()).collect();
                let pool_size = mix.pool.0 + rng.below(mix.pool.1);
                let pool = distinct(&mut rng, &all, pool_size);
                let agreement = AGREEMENT[projects.len() % AGREEMENT.len()];
                projects.push(Project {
                    id,
                    name,
                    created_at: timestamp(created, 0),
                    batches,
                    models: pool,
                    agreement,
                });
            }
        }
        World {
            projects,
            models,
            mix,
        }
    }

    /// Whether a task is an item several raters label: some of the completed tasks whose
    /// threads all say who submitted them.
    pub(crate) fn is_item(&self, rng: &mut Rng, task: &Value) -> bool {
        let threads = match task.get("threads") {
            Some(Value::Array(t)) if !t.is_empty() => t,
            _ => return false,
        };
        threads.iter().all(|t| t.get("submissions").is_some()) && rng.chance(ITEM_SHARE)
    }

    /// Another rater's copy of an item: the same prompts and answers, a new task id `i`, a new
    /// contributor, and each label kept with the project's agreement chance, else moved to a
    /// neighbouring value (a preference to another answer).
    pub(crate) fn relabel(&self, rng: &mut Rng, item: &Value, i: usize, rater: usize) -> Value {
        let project_id = item["project"]
            .as_str()
            .or_else(|| item["project"]["id"].as_str())
            .unwrap_or_default();
        let agreement = self
            .projects
            .iter()
            .find(|p| p.id == project_id)
            .map_or(AGREEMENT[0], |p| p.agreement);
        let mut task = item.clone();
        task["task_id"] = json!(format!("{:08x}{}", i, &hex_id(rng, "")[..16]));
        if let Some(Value::Array(threads)) = task.get_mut("threads") {
            for thread in threads {
                // Rater r of an item is a contributor r·131 places after the first (of 400).
                if let Some(Value::Array(subs)) = thread.get_mut("submissions") {
                    for s in subs {
                        let first = s["contributor_id"]
                            .as_str()
                            .and_then(|c| c.strip_prefix("contrib_"))
                            .and_then(|n| usize::from_str_radix(n, 16).ok())
                            .unwrap_or_default();
                        s["contributor_id"] = json!(format!(
                            "contrib_{:04x}",
                            (first + 131 * rater) % CONTRIBUTORS
                        ));
                    }
                }
                relabel_all(rng, thread, agreement);
            }
        }
        strip_ids(&mut task);
        assign_ids(&mut task, rng);
        task
    }

    pub(crate) fn task(&self, rng: &mut Rng, i: usize) -> Value {
        // Zipf-like: project k is picked with weight 1/(k+1).
        let weights: Vec<f64> = (0..self.projects.len())
            .map(|k| 1.0 / (k as f64 + 1.0))
            .collect();
        let p = &self.projects[rng.weighted(&weights)];
        let (batch_id, batch_name) = rng.pick(&p.batches).clone();
        let created = EPOCH_2025 + 86_400 * rng.below(300) as i64 + rng.below(86_400) as i64;
        let mut t = Map::new();
        t.insert(
            "task_id".into(),
            json!(format!("{:08x}{}", i, &hex_id(rng, "")[..16])),
        );
        let expanded = rng.chance(0.15);
        if expanded {
            t.insert(
                "project".into(),
                json!({"id": p.id, "name": p.name, "created_at": p.created_at, "types": [p.name.split(' ').skip(1).collect::<Vec<_>>().join(" ")]}),
            );
            t.insert(
                "batch".into(),
                json!({"id": batch_id, "name": batch_name, "project": p.id, "created_at": timestamp(created - 86_400 * 3, 0), "status": "completed", "metadata": {}}),
            );
        } else {
            t.insert("project".into(), json!(p.id));
            t.insert("batch".into(), json!(batch_id));
        }
        let status = *rng.pick_weighted(&[
            ("completed", 86.0),
            ("pending", 6.0),
            ("canceled", 3.0),
            ("error", 3.0),
            ("reported", 2.0),
        ]);
        t.insert(
            "status".into(),
            json!(if status == "reported" {
                "completed"
            } else {
                status
            }),
        );
        t.insert(
            "created_at".into(),
            json!(timestamp(created, rng.below(1000) as i64)),
        );
        let hours = (rng.unit() * rng.unit() * 72.0 * 3600.0) as i64 + 600;
        let completed = created + hours;
        if status != "pending" {
            t.insert(
                "completed_at".into(),
                json!(timestamp(completed, rng.below(1000) as i64)),
            );
        }
        if rng.chance(0.9) {
            t.insert(
                "metadata".into(),
                json!({"customer_ref": format!("conv-{i:05}"), "locale": rng.pick(&["en-US", "en-GB", "fr-FR", "de-DE", "ja-JP"]), "tags": [rng.pick(&["multi-turn", "single-turn", "tools", "long-context"])]}),
            );
        }
        match status {
            "completed" => {
                let bare = rng.chance(0.1);
                let n_threads = if rng.chance(0.85) { 1 } else { 2 };
                let threads: Vec<Value> = (0..n_threads)
                    .map(|ti| self.thread(rng, p, ti, bare, (created + 1, completed)))
                    .collect();
                t.insert("threads".into(), Value::Array(threads));
            }
            "reported" => {
                t.insert(
                    "sensitive_content_reports".into(),
                    json!([{"type": rng.pick(&["self_harm", "violence", "sexual_content", "hate"]), "message": "The contributor stopped and reported the task."}]),
                );
            }
            "error" => {
                t.insert("threads".into(), json!([]));
                t.insert(
                    "errors".into(),
                    json!([{"type": rng.pick(&["LANGUAGE_MISMATCH", "PROMPT_LENGTH_EXCEEDED", "PROMPT_INFEASIBLE", "INVALID_CATEGORY"]), "message": "The task could not be completed as specified."}]),
                );
            }
            _ => {
                t.insert("threads".into(), json!([]));
            }
        }
        let mut task = Value::Object(t);
        assign_ids(&mut task, rng);
        task
    }

    /// `work`: the seconds between the task's creation and completion, when its threads were
    /// submitted.
    fn thread(&self, rng: &mut Rng, p: &Project, ti: usize, bare: bool, work: (i64, i64)) -> Value {
        let n_turns = 1 + rng.weighted(&[6.0, 3.0, 1.0]);
        let turns: Vec<Value> = (0..n_turns).map(|ui| self.turn(rng, p, ui, bare)).collect();
        let mut anns = vec![scale(
            bare,
            "overall_quality",
            1 + rng.weighted(&[1.0, 2.0, 4.0, 6.0, 4.0]),
            5,
        )];
        if !bare {
            if rng.chance(0.3) {
                let link = hex_id(rng, "an_");
                anns[0]["metadata"] = json!({"criteria": {"id": link, "key": "overall_quality_guideline", "type": "text", "value": "Score the whole conversation."}});
            }
            if rng.chance(0.05) {
                let token = format!("wst_{:016x}", rng.next_u64());
                anns.push(ann(bare, "execution_environment", "workspace_container", json!({
                    "workspace_id": "ws_gen", "workspace_config": {"workspace_id": "ws_gen", "workspace_url": "https://workspaces.example.com/ws_gen", "workspace_token": token, "expires_at": "2025-12-31T00:00:00Z", "inactivity_freeze_time": 1800},
                    "last_code_run_event": {"id": "run_1", "result": {"status": {"code": 0, "name": "SUCCESS"}, "time": rng.unit() * 5.0, "score": 1.0}},
                    "stdout_output": {"content": "3 passed\n"}})));
            }
            if rng.chance(0.05) {
                anns.push(ann(bare, "voice_explanation", "file", json!({"mime_type": "audio/wav", "scale_url": "https://files.example.com/a.wav", "duration": 5.0 + rng.unit() * 20.0, "transcript": text::sentence(rng, 12)})));
            }
            if rng.chance(0.2) {
                anns.push(ann(
                    bare,
                    "reviewer_comment",
                    "text",
                    json!(text::sentence(rng, 14)),
                ));
            }
            if rng.chance(0.1) {
                anns.push(ann(bare, "spans", "labeled_text", json!([{"label": "claim", "text": text::sentence(rng, 5)}, {"label": "opinion", "text": text::sentence(rng, 4)}])));
            }
        }
        let mut thread = json!({"id": format!("thread_{ti}"), "turns": turns, "annotations": anns});
        if rng.chance(0.7) {
            let submitted = work.0 + rng.below((work.1 - work.0) as usize) as i64;
            thread["submissions"] = json!([{"submitted_at": timestamp(submitted, 0), "contributor_id": contributor(rng)}]);
        }
        thread
    }

    fn turn(&self, rng: &mut Rng, p: &Project, ui: usize, bare: bool) -> Value {
        let mut messages = Vec::new();
        if ui == 0 && rng.chance(0.3) {
            messages.push(json!({"role": "system", "content": {"text": "You are a helpful assistant."}, "source_id": "system", "annotations": []}));
        }
        let (least, most) = self.mix.prompt_words;
        let mut user = json!({"role": "user", "content": {"text": text::paragraph(rng, least, most)}, "source_id": "user", "annotations": []});
        if rng.chance(0.05) {
            user["content"]["attachments"] = json!([{"content": "UmV2ZW51ZSBRMTogMS4yTQo=", "mime_type": "text/plain", "name": "figures.txt", "scale_url": "https://files.example.com/f.txt"}]);
        }
        if rng.chance(0.08) {
            user["content"]["reference_texts"] = json!([{"content": text::sentence(rng, 15), "category": "source", "url": "https://docs.example.com/ref"}]);
        }
        messages.push(user);
        if rng.chance(0.05) {
            messages.push(json!({"role": "function", "content": {"text": "{\"tool\": \"search\", \"results\": 3}"}, "source_id": "search_tool", "annotations": []}));
        }
        // Each assistant in a turn is a different model of the project's pool: a pairwise
        // judgement of a model against itself says nothing, and real comparisons avoid it.
        let n_resp = (1 + rng.weighted(&[2.0, 5.0, 1.0])).min(p.models.len());
        let models = distinct(rng, &p.models, n_resp);
        let slots: Vec<&str> = if n_resp == 2 && rng.chance(0.5) {
            vec!["base_model", "test_model"]
        } else {
            SLOTS[2..2 + n_resp].to_vec()
        };
        let with_rubric = !bare && rng.chance(0.15);
        let mut scores = Vec::new();
        for (slot, m) in slots.iter().zip(&models) {
            let m = &self.models[*m];
            let quality = (m.quality + (rng.unit() - 0.5) * 0.4).clamp(0.0, 1.0);
            scores.push((slot.to_string(), quality));
            messages.push(self.response(rng, m, slot, quality, bare, with_rubric));
        }
        let mut anns = Vec::new();
        if slots.len() >= 2 {
            let mut order = scores.clone();
            order.sort_by(|a, b| b.1.total_cmp(&a.1));
            anns.push(ann(
                bare,
                "selected_model_id",
                "category",
                json!(order[0].0),
            ));
            let margin = order[0].1 - order[1].1;
            anns.push(scale(
                bare,
                "likert_value",
                1 + ((1.0 - margin.min(1.0)) * 6.0) as usize,
                7,
            ));
            if !bare {
                anns.push(ann(
                    bare,
                    "preference_ranking",
                    "ranked_choices",
                    json!(order.iter().map(|o| o.0.clone()).collect::<Vec<_>>()),
                ));
                if rng.chance(0.3) {
                    let (tied, rest) = order.split_at(if margin < 0.1 { 2 } else { 1 });
                    let groups: Vec<Vec<String>> = [tied, rest]
                        .iter()
                        .filter(|g| !g.is_empty())
                        .map(|g| g.iter().map(|o| o.0.clone()).collect())
                        .collect();
                    anns.push(ann(
                        bare,
                        "preference_groups",
                        "ranked_groups",
                        json!(groups),
                    ));
                }
                if rng.chance(0.2) {
                    anns.push(ann(
                        bare,
                        "justification",
                        "text",
                        json!(text::sentence(rng, 18)),
                    ));
                }
            }
        }
        if !bare && rng.chance(0.08) {
            anns.push(ann(bare, "supporting_documents", "file", json!([{"mime_type": "application/pdf", "name": "evidence.pdf", "scale_url": "https://files.example.com/e.pdf"}])));
        }
        if with_rubric {
            anns.push(ann(
                bare,
                "criterion_accuracy",
                "rubric_criteria",
                json!({"weight": 2}),
            ));
            anns.push(ann(bare, "criterion_accuracy_rating", "rubric_rating", json!({"score": rng.below(3), "color": rng.pick(&["red", "yellow", "green"]), "justification": text::sentence(rng, 8)})));
        }
        let mut turn =
            json!({"id": format!("turn_{ui}"), "messages": messages, "annotations": anns});
        if with_rubric {
            turn["rubrics"] = json!([{"max_total_score": 5, "criteria_definitions": [
                {"id": "crit_accuracy", "criterion": "States the correct answer.", "weight": 3, "annotations": [ann(bare, "criterion_weight", "rubric_criteria", json!({"weight": 3}))]},
                {"id": "crit_concise", "criterion": "Answers concisely.", "weight": 2, "annotations": []}
            ]}]);
        }
        turn
    }

    fn response(
        &self,
        rng: &mut Rng,
        m: &Model,
        slot: &str,
        quality: f64,
        bare: bool,
        with_rubric: bool,
    ) -> Value {
        let body = text::paragraph(rng, self.mix.answer_words.0, self.mix.answer_words.1);
        let temperature = *rng.pick(&m.temperatures);
        let mut params = json!({"model": m.name, "temperature": temperature, "max_completion_tokens": m.max_tokens});
        if let Some(top_ps) = &m.top_ps {
            params["top_p"] = json!(rng.pick(top_ps));
        }
        if let Some(k) = m.top_k {
            params["top_k"] = json!(k);
        }
        let likert = |q: f64, n: usize, rng: &mut Rng| {
            (1 + ((q + (rng.unit() - 0.5) * 0.3).clamp(0.0, 0.999) * n as f64) as usize).min(n)
        };
        let mut anns = vec![
            scale(bare, "instruction_following", likert(quality, 3, rng), 3),
            scale(bare, "truthfulness", likert(quality, 5, rng), 5),
        ];
        for key in self.mix.score_keys {
            anns.push(scale(bare, key, likert(quality, 7, rng), 7));
        }
        if !bare {
            anns.push(ann(
                bare,
                "contains_pii",
                "boolean",
                json!(rng.chance(0.03)),
            ));
            anns.push(ann(
                bare,
                "tone",
                "category",
                json!(TONES[rng.weighted(&[6.0, 2.0, 1.5, 0.5])]),
            ));
            let n_issues = if quality > 0.7 {
                rng.weighted(&[6.0, 1.0])
            } else {
                rng.weighted(&[2.0, 3.0, 1.0])
            };
            let issues: Vec<&str> = (0..n_issues)
                .map(|_| ISSUES[rng.weighted(&[3.0, 2.0, 2.0, 1.5, 0.5, 0.2])])
                .collect();
            anns.push(ann(bare, "issues", "category_multiple", json!(issues)));
            if quality < 0.5 && rng.chance(0.4) {
                let mut rewrite = ann(
                    bare,
                    "rewrite",
                    "text",
                    json!(text::paragraph(rng, 30, 200)),
                );
                rewrite["justification"] = json!(text::sentence(rng, 10));
                anns.push(rewrite);
            }
            if rng.chance(0.05) {
                anns.push(json!({"key": "safety_notes", "type": "text", "not_applicable": true, "cannot_assess": false}));
            }
        } else {
            anns.push(scale(bare, "overall", likert(quality, 5, rng), 5));
        }
        let mut content = json!({"text": body});
        if !bare && rng.chance(0.1) {
            content["chunks"] = json!([
                {"type": "text", "text": text::sentence(rng, 10), "annotations": [scale(bare, "chunk_correct", likert(quality, 3, rng), 3)]},
                {"type": "text", "text": text::sentence(rng, 10), "annotations": []}
            ]);
        }
        if rng.chance(0.1) {
            content["reasoning"] = json!([{"content": text::paragraph(rng, 10, 60)}]);
        }
        let mut msg = json!({"role": "assistant", "content": content, "source_id": slot, "model_parameters": params, "annotations": anns});
        if with_rubric {
            let s1 = i64::from(quality > 0.5);
            let s2 = i64::from(quality > 0.3);
            msg["rubric_evaluations"] = json!([{
                "criteria_evaluations": [
                    {"criterion_definition_id": "crit_accuracy", "score": s1, "annotations": [ann(bare, "criterion_met", "boolean", json!(s1 == 1))]},
                    {"criterion_definition_id": "crit_concise", "score": s2, "annotations": []}
                ],
                "annotations": [ann(bare, "evaluation_agreed", "boolean", json!(rng.chance(0.9)))],
                "total_score": s1 * 3 + s2 * 2,
                "percentage": (s1 * 3 + s2 * 2) as f64 * 20.0
            }]);
        }
        msg
    }
}

/// The share of completed tasks with submissions that are items for several raters.
const ITEM_SHARE: f64 = 0.1;

/// How many contributors label the generated projects.
const CONTRIBUTORS: usize = 400;

fn contributor(rng: &mut Rng) -> String {
    format!("contrib_{:04x}", rng.below(CONTRIBUTORS))
}

/// Moves each rating of a thread with chance 1 − `agreement`: an integer on a scale to a
/// neighbouring value, a category to another of its options, a boolean to the other, a turn's
/// selected answer to another of its assistants (its ranking and groups follow).
fn relabel_all(rng: &mut Rng, v: &mut Value, agreement: f64) {
    let Value::Object(o) = v else {
        if let Value::Array(a) = v {
            a.iter_mut().for_each(|c| relabel_all(rng, c, agreement));
        }
        return;
    };
    let slots: Vec<String> = o
        .get("messages")
        .and_then(Value::as_array)
        .map(|m| {
            m.iter()
                .filter(|m| m["role"] == "assistant")
                .filter_map(|m| m["source_id"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    if let Some(Value::Array(anns)) = o.get_mut("annotations") {
        let mut selected = None;
        for a in anns.iter_mut() {
            if rng.unit() < agreement {
                continue;
            }
            let key = a["key"].as_str().unwrap_or_default().to_owned();
            match (&a["value"], a.get("possible_values")) {
                (Value::String(s), _) if key == "selected_model_id" && slots.len() >= 2 => {
                    let others: Vec<&String> = slots.iter().filter(|x| *x != s).collect();
                    let new = (*rng.pick(&others)).clone();
                    a["value"] = json!(new);
                    selected = Some(new);
                }
                (Value::Number(n), Some(Value::Array(options))) => {
                    let (n, top) = (n.as_i64().unwrap_or(1), options.len() as i64);
                    let step = if n <= 1 {
                        1
                    } else if n >= top || rng.chance(0.5) {
                        -1
                    } else {
                        1
                    };
                    a["value"] = json!(n + step);
                }
                // A rating with no scale given (a turn's likert_value, or any rating of a bare
                // task) moves down, or up from the bottom, so that it stays on its scale.
                (Value::Number(n), None) => {
                    let n = n.as_i64().unwrap_or(1);
                    a["value"] = json!(if n <= 1 { 2 } else { n - 1 });
                }
                (Value::Bool(b), _) => a["value"] = json!(!b),
                (Value::String(s), Some(Value::Array(options))) => {
                    let others: Vec<&Value> =
                        options.iter().filter(|o| o.as_str() != Some(s)).collect();
                    if !others.is_empty() {
                        a["value"] = (*rng.pick(&others)).clone();
                    }
                }
                _ => {}
            }
        }
        // The ranking and the groups put the newly selected answer first.
        if let Some(first) = selected {
            for a in anns.iter_mut() {
                match a["key"].as_str() {
                    Some("preference_ranking") => {
                        if let Value::Array(items) = &mut a["value"] {
                            items.retain(|x| x.as_str() != Some(&first));
                            items.insert(0, json!(first));
                        }
                    }
                    Some("preference_groups") => {
                        if let Value::Array(groups) = &mut a["value"] {
                            for g in groups.iter_mut() {
                                if let Value::Array(items) = g {
                                    items.retain(|x| x.as_str() != Some(&first));
                                }
                            }
                            groups.retain(|g| g.as_array().is_some_and(|g| !g.is_empty()));
                            groups.insert(0, json!([first]));
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    for (k, c) in o.iter_mut() {
        if k != "annotations" {
            relabel_all(rng, c, agreement);
        }
    }
}

/// Removes the annotation ids [`assign_ids`] gave, so that a copy gets its own.
fn strip_ids(v: &mut Value) {
    match v {
        Value::Object(o) => {
            if let Some(Value::Array(anns)) = o.get_mut("annotations") {
                for a in anns.iter_mut().filter_map(Value::as_object_mut) {
                    if a.contains_key("type") {
                        a.remove("id");
                    }
                }
            }
            o.values_mut().for_each(strip_ids);
        }
        Value::Array(a) => a.iter_mut().for_each(strip_ids),
        _ => {}
    }
}

/// `n` different items of `items`, in random order.
fn distinct<T: Copy>(rng: &mut Rng, items: &[T], n: usize) -> Vec<T> {
    let mut left = items.to_vec();
    (0..n.min(items.len()))
        .map(|_| left.swap_remove(rng.below(left.len())))
        .collect()
}

/// An integer rating `value` on the scale 1..=`max`, which its `possible_values` list.
fn scale(bare: bool, key: &str, value: usize, max: usize) -> Value {
    let mut a = ann(bare, key, "integer", json!(value));
    if !bare {
        a["possible_values"] = json!((1..=max).collect::<Vec<_>>());
    }
    a
}

/// An annotation; `bare` ones look like default API responses: only key and value. Ids are
/// given by [`assign_ids`] once the task is built.
fn ann(bare: bool, key: &str, ty: &str, value: Value) -> Value {
    if bare {
        return json!({"key": key, "value": value});
    }
    let mut a = json!({"key": key, "type": ty, "title": key.replace('_', " "), "value": value});
    match ty {
        "boolean" => a["possible_values"] = json!([true, false]),
        "category" if key == "tone" => {
            a["possible_values"] = json!(TONES);
            a["labels"] = json!(["Neutral", "Formal", "Casual", "Enthusiastic"]);
        }
        "category_multiple" => a["possible_values"] = json!(ISSUES),
        _ => {}
    }
    a
}

/// Gives every annotation that has a `type` (the detailed form) an `id`, in document order.
fn assign_ids(v: &mut Value, rng: &mut Rng) {
    match v {
        Value::Object(o) => {
            if let Some(Value::Array(anns)) = o.get_mut("annotations") {
                for a in anns
                    .iter_mut()
                    .filter(|a| a.get("type").is_some() && a.get("id").is_none())
                {
                    a["id"] = json!(hex_id(rng, "an_"));
                }
            }
            o.values_mut().for_each(|c| assign_ids(c, rng));
        }
        Value::Array(a) => a.iter_mut().for_each(|c| assign_ids(c, rng)),
        _ => {}
    }
}
