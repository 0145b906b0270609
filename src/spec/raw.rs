//! The spec file as written: serde types that mirror the YAML, with the position of every value that an error
//! message may need to point at. `load` turns these into the checked model.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserializer, IntoDeserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::Value;
use serde_saphyr::Spanned;

use super::expect::numbers::Bound;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSpec {
    pub version: Spanned<u32>,
    pub name: Spanned<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub requires: Vec<Spanned<String>>,
    /// The release of the official server from which what the spec checks holds (`0.12.0`).
    #[serde(default)]
    pub since: Option<Spanned<String>>,
    #[serde(default)]
    pub vars: OrderedMap<Spanned<Value>>,
    #[serde(default)]
    pub timeout: Option<Spanned<String>>,
    pub steps: Spanned<Vec<Spanned<RawStep>>>,
    #[serde(default)]
    pub finally: Option<Spanned<Vec<Spanned<RawStep>>>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStep {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub request: Option<Spanned<RawRequest>>,
    /// `receive: webhook`: instead of sending a request, take the next call the harness's webhook receiver got.
    #[serde(default)]
    pub receive: Option<Spanned<String>>,
    #[serde(default)]
    pub timeout: Option<Spanned<String>>,
    #[serde(default)]
    pub retry: Option<Spanned<RawRetry>>,
    #[serde(default)]
    pub expect: Option<RawExpect>,
    #[serde(default)]
    pub capture: OrderedMap<Spanned<RawCapture>>,
    /// Singular JSONPaths into the response body whose values depend on timing; the drift check masks them.
    #[serde(default)]
    pub varies: Vec<Spanned<String>>,
    /// `setup: true`: the step prepares what the spec tests (a thread, a run) rather than testing it; when it fails,
    /// the spec is blocked, not failed.
    #[serde(default)]
    pub setup: bool,
    /// The release from which what this step checks holds: against an older target the step is not sent.
    #[serde(default)]
    pub since: Option<Spanned<String>>,
    /// `use: thread/create`: in place of this step, the steps shared under that name (`specs/_shared/thread.yaml`,
    /// step `create`). A step that uses shared steps has only `use`, `with`, `as`, `name` and `setup`.
    #[serde(default, rename = "use")]
    pub use_: Option<Spanned<String>>,
    /// With `use`: the values of the shared steps' parameters.
    #[serde(default)]
    pub with: Option<Spanned<OrderedMap<Spanned<Value>>>>,
    /// With `use`: other names for the values the shared steps capture (`as: {thread_id: source}`).
    #[serde(default, rename = "as")]
    pub as_: Option<Spanned<OrderedMap<Spanned<String>>>>,
}

/// A file of shared steps (`specs/_shared/<file>.yaml`): named steps and groups of steps that specs `use`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSharedFile {
    pub version: Spanned<u32>,
    // For people reading the file: accepted, and not used.
    #[allow(dead_code)]
    #[serde(default)]
    pub description: Option<String>,
    /// Each shared step (or group of steps) by name.
    pub define: Spanned<OrderedMap<Spanned<RawDefinition>>>,
}

/// One named shared step, or group of steps.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDefinition {
    // For people reading the file: accepted, and not used.
    #[allow(dead_code)]
    #[serde(default)]
    pub description: Option<String>,
    /// The parameters, in order: `${name}` in the steps stands for the value a use gives (or the default).
    #[serde(default)]
    pub params: OrderedMap<Spanned<RawParam>>,
    /// The captures a use makes available to the steps after it; the others stay inside.
    #[serde(default)]
    pub outputs: Vec<Spanned<String>>,
    /// The steps a use stands for; a definition has `steps` or `checks`.
    #[serde(default)]
    pub steps: Option<Spanned<Vec<Spanned<RawStep>>>>,
    /// Checks a step's `expect` uses (`expect: {use: errors/validation}`), with the step's own.
    #[serde(default)]
    pub checks: Option<Spanned<RawExpect>>,
    /// A request a step's `request` uses (`request: {use: stream/thread}`), the step's own fields over it.
    #[serde(default)]
    pub request: Option<Spanned<RawRequest>>,
}

