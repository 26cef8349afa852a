//! The shapes of ClearML requests and answers: the envelope, the endpoint
//! path, and typed, validating access to the fields of a JSON request body
//! (a missing field is 400/11, a mistyped one 400/12).

use crate::error::{AppError, AppResult};
use serde_json::{json, Map, Value};

/// Builds the envelope around a result (clearml-api.md §1.4): the HTTP
/// status and the body.
pub fn envelope(endpoint: &str, requested: &str, actual: &str, result: AppResult<Value>) -> (u16, Value) {
    let id = crate::server::clock::new_id();
    let (code, subcode, msg, error_data, data) = match result {
        Ok(data) => (200, 0, "OK".to_string(), json!({}), data),
        Err(e) => (e.status(), e.subcode(), e.to_string(), e.data(), json!({})),
    };
    let body = json!({
        "meta": {
            "id": id, "trx": id,
            "endpoint": {"name": endpoint, "requested_version": requested, "actual_version": actual},
            "result_code": code, "result_subcode": subcode, "result_msg": msg,
            "error_stack": null, "error_data": error_data,
        },
        "data": data,
    });
    (code, body)
}

/// A parsed endpoint path: `/v2.23/tasks.get_by_id` or `/tasks.get_by_id`.
#[derive(Debug, Clone, PartialEq)]
pub struct EndpointPath {
    pub name: String,
    /// The version asked for, if the path had one.
    pub version: Option<(u32, u32)>,
}

/// Parses `^/?(v<d>.<d>/)?<service>.<action>/?$`. `None` if it does not match.
pub fn parse_path(path: &str) -> Option<EndpointPath> {
    let p = path.trim_start_matches('/').trim_end_matches('/');
    let (version, rest) = match p.split_once('/') {
        Some((v, rest)) => {
            let v = v.strip_prefix('v')?;
            let (maj, min) = v.split_once('.')?;
            (Some((maj.parse().ok()?, min.parse().ok()?)), rest)
        }
        None => (None, p),
    };
    let (service, action) = rest.split_once('.')?;
    let ok = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !ok(service) || !ok(action) {
        return None;
    }
    Some(EndpointPath { name: format!("{service}.{action}"), version })
}

/// The fields of a JSON request body, with typed, validating access.
/// Unknown fields (like the SDK's stray `"method": "get"`) are ignored.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Req {
    pub body: Map<String, Value>,
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "list",
        Value::Object(_) => "object",
    }
}

impl Req {
    /// Parses a request body: empty means `{}`; anything but a JSON object is refused.
    pub fn parse(bytes: &[u8]) -> AppResult<Req> {
        if bytes.iter().all(|b| b.is_ascii_whitespace()) {
            return Ok(Req::default());
        }
        match serde_json::from_slice::<Value>(bytes) {
            Ok(Value::Object(body)) => Ok(Req { body }),
            Ok(other) => {
                Err(AppError::invalid(format!("request body must be a JSON object, got a {}", type_name(&other))))
            }
            Err(e) => Err(AppError::invalid(format!("malformed JSON in request body: {e}"))),
        }
    }

    /// A field, unless absent or null.
    pub fn get(&self, field: &str) -> Option<&Value> {
        self.body.get(field).filter(|v| !v.is_null())
    }

    /// Whether the field is present and not null.
    pub fn has(&self, field: &str) -> bool {
        self.get(field).is_some()
    }

    /// A required string.
    pub fn str(&self, field: &str) -> AppResult<String> {
        self.opt_str(field)?.ok_or_else(|| AppError::missing(field))
    }

