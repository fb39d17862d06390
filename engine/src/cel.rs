//! CEL for admission: the expressions of ValidatingAdmissionPolicy validations, variables and
//! matchConditions, and of admission webhooks' matchConditions.
//!
//! Follows `k8s.io/apiserver/pkg/admission/plugin/cel` (compile.go: the variables `object`,
//! `oldObject`, `request`, `params`, `namespaceObject`, `variables`, `authorizer`; activation.go:
//! `expression '%v' resulted in error: %v` and `compilation error: %v`; composition.go:
//! `composited variable %q fails to evaluate: %v`) and `k8s.io/apiserver/pkg/cel/library`
//! (regex: `find`, `findAll`; lists: `isSorted`, `sum`, `min`, `max`). The interpreter is the
//! `cel` crate (cel-rust), whose parser is generated from the same ANTLR grammar as cel-go's, so
//! syntax errors read the same. Its runtime errors are translated to cel-go's wording.
//!
//! Regular expressions use `regex-lite`: Go's RE2 syntax with ASCII-only `\d`, `\w`, `\s` and
//! `\b` (as RE2); Unicode classes such as `\pL` are refused.

use std::sync::{Arc, OnceLock};

use ::cel::extractors::This;
use ::cel::objects::{Key, Map};
use ::cel::{Context, Env, ExecutionError, Program, Value};

/// The shared environment: the standard library with the strings and lists extensions, as the
/// Kubernetes base environment has them.
fn env() -> Arc<Env> {
    static ENV: OnceLock<Arc<Env>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Env::stdlib();
        // Neither can fail on a fresh standard environment; an error only leaves the functions
        // out.
        let _ = env.add_extension(::cel::extensions::strings);
        let _ = env.add_extension(::cel::extensions::lists);
        Arc::new(env)
    })
    .clone()
}

/// A compiled expression and its source text (for messages).
pub struct Compiled {
    pub source: String,
    program: Program,
}

/// Compiles an expression. The error is cel-go's `issues.String()` behind `compilation failed: `,
/// as `CompileCELExpression` words it.
pub fn compile(source: &str) -> Result<Compiled, String> {
    match env().compile(source) {
        Ok(program) => Ok(Compiled {
            source: source.to_string(),
            program,
        }),
        Err(e) => Err(format!("compilation failed: {e}")),
    }
}

/// The variables an expression sees.
#[derive(Clone, Default)]
pub struct Vars {
    vars: Vec<(String, Value)>,
}

impl Vars {
    pub fn new() -> Self {
        Vars::default()
    }

    /// Binds `name` to a JSON value (`null` for an absent object).
    pub fn set_json(&mut self, name: &str, value: Option<&serde_json::Value>) {
        let v = value.map(json).unwrap_or(Value::Null);
        self.set(name, v);
    }

    pub fn set(&mut self, name: &str, value: Value) {
        self.vars.retain(|(n, _)| n != name);
        self.vars.push((name.to_string(), value));
    }
}

/// A JSON value as CEL sees an unstructured object: whole numbers are `int`, other numbers
/// `double`, objects are maps with string keys.
pub fn json(v: &serde_json::Value) -> Value {
    match v {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) => Value::Int(i),
            None => match n.as_u64() {
                Some(u) => Value::UInt(u),
                None => Value::Float(n.as_f64().unwrap_or(0.0)),
            },
        },
        serde_json::Value::String(s) => Value::String(Arc::new(s.clone())),
        serde_json::Value::Array(a) => Value::List(Arc::new(a.iter().map(json).collect())),
        serde_json::Value::Object(o) => {
            let map: std::collections::HashMap<Key, Value> = o
                .iter()
                .map(|(k, v)| (Key::String(Arc::new(k.clone())), json(v)))
                .collect();
            Value::Map(Map { map: Arc::new(map) })
        }
    }
}

/// Evaluates a compiled expression; the error is cel-go's runtime error text.
pub fn eval(c: &Compiled, vars: &Vars) -> Result<Value, String> {
    let mut ctx = Context::with_env(env());
    for (name, value) in &vars.vars {
        match Box::<dyn ::cel::common::value::Val>::try_from(value.clone()) {
            Ok(v) => ctx.add_variable_as_val(name.clone(), v),
            Err(e) => return Err(go_error(&e)),
        }
    }
    add_kubernetes_functions(&mut ctx);
    c.program.execute(&ctx).map_err(|e| go_error(&e))
}

