//! The spec file as written: serde types that mirror the YAML, with the position of every value that an error
//! message may need to point at. `load` turns these into the checked model in `model`.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserializer, IntoDeserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::Value;
use serde_saphyr::Spanned;

#[derive(Debug, Deserialize)]
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
    #[serde(default)]
    pub vars: OrderedMap<Spanned<Value>>,
    #[serde(default)]
    pub timeout: Option<Spanned<String>>,
    pub steps: Spanned<Vec<Spanned<RawStep>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStep {
    #[serde(default)]
    pub name: Option<String>,
    pub request: RawRequest,
    #[serde(default)]
    pub timeout: Option<Spanned<String>>,
    #[serde(default)]
    pub expect: Option<RawExpect>,
    #[serde(default)]
    pub capture: OrderedMap<Spanned<RawCapture>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRequest {
    pub method: Spanned<String>,
    pub path: Spanned<String>,
    #[serde(default)]
    pub query: OrderedMap<Spanned<Value>>,
    #[serde(default)]
    pub headers: OrderedMap<Spanned<String>>,
    #[serde(default, deserialize_with = "present")]
    pub json: Option<Spanned<Value>>,
    #[serde(default)]
    pub body: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawExpect {
    #[serde(default)]
    pub status: Option<Spanned<OneOrMany<u16>>>,
    #[serde(default)]
    pub headers: OrderedMap<Spanned<RawHeaderCheck>>,
    #[serde(default)]
    pub body: Vec<Spanned<RawJsonCheck>>,
    #[serde(default)]
    pub stream: Option<Spanned<RawStream>>,
}

#[derive(Debug, Deserialize)]
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
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawJsonCheck {
    pub path: Spanned<String>,
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
    pub length: Option<Spanned<Bound>>,
    #[serde(default)]
    pub count: Option<Spanned<Bound>>,
    #[serde(default, deserialize_with = "present")]
    pub contains: Option<Spanned<Value>>,
    #[serde(default)]
    pub one_of: Option<Spanned<Vec<Value>>>,
    #[serde(default)]
    pub every: Option<Spanned<Vec<Spanned<RawJsonCheck>>>>,
    /// A component name of the OpenAPI document, or an inline JSON Schema.
    #[serde(default, deserialize_with = "present")]
    pub schema: Option<Spanned<Value>>,
}

#[derive(Debug, Deserialize)]
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
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEventCheck {
    pub event: Spanned<String>,
    #[serde(default)]
    pub which: Option<Spanned<String>>,
    #[serde(default)]
    pub data: Vec<Spanned<RawJsonCheck>>,
}

#[derive(Debug, Deserialize)]
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
#[derive(Debug)]
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
#[derive(Debug)]
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
        }
        d.deserialize_any(V_(PhantomData))
    }
}

/// A JSON type name in `type:`; a bare YAML `null` means the type `null`.
#[derive(Debug)]
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

/// A count: `2` (exactly) or `{min: 1, max: 3}` (either end optional).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Bound {
    pub min: Option<u64>,
    pub max: Option<u64>,
}

impl<'de> Deserialize<'de> for Bound {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V_;
        impl<'de> Visitor<'de> for V_ {
            type Value = Bound;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a whole number or a mapping with `min` and/or `max`")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Bound, E> {
                Ok(Bound {
                    min: Some(v),
                    max: Some(v),
                })
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Bound, E> {
                u64::try_from(v)
                    .map_err(|_| E::custom("a count cannot be negative"))
                    .and_then(|v| self.visit_u64(v))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Bound, A::Error> {
                let mut b = Bound::default();
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
        d.deserialize_any(V_)
    }
}

impl Bound {
    pub fn contains(&self, n: u64) -> bool {
        self.min.is_none_or(|m| n >= m) && self.max.is_none_or(|m| n <= m)
    }
}

impl fmt::Display for Bound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.min, self.max) {
            (Some(a), Some(b)) if a == b => write!(f, "exactly {a}"),
            (Some(a), Some(b)) => write!(f, "between {a} and {b}"),
            (Some(a), None) => write!(f, "at least {a}"),
            (None, Some(b)) => write!(f, "at most {b}"),
            (None, None) => write!(f, "any number"),
        }
    }
}