/// A parameter of a shared step: without `default`, a use must give it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawParam {
    // For people reading the file: accepted, and not used.
    #[allow(dead_code)]
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default, deserialize_with = "present")]
    pub default: Option<Spanned<Value>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRetry {
    pub every: Spanned<String>,
    pub within: Spanned<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRequest {
    /// Required, unless the request uses a shared one (`use`), which gives it. (`present`: a null is an error, as
    /// for any text, not a missing method.)
    #[serde(default, deserialize_with = "present")]
    pub method: Option<Spanned<String>>,
    /// Required, unless the request uses a shared one.
    #[serde(default, deserialize_with = "present")]
    pub path: Option<Spanned<String>>,
    #[serde(default)]
    pub query: OrderedMap<Spanned<Value>>,
    #[serde(default)]
    pub headers: OrderedMap<Spanned<String>>,
    #[serde(default, deserialize_with = "present")]
    pub json: Option<Spanned<Value>>,
    #[serde(default)]
    pub body: Option<Spanned<String>>,
    /// `use: stream/thread`: the request shared under that name (`request` of a definition), this mapping's fields
    /// over its own.
    #[serde(default, rename = "use")]
    pub use_: Option<Spanned<String>>,
    /// With `use`: the values of the shared request's parameters.
    #[serde(default)]
    pub with: Option<Spanned<OrderedMap<Spanned<Value>>>>,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawExpect {
    #[serde(default)]
    pub status: Option<Spanned<RawStatus>>,
    #[serde(default)]
    pub headers: OrderedMap<Spanned<RawHeaderCheck>>,
    #[serde(default)]
    pub body: Vec<Spanned<RawJsonCheck>>,
    #[serde(default)]
    pub stream: Option<Spanned<RawStream>>,
    /// `use: errors/validation`: the checks shared under that name (`checks` of a definition), with this mapping's
    /// own.
    #[serde(default, rename = "use")]
    pub use_: Option<Spanned<String>>,
    /// With `use`: the values of the shared checks' parameters.
    #[serde(default)]
    pub with: Option<Spanned<OrderedMap<Spanned<Value>>>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawHeaderCheck {
    #[serde(default)]
    pub equals: Option<Spanned<String>>,
    #[serde(default)]
    pub matches: Option<Spanned<String>>,
    #[serde(default)]
    pub contains: Option<Spanned<String>>,
    #[serde(default)]
    pub present: Option<Spanned<bool>>,
    #[serde(default)]
    pub absent: Option<Spanned<bool>>,
    #[serde(default)]
    pub level: Option<Spanned<String>>,
    #[serde(default, deserialize_with = "present")]
    pub gt: Option<Spanned<Value>>,
    #[serde(default, deserialize_with = "present")]
    pub ge: Option<Spanned<Value>>,
    #[serde(default, deserialize_with = "present")]
    pub lt: Option<Spanned<Value>>,
    #[serde(default, deserialize_with = "present")]
    pub le: Option<Spanned<Value>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawJsonCheck {
    /// Required, except inside `not`, whose predicates apply to the path of the check around it.
    #[serde(default)]
    pub path: Option<Spanned<String>>,
    #[serde(default)]
    pub exists: Option<Spanned<bool>>,
    #[serde(default)]
    pub absent: Option<Spanned<bool>>,
    #[serde(default, deserialize_with = "present")]
    pub equals: Option<Spanned<Value>>,
    /// `null` may be written bare: YAML reads it as a null, which stands for the type name.
    #[serde(default, rename = "type", deserialize_with = "present")]
    pub type_: Option<Spanned<OneOrMany<TypeName>>>,
    #[serde(default)]
    pub matches: Option<Spanned<String>>,
    #[serde(default)]
    pub format: Option<Spanned<String>>,
    #[serde(default)]
    pub length: Option<Spanned<RawBound>>,
    #[serde(default)]
    pub count: Option<Spanned<RawBound>>,
    #[serde(default, deserialize_with = "present")]
    pub contains: Option<Spanned<Value>>,
    #[serde(default)]
    pub one_of: Option<Spanned<Vec<Value>>>,
    #[serde(default, deserialize_with = "present")]
    pub gt: Option<Spanned<Value>>,
    #[serde(default, deserialize_with = "present")]
    pub ge: Option<Spanned<Value>>,
    #[serde(default, deserialize_with = "present")]
    pub lt: Option<Spanned<Value>>,
    #[serde(default, deserialize_with = "present")]
    pub le: Option<Spanned<Value>>,
    #[serde(default)]
    pub every: Option<Spanned<Vec<Spanned<RawJsonCheck>>>>,
    /// A component name of the OpenAPI document, or an inline JSON Schema.
    #[serde(default, deserialize_with = "present")]
    pub schema: Option<Spanned<Value>>,
    #[serde(default)]
    pub level: Option<Spanned<String>>,
    #[serde(default)]
    pub not: Option<Spanned<Box<RawJsonCheck>>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStream {
    #[serde(default)]
    pub sequence: Option<Spanned<Vec<Spanned<String>>>>,
    #[serde(default)]
    pub subsequence: Option<Spanned<Vec<Spanned<String>>>>,
    #[serde(default)]
    pub first: Option<Spanned<String>>,
    #[serde(default)]
    pub last: Option<Spanned<String>>,
    #[serde(default)]
    pub never: Vec<Spanned<String>>,
    #[serde(default)]
    pub count: OrderedMap<Spanned<Bound>>,
    #[serde(default)]
    pub events: Vec<Spanned<RawEventCheck>>,
    #[serde(default)]
    pub end_event: Option<Spanned<String>>,
    #[serde(default)]
    pub level: Option<Spanned<String>>,
    #[serde(default)]
    pub ids: Option<Spanned<String>>,
    #[serde(default)]
    pub until: Option<Spanned<RawUntil>>,
    /// `use: stream/one_metadata`: shared checks of the stream alone, with this mapping's own.
    #[serde(default, rename = "use")]
    pub use_: Option<Spanned<String>>,
    /// With `use`: the values of the shared checks' parameters.
    #[serde(default)]
    pub with: Option<Spanned<OrderedMap<Spanned<Value>>>>,
}

/// `until:` the event after which a stream that does not end by itself (a thread's stream) is read no further.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawUntil {
    pub event: Spanned<String>,
    #[serde(default)]
    pub data: Vec<Spanned<RawJsonCheck>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEventCheck {
    pub event: Spanned<String>,
    #[serde(default)]
    pub which: Option<Spanned<String>>,
    #[serde(default)]
    pub data: Vec<Spanned<RawJsonCheck>>,
    #[serde(default)]
    pub level: Option<Spanned<String>>,
    #[serde(default)]
    pub id: Option<Spanned<RawIdCheck>>,
}

/// `id:` of an item of `events`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawIdCheck {
    #[serde(default)]
    pub equals: Option<Spanned<String>>,
    #[serde(default)]
    pub after: Option<Spanned<String>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCapture {
    #[serde(default)]
    pub body: Option<Spanned<String>>,
    #[serde(default)]
    pub header: Option<Spanned<String>>,
    #[serde(default)]
    pub event: Option<Spanned<String>>,
    #[serde(default)]
    pub path: Option<Spanned<String>>,
    #[serde(default)]
    pub regex: Option<Spanned<String>>,
    /// With `event`: take the event's id instead of its data.
    #[serde(default)]
    pub id: Option<Spanned<bool>>,
    /// With `event`: `first` (the default) or `last` matching event.
    #[serde(default)]
    pub which: Option<Spanned<String>>,
}

/// `present` keeps an explicit `null` apart from a missing key (`equals: null` must mean "equals null").
fn present<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(d).map(Some)
}

/// A YAML mapping kept in the order it was written (query strings and reports follow the author's order).
#[derive(Debug, Clone)]
pub struct OrderedMap<V>(pub Vec<(String, V)>);

impl<V> Default for OrderedMap<V> {
    fn default() -> Self {
        OrderedMap(Vec::new())
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for OrderedMap<V> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V_<V>(PhantomData<V>);
        impl<'de, V: Deserialize<'de>> Visitor<'de> for V_<V> {
            type Value = OrderedMap<V>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a mapping")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Self::Value, A::Error> {
                let mut out: Vec<(String, V)> = Vec::new();
                while let Some((k, v)) = m.next_entry::<String, V>()? {
                    out.push((k, v));
                }
                Ok(OrderedMap(out))
            }
        }
        d.deserialize_map(V_(PhantomData))
    }
}

/// A single value or a list of them: `status: 200` or `status: [200, 202]`.
#[derive(Debug, Clone)]
pub struct OneOrMany<T>(pub Vec<T>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for OneOrMany<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V_<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V_<T> {
            type Value = OneOrMany<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a value or a list of values")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(v) = s.next_element()? {
                    out.push(v);
                }
                Ok(OneOrMany(out))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                T::deserialize(v.into_deserializer()).map(|t| OneOrMany(vec![t]))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                T::deserialize(().into_deserializer()).map(|t| OneOrMany(vec![t]))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                T::deserialize(v.into_deserializer()).map(|t| OneOrMany(vec![t]))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                T::deserialize(v.into_deserializer()).map(|t| OneOrMany(vec![t]))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                T::deserialize(v.into_deserializer()).map(|t| OneOrMany(vec![t]))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
                T::deserialize(v.into_deserializer()).map(|t| OneOrMany(vec![t]))
            }
        }
        d.deserialize_any(V_(PhantomData))
    }
}