/// Compiles and evaluates `source` the way the admission CEL activation reports it: a compile
/// error as `compilation error: compilation failed: ...`, a runtime error as
/// `expression '<source>' resulted in error: <error>`.
pub fn evaluate(source: &str, vars: &Vars) -> Result<Value, String> {
    let c = compile(source).map_err(|e| format!("compilation error: {e}"))?;
    eval(&c, vars).map_err(|e| format!("expression '{source}' resulted in error: {e}"))
}

/// cel-go's wording for a runtime error (`interpreter/attributes.go`, `common/types/err.go`).
fn go_error(e: &ExecutionError) -> String {
    match e {
        ExecutionError::NoSuchKey(k) => format!("no such key: {k}"),
        ExecutionError::IndexOutOfBounds(v) => format!("index out of bounds: {}", show(v)),
        ExecutionError::DivisionByZero(_) => "division by zero".to_string(),
        ExecutionError::RemainderByZero(_) => "modulus by zero".to_string(),
        ExecutionError::Overflow(..) => "integer overflow".to_string(),
        ExecutionError::NoSuchOverload(_)
        | ExecutionError::UnsupportedBinaryOperator(..)
        | ExecutionError::ValuesNotComparable(..)
        | ExecutionError::UnexpectedType { .. }
        | ExecutionError::UnsupportedTargetType { .. }
        | ExecutionError::NotSupportedAsMethod { .. }
        | ExecutionError::UnsupportedIndex(..) => "no such overload".to_string(),
        ExecutionError::UndeclaredReference(name) => {
            format!("undeclared reference to '{name}' (in container '')")
        }
        ExecutionError::FunctionError { message, .. } => message.clone(),
        other => other.to_string(),
    }
}

/// A scalar as cel-go's `%v` prints it.
fn show(v: &Value) -> String {
    match v {
        Value::Int(i) => i.to_string(),
        Value::UInt(u) => u.to_string(),
        Value::Float(f) => f.to_string(),
        Value::String(s) => s.to_string(),
        Value::Bool(b) => b.to_string(),
        other => format!("{other:?}"),
    }
}

fn regex(pattern: &str) -> Result<regex_lite::Regex, ExecutionError> {
    regex_lite::Regex::new(pattern).map_err(|e| {
        ExecutionError::function_error("matches", format!("error parsing regexp: {e}: `{pattern}`"))
    })
}

fn string(s: impl Into<String>) -> Value {
    Value::String(Arc::new(s.into()))
}

/// The functions the Kubernetes CEL libraries add that the standard environment lacks here:
/// `matches` (RE2), `find`, `findAll`, and the list functions `isSorted`, `sum`, `min`, `max`.
fn add_kubernetes_functions(ctx: &mut Context) {
    let _ = ctx.add_function(
        "matches",
        |This(this): This<Arc<String>>, re: Arc<String>| -> Result<bool, ExecutionError> {
            Ok(regex(&re)?.is_match(&this))
        },
    );
    let _ = ctx.add_function(
        "find",
        |This(this): This<Arc<String>>, re: Arc<String>| -> Result<Value, ExecutionError> {
            let found = regex(&re)?.find(&this).map(|m| m.as_str().to_string());
            Ok(string(found.unwrap_or_default()))
        },
    );
    let _ = ctx.add_function(
        "findAll",
        |This(this): This<Arc<String>>,
         re: Arc<String>,
         ::cel::extractors::Arguments(args): ::cel::extractors::Arguments|
         -> Result<Value, ExecutionError> {
            let limit = match args.get(1) {
                Some(Value::Int(n)) if *n >= 0 => usize::try_from(*n).unwrap_or(usize::MAX),
                _ => usize::MAX,
            };
            let all: Vec<Value> = regex(&re)?
                .find_iter(&this)
                .take(limit)
                .map(|m| string(m.as_str()))
                .collect();
            Ok(Value::List(Arc::new(all)))
        },
    );
    let _ = ctx.add_function(
        "isSorted",
        |This(this): This<Arc<Vec<Value>>>| -> Result<bool, ExecutionError> {
            for w in this.windows(2) {
                match w[0].partial_cmp(&w[1]) {
                    Some(std::cmp::Ordering::Greater) => return Ok(false),
                    Some(_) => {}
                    None => {
                        return Err(ExecutionError::function_error(
                            "isSorted",
                            "no such overload",
                        ))
                    }
                }
            }
            Ok(true)
        },
    );
    let _ = ctx.add_function(
        "sum",
        |This(this): This<Arc<Vec<Value>>>| -> Result<Value, ExecutionError> {
            let mut total = Value::Int(0);
            for (i, v) in this.iter().enumerate() {
                total = match (i, &total, v) {
                    (0, _, v) => v.clone(),
                    (_, Value::Int(a), Value::Int(b)) => a
                        .checked_add(*b)
                        .map(Value::Int)
                        .ok_or_else(|| ExecutionError::function_error("sum", "integer overflow"))?,
                    (_, Value::UInt(a), Value::UInt(b)) => a
                        .checked_add(*b)
                        .map(Value::UInt)
                        .ok_or_else(|| ExecutionError::function_error("sum", "integer overflow"))?,
                    (_, Value::Float(a), Value::Float(b)) => Value::Float(a + b),
                    _ => return Err(ExecutionError::function_error("sum", "no such overload")),
                };
            }
            Ok(total)
        },
    );
    for (name, want) in [
        ("min", std::cmp::Ordering::Less),
        ("max", std::cmp::Ordering::Greater),
    ] {
        let _ = ctx.add_function(
            name,
            move |This(this): This<Arc<Vec<Value>>>| -> Result<Value, ExecutionError> {
                let mut best: Option<&Value> = None;
                for v in this.iter() {
                    best = match best {
                        None => Some(v),
                        Some(b) => match v.partial_cmp(b) {
                            Some(o) if o == want => Some(v),
                            Some(_) => Some(b),
                            None => {
                                return Err(ExecutionError::function_error(
                                    name,
                                    "no such overload",
                                ))
                            }
                        },
                    };
                }
                best.cloned().ok_or_else(|| {
                    ExecutionError::function_error(name, format!("{name} of empty list"))
                })
            },
        );
    }
}