    /// An optional string.
    pub fn opt_str(&self, field: &str) -> AppResult<Option<String>> {
        match self.get(field) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(v) => Err(AppError::invalid(format!("field '{field}' must be a string, got a {}", type_name(v)))),
        }
    }

    /// An optional boolean with a default.
    pub fn bool_or(&self, field: &str, default: bool) -> AppResult<bool> {
        match self.get(field) {
            None => Ok(default),
            Some(Value::Bool(b)) => Ok(*b),
            Some(Value::String(s)) if s == "true" || s == "false" => Ok(s == "true"),
            Some(v) => Err(AppError::invalid(format!("field '{field}' must be a boolean, got a {}", type_name(v)))),
        }
    }

    /// An optional integer (numbers or numeric strings, as query parameters arrive).
    pub fn opt_i64(&self, field: &str) -> AppResult<Option<i64>> {
        match self.get(field) {
            None => Ok(None),
            Some(Value::Number(n)) => n
                .as_i64()
                .or_else(|| n.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64))
                .map(Some)
                .ok_or_else(|| AppError::invalid(format!("field '{field}' must be an integer"))),
            Some(Value::String(s)) => s
                .trim()
                .parse()
                .map(Some)
                .map_err(|_| AppError::invalid(format!("field '{field}' must be an integer, got '{s}'"))),
            Some(v) => Err(AppError::invalid(format!("field '{field}' must be an integer, got a {}", type_name(v)))),
        }
    }

    /// A list of strings; a single string counts as a list of one.
    pub fn str_list(&self, field: &str) -> AppResult<Vec<String>> {
        match self.get(field) {
            None => Ok(Vec::new()),
            Some(Value::String(s)) => Ok(vec![s.clone()]),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| match v {
                    Value::String(s) => Ok(s.clone()),
                    other => Err(AppError::invalid(format!(
                        "field '{field}' must be a list of strings, found a {}",
                        type_name(other)
                    ))),
                })
                .collect(),
            Some(v) => {
                Err(AppError::invalid(format!("field '{field}' must be a list of strings, got a {}", type_name(v))))
            }
        }
    }

    /// A required, non-empty list of strings.
    pub fn nonempty_str_list(&self, field: &str) -> AppResult<Vec<String>> {
        let list = self.str_list(field)?;
        if list.is_empty() {
            return Err(AppError::missing(field));
        }
        Ok(list)
    }

    /// An optional JSON object.
    pub fn opt_object(&self, field: &str) -> AppResult<Option<&Map<String, Value>>> {
        match self.get(field) {
            None => Ok(None),
            Some(Value::Object(m)) => Ok(Some(m)),
            Some(v) => Err(AppError::invalid(format!("field '{field}' must be an object, got a {}", type_name(v)))),
        }
    }

    /// An optional JSON list.
    pub fn opt_list(&self, field: &str) -> AppResult<Option<&Vec<Value>>> {
        match self.get(field) {
            None => Ok(None),
            Some(Value::Array(l)) => Ok(Some(l)),
            Some(v) => Err(AppError::invalid(format!("field '{field}' must be a list, got a {}", type_name(v)))),
        }
    }
}

/// A string field of a nested object: numbers and booleans are taken as
/// their text (the SDK sometimes sends them), null as absent. `what` names
/// the object in the message.
pub fn opt_string(m: &Map<String, Value>, key: &str, what: &str) -> AppResult<Option<String>> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => string_value(v, &format!("{what}.{key}")).map(Some),
    }
}

/// A value as text: strings as they are, numbers and booleans (Python's
/// `True`/`False`) as their text, null as empty.
pub fn string_value(v: &Value, what: &str) -> AppResult<String> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Null => Ok(String::new()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(if *b { "True".into() } else { "False".into() }),
        _ => Err(AppError::invalid(format!("{what} must be a string"))),
    }
}

/// Paging by `size` and `scroll_id` (ClearML's scrolling `get_all`): the
/// id carries the position after the last object returned, so any server
/// process continues a scroll. `refresh_scroll` answers everything up to
/// that position again (with anything new that sorts before it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scroll {
    pub start: usize,
    pub size: usize,
}

impl Scroll {
    /// The scroll a request asks for, if it uses `size` or `scroll_id`.
    pub fn of(req: &Req) -> AppResult<Option<Scroll>> {
        let id = req.opt_str("scroll_id")?.filter(|s| !s.is_empty());
        let size = req.opt_i64("size")?;
        // A `scroll_id` of null starts a scroll.
        if id.is_none() && size.is_none() && !req.body.contains_key("scroll_id") {
            return Ok(None);
        }
        let size = size.unwrap_or(500);
        if !(1..=10_000).contains(&size) {
            return Err(AppError::invalid("size must be between 1 and 10000"));
        }
        let size = usize::try_from(size).unwrap_or(500);
        // An id that is not ours (or has expired on ClearML's server)
        // starts a new scroll, as ClearML does.
        let start = id.and_then(|id| id.strip_prefix("pos-").and_then(|n| n.parse::<usize>().ok())).unwrap_or(0);
        if req.bool_or("refresh_scroll", false)? {
            return Ok(Some(Scroll { start: 0, size: start.max(size) }));
        }
        Ok(Some(Scroll { start, size }))
    }

    /// The id that continues after `returned` more objects.
    pub fn next(&self, returned: usize) -> String {
        format!("pos-{}", self.start + returned)
    }
}

/// Compiles a client's name regex, case-insensitively, or says why not.
pub fn name_regex(pattern: &str) -> AppResult<regex::Regex> {
    regex::RegexBuilder::new(pattern)
        .case_insensitive(true)
        .size_limit(1 << 20)
        .build()
        .map_err(|e| AppError::invalid(format!("invalid regular expression in 'name': {e}")))
}