/// An HTTP status code, 100 to 599, written as a number.
#[derive(Debug, Clone, Copy)]
pub struct StatusCode(pub u16);

impl<'de> Deserialize<'de> for StatusCode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V_;
        impl<'de> Visitor<'de> for V_ {
            type Value = StatusCode;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an HTTP status code (a number from 100 to 599)")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<StatusCode, E> {
                status_code(v)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<StatusCode, E> {
                status_code_i64(v)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<StatusCode, E> {
                status_code_str(v)
            }
        }
        d.deserialize_any(V_)
    }
}

fn status_code<E: de::Error>(v: u64) -> Result<StatusCode, E> {
    match u16::try_from(v) {
        Ok(c) if (100..=599).contains(&c) => Ok(StatusCode(c)),
        _ => Err(E::custom(format!(
            "{v} is not an HTTP status code (they go from 100 to 599)"
        ))),
    }
}

fn status_code_i64<E: de::Error>(v: i64) -> Result<StatusCode, E> {
    match u64::try_from(v) {
        Ok(v) => status_code(v),
        Err(_) => Err(E::custom(format!(
            "{v} is not an HTTP status code (they go from 100 to 599)"
        ))),
    }
}

fn status_code_str<E: de::Error>(v: &str) -> Result<StatusCode, E> {
    Err(E::custom(match v.trim().parse::<u64>() {
        Ok(n) => format!("write the status code as a number, without quotes: {n}"),
        Err(_) => format!("{v:?} is not an HTTP status code (a number from 100 to 599)"),
    }))
}