/// Whether a value is CEL `true`.
pub fn is_true(v: &Value) -> bool {
    matches!(v, Value::Bool(true))
}

/// The value as a string, if it is one.
pub fn as_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json as j;

    fn run(expr: &str, object: serde_json::Value) -> Result<Value, String> {
        let mut vars = Vars::new();
        vars.set_json("object", Some(&object));
        vars.set_json("oldObject", None);
        evaluate(expr, &vars)
    }

    #[test]
    fn expressions_see_the_object_as_unstructured_json() {
        let o = j!({"metadata": {"name": "web", "labels": {"app": "x"}}, "spec": {"replicas": 7}});
        assert_eq!(
            run("object.spec.replicas <= 5", o.clone()),
            Ok(Value::Bool(false))
        );
        assert_eq!(
            run("object.spec.replicas > 5", o.clone()),
            Ok(Value::Bool(true))
        );
        assert_eq!(
            run("has(object.spec.foo)", o.clone()),
            Ok(Value::Bool(false))
        );
        assert_eq!(run("oldObject == null", o.clone()), Ok(Value::Bool(true)));
        assert_eq!(
            run("object.metadata.name.matches('^w[a-z]+$')", o.clone()),
            Ok(Value::Bool(true))
        );
        assert_eq!(
            run("object.?spec.?foo.orValue(3) == 3", o.clone()),
            Ok(Value::Bool(true))
        );
        assert_eq!(run("[3, 1, 2].max()", o.clone()), Ok(Value::Int(3)));
        assert_eq!(run("[1, 2, 3].sum()", o.clone()), Ok(Value::Int(6)));
        assert_eq!(
            run("[1, 2, 3].isSorted()", o.clone()),
            Ok(Value::Bool(true))
        );
        assert_eq!(
            run("'a1b22'.findAll('[0-9]+')", o),
            Ok(Value::List(Arc::new(vec![string("1"), string("22")])))
        );
    }

    #[test]
    fn errors_read_as_cel_go_words_them() {
        let o = j!({"spec": {}});
        assert_eq!(
            run("object.spec.replicas > 1", o.clone()),
            Err(
                "expression 'object.spec.replicas > 1' resulted in error: no such key: replicas"
                    .into()
            )
        );
        assert_eq!(
            run("1 / 0 == 1", o.clone()),
            Err("expression '1 / 0 == 1' resulted in error: division by zero".into())
        );
        let compile = run("object.spec.replicas >", o).unwrap_err();
        assert!(
            compile.starts_with(
                "compilation error: compilation failed: ERROR: <input>:1:23: Syntax error:"
            ),
            "{compile}"
        );
    }

    #[test]
    fn odd_input_never_panics() {
        for e in [
            "",
            "(",
            ")",
            "[",
            "{",
            "1 +",
            "a.b.c(",
            "'",
            "\"\"\"",
            "1..2",
            "x ? y",
            "has()",
            "[1,2].all()",
            "{1: 2}[3]",
            "'a'.matches('(')",
            "[].min()",
            "size()",
            "\u{0}",
            "9223372036854775807 + 1",
            "-9223372036854775808 - 1",
            "int('x')",
            "object.?",
        ] {
            let _ = run(e, j!({}));
        }
    }
}