/// Sets `parts` (a dotted path) in `dst`, creating objects on the way.
fn insert_path(dst: &mut Map<String, Value>, parts: &[&str], v: Value) {
    match parts {
        [] => {}
        [last] => {
            dst.insert(last.to_string(), v);
        }
        [first, rest @ ..] => {
            let entry = dst.entry(first.to_string()).or_insert_with(|| Value::Object(Map::new()));
            if !entry.is_object() {
                *entry = Value::Object(Map::new());
            }
            if let Value::Object(next) = entry {
                insert_path(next, rest, v);
            }
        }
    }
}

/// Removes `parts` (a dotted path) from `dst`.
fn remove_path(dst: &mut Map<String, Value>, parts: &[&str]) {
    match parts {
        [] => {}
        [last] => {
            dst.remove(*last);
        }
        [first, rest @ ..] => {
            if let Some(Value::Object(next)) = dst.get_mut(*first) {
                remove_path(next, rest);
            }
        }
    }
}

/// The keys of a dotted field path, each unescaped as ClearML's clients
/// escape hyperparameter and configuration names (`%2E` is `.`, `%24` is
/// `$`, `%_%_` is `__`, `%%` is `%`, and a leading `%_` is `_`).
pub fn path_parts(path: &str) -> Vec<String> {
    path.split('.').map(unescape_key).collect()
}

/// One key of [`path_parts`], unescaped.
fn unescape_key(key: &str) -> String {
    if !key.contains('%') {
        return key.to_string();
    }
    let pieces: Vec<String> =
        key.split("%%").map(|p| p.replace("%2E", ".").replace("%24", "$").replace("%_%_", "__")).collect();
    let out = pieces.join("%");
    match out.strip_prefix("%_") {
        Some(rest) => format!("_{rest}"),
        None => out,
    }
}

/// Keeps only the `only_fields` of an object, as a MongoDB projection does:
/// dotted paths reach into nested objects, and an object on the way is kept
/// (empty) even when the leaf is missing (`runtime.version` of a task with
/// no runtime answers `runtime: {}`); `-field` leaves a field out; `id` is
/// always kept. An empty list keeps everything.
pub fn project_fields(obj: Value, only_fields: &[String]) -> Value {
    if only_fields.is_empty() {
        return obj;
    }
    let Value::Object(src) = obj else { return obj };
    let (excluded, included): (Vec<&String>, Vec<&String>) = only_fields.iter().partition(|f| f.starts_with('-'));
    // `*` is every field; `x.*` is the whole of `x`.
    let everything = included.iter().any(|f| f.as_str() == "*");
    let included: Vec<&str> = included.iter().map(|f| f.strip_suffix(".*").unwrap_or(f)).collect();
    let mut out = if included.is_empty() || everything {
        src.clone()
    } else {
        let mut out = Map::new();
        if let Some(id) = src.get("id") {
            out.insert("id".into(), id.clone());
        }
        for f in included {
            let owned = path_parts(f);
            let parts: Vec<&str> = owned.iter().map(String::as_str).collect();
            let mut cur = &src;
            for (i, p) in parts.iter().enumerate() {
                match cur.get(*p) {
                    Some(v) if i + 1 == parts.len() => insert_path(&mut out, &parts, v.clone()),
                    Some(Value::Object(inner)) => {
                        cur = inner;
                        if !has_path(&out, &parts[..=i]) {
                            // A joined reference keeps its id, as ClearML's do.
                            let mut start = Map::new();
                            if let Some(id) = inner.get("id") {
                                start.insert("id".into(), id.clone());
                            }
                            insert_path(&mut out, &parts[..=i], Value::Object(start));
                        }
                        continue;
                    }
                    _ => {}
                }
                break;
            }
        }
        out
    };
    for f in excluded {
        let owned = path_parts(&f[1..]);
        let parts: Vec<&str> = owned.iter().map(String::as_str).collect();
        remove_path(&mut out, &parts);
    }
    Value::Object(out)
}