/// `status: 200`, `status: [200, 202]`, or with a level: `status: {code: [200, 202], level: should}`.
#[derive(Debug, Clone)]
pub struct RawStatus {
    pub codes: Vec<u16>,
    pub level: Option<String>,
}

impl<'de> Deserialize<'de> for RawStatus {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Long {
            code: OneOrMany<StatusCode>,
            #[serde(default)]
            level: Option<String>,
        }
        fn codes(list: OneOrMany<StatusCode>, level: Option<String>) -> RawStatus {
            RawStatus {
                codes: list.0.into_iter().map(|c| c.0).collect(),
                level,
            }
        }
        struct V_;
        impl<'de> Visitor<'de> for V_ {
            type Value = RawStatus;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a status code, a list of them, or a mapping with `code` and `level`")
            }
            fn visit_map<A: MapAccess<'de>>(self, m: A) -> Result<RawStatus, A::Error> {
                let l = Long::deserialize(de::value::MapAccessDeserializer::new(m))?;
                Ok(codes(l.code, l.level))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, s: A) -> Result<RawStatus, A::Error> {
                let list =
                    OneOrMany::<StatusCode>::deserialize(de::value::SeqAccessDeserializer::new(s))?;
                Ok(codes(list, None))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<RawStatus, E> {
                Ok(codes(OneOrMany(vec![status_code(v)?]), None))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<RawStatus, E> {
                Ok(codes(OneOrMany(vec![status_code_i64(v)?]), None))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawStatus, E> {
                status_code_str(v).map(|c| codes(OneOrMany(vec![c]), None))
            }
        }
        d.deserialize_any(V_)
    }
}