/// Whether `parts` (a dotted path) is set in `m`.
fn has_path(m: &Map<String, Value>, parts: &[&str]) -> bool {
    match parts {
        [] => true,
        [last] => m.contains_key(*last),
        [first, rest @ ..] => matches!(m.get(*first), Some(Value::Object(next)) if has_path(next, rest)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaped_keys_unescape() {
        assert_eq!(path_parts("hyperparams.sec%2Etion1.p%24x"), ["hyperparams", "sec.tion1", "p$x"]);
        assert_eq!(path_parts("a.%_private.x%_%_y.100%%"), ["a", "_private", "x__y", "100%"]);
    }

    #[test]
    fn paths_with_and_without_versions() {
        assert_eq!(
            parse_path("/v2.23/tasks.get_by_id"),
            Some(EndpointPath { name: "tasks.get_by_id".into(), version: Some((2, 23)) })
        );
        assert_eq!(
            parse_path("/workers.register/"),
            Some(EndpointPath { name: "workers.register".into(), version: None })
        );
        assert_eq!(parse_path("/v2.5/queues.get_next_task").unwrap().version, Some((2, 5)));
        assert_eq!(parse_path("/tasks"), None);
        assert_eq!(parse_path("/x/tasks.get_all"), None);
        assert_eq!(parse_path("/v2/tasks.get_all"), None);
        assert_eq!(parse_path("/tasks.get all"), None);
    }

    #[test]
    fn bodies_parse_and_ignore_the_stray_method_field() {
        let r = Req::parse(br#"{"task": "abc", "force": true, "method": "get"}"#).unwrap();
        assert_eq!(r.str("task").unwrap(), "abc");
        assert!(r.bool_or("force", false).unwrap());
        assert_eq!(Req::parse(b"").unwrap(), Req::default());
        assert_eq!(Req::parse(b"  \n").unwrap(), Req::default());
    }

    #[test]
    fn malformed_bodies_get_validation_errors() {
        let e = Req::parse(b"{\"task\": ").unwrap_err();
        assert_eq!((e.status(), e.subcode()), (400, 12));
        assert!(e.to_string().contains("malformed JSON"), "{e}");
        let e = Req::parse(b"[1,2]").unwrap_err();
        assert_eq!((e.status(), e.subcode()), (400, 12));
        assert!(e.to_string().contains("JSON object"));
    }

    #[test]
    fn missing_and_mistyped_fields() {
        let r = Req::parse(br#"{"task": 5, "tags": ["a", 1], "page": "x", "name": null}"#).unwrap();
        let e = r.str("name").unwrap_err();
        assert_eq!((e.status(), e.subcode()), (400, 11));
        assert!(e.to_string().contains("name"));
        let e = r.str("task").unwrap_err();
        assert_eq!((e.status(), e.subcode()), (400, 12));
        assert!(e.to_string().contains("'task' must be a string"));
        assert_eq!(r.str_list("tags").unwrap_err().subcode(), 12);
        assert_eq!(r.opt_i64("page").unwrap_err().subcode(), 12);
        let r = Req::parse(br#"{"id": "one", "page": "3", "size": 2.0}"#).unwrap();
        assert_eq!(r.str_list("id").unwrap(), vec!["one"]);
        assert_eq!(r.opt_i64("page").unwrap(), Some(3));
        assert_eq!(r.opt_i64("size").unwrap(), Some(2));
    }

    #[test]
    fn envelopes_carry_meta_and_data() {
        let (code, body) = envelope("tasks.get_by_id", "2.23", "2.23", Ok(json!({"x": 1})));
        assert_eq!(code, 200);
        assert_eq!(body["meta"]["result_code"], 200);
        assert_eq!(body["data"]["x"], 1);
        let err = AppError::not_found(crate::error::Noun::Task, "nope");
        let (code, body) = envelope("tasks.get_by_id", "2.23", "2.23", Err(err));
        assert_eq!(code, 400);
        assert_eq!(body["meta"]["result_subcode"], 101);
        assert_eq!(body["data"], json!({}));
        assert_eq!(body["meta"]["error_data"]["id"], "nope");
    }

    #[test]
    fn only_fields_projection() {
        let obj = json!({"id": "1", "name": "n", "status": "created", "script": {"repository": "r", "branch": "b"}});
        let p = project_fields(obj.clone(), &["status".into(), "script.branch".into()]);
        assert_eq!(p, json!({"id": "1", "status": "created", "script": {"branch": "b"}}));
        assert_eq!(project_fields(obj.clone(), &[]), obj);
        // An object on the way stays, empty, like a MongoDB projection (the
        // SDK's Dataset.create reads `runtime` of `runtime.version`).
        let t = json!({"id": "1", "runtime": {}, "script": {"branch": "b"}});
        let p = project_fields(t.clone(), &["runtime.version".into(), "script.diff".into(), "none.x".into()]);
        assert_eq!(p, json!({"id": "1", "runtime": {}, "script": {}}));
        assert_eq!(project_fields(t, &["-script".into()]), json!({"id": "1", "runtime": {}}));
    }
}