/// A JSON type name in `type:`; a bare YAML `null` means the type `null`.
#[derive(Debug, Clone)]
pub struct TypeName(pub String);

impl<'de> Deserialize<'de> for TypeName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V_;
        impl<'de> Visitor<'de> for V_ {
            type Value = TypeName;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a type name")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<TypeName, E> {
                Ok(TypeName(v.to_string()))
            }
            fn visit_unit<E: de::Error>(self) -> Result<TypeName, E> {
                Ok(TypeName("null".into()))
            }
        }
        d.deserialize_any(V_)
    }
}

impl<'de> Deserialize<'de> for Bound {
    /// Written as a `RawBound`, with numbers only: the counts of a stream are fixed when it is read.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = RawBound::deserialize(d)?;
        let number = |c: Option<RawCount>| match c {
            None => Ok(None),
            Some(RawCount::Number(n)) => Ok(Some(n)),
            Some(RawCount::Text(t)) => Err(de::Error::custom(format!(
                "a count of events is a whole number, not {t:?}"
            ))),
        };
        let b = Bound {
            min: number(raw.min)?,
            max: number(raw.max)?,
        };
        if let (Some(min), Some(max)) = (b.min, b.max) {
            if min > max {
                return Err(de::Error::custom(format!(
                    "`min` ({min}) is more than `max` ({max}): no count can pass"
                )));
            }
        }
        Ok(b)
    }
}

/// A bound of `length` or `count` as written: like `Bound`, and either end may be a `${variable}`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RawBound {
    pub min: Option<RawCount>,
    pub max: Option<RawCount>,
}

/// One end of a `RawBound`: a whole number, or text holding variables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RawCount {
    Number(u64),
    Text(String),
}

impl<'de> Deserialize<'de> for RawCount {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V_;
        impl<'de> Visitor<'de> for V_ {
            type Value = RawCount;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a whole number or a `${variable}`")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<RawCount, E> {
                Ok(RawCount::Number(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<RawCount, E> {
                u64::try_from(v)
                    .map(RawCount::Number)
                    .map_err(|_| E::custom("a count cannot be negative"))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawCount, E> {
                Ok(RawCount::Text(v.to_string()))
            }
        }
        d.deserialize_any(V_)
    }
}

impl<'de> Deserialize<'de> for RawBound {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V_;
        impl<'de> Visitor<'de> for V_ {
            type Value = RawBound;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a whole number, a `${variable}`, or a mapping with `min` and/or `max`")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<RawBound, E> {
                self.exactly(RawCount::Number(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<RawBound, E> {
                RawCount::deserialize(v.into_deserializer()).and_then(|c| self.exactly(c))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawBound, E> {
                self.exactly(RawCount::Text(v.to_string()))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<RawBound, A::Error> {
                let mut b = RawBound::default();
                while let Some(k) = m.next_key::<String>()? {
                    match k.as_str() {
                        "min" => b.min = Some(m.next_value()?),
                        "max" => b.max = Some(m.next_value()?),
                        other => {
                            return Err(de::Error::custom(format!(
                                "unknown field `{other}`, expected `min` or `max`"
                            )))
                        }
                    }
                }
                if b.min.is_none() && b.max.is_none() {
                    return Err(de::Error::custom("give `min`, `max` or both"));
                }
                Ok(b)
            }
        }
        impl V_ {
            fn exactly<E>(self, c: RawCount) -> Result<RawBound, E> {
                Ok(RawBound {
                    min: Some(c.clone()),
                    max: Some(c),
                })
            }
        }
        d.deserialize_any(V_)
    }
}
