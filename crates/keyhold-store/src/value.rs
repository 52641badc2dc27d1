//! Backend-neutral column values. An adapter binds [`Value`]s to its
//! statements and reads result columns back into them; everything between a
//! row of values and a domain type lives in [`crate::codec`], once for every
//! backend.

use keyhold_core::Timestamp;

use crate::error::{CorruptReason, StoreError};

/// One SQL value as keyhold writes it. No `Debug`: a value may be sealed
/// material, which has no business in a log.
#[derive(Clone, PartialEq)]
pub(crate) enum Value {
    /// SQL NULL.
    Null,
    /// An integer (also timestamps in microseconds, counts, bit masks).
    Int(i64),
    /// A boolean (SQLite stores it as 0/1 and returns it as `Int`).
    Bool(bool),
    /// UTF-8 text.
    Text(String),
    /// Bytes (ids, sealed blobs, public keys).
    Blob(Vec<u8>),
    /// Read only: a value of a type keyhold never writes (a float, text that
    /// is not UTF-8). Decoding it is always [`CorruptReason::Type`].
    Unsupported,
}

impl Value {
    /// `Null` or the value made by `f`.
    pub(crate) fn opt<T>(v: Option<T>, f: impl FnOnce(T) -> Value) -> Value {
        v.map_or(Value::Null, f)
    }

    /// A timestamp as microseconds since the epoch.
    pub(crate) fn time(t: Timestamp) -> Value {
        Value::Int(t.unix_micros())
    }
}

/// Reads one row's values in column order, naming the column in every error.
pub(crate) struct Cols {
    values: std::vec::IntoIter<Value>,
}

impl Cols {
    /// The row's values, in the order of the query's column list.
    pub(crate) fn new(values: Vec<Value>) -> Self {
        Self {
            values: values.into_iter(),
        }
    }

    fn next(&mut self, what: &'static str) -> Result<Value, StoreError> {
        self.values
            .next()
            .ok_or(StoreError::corrupt(what, CorruptReason::MissingColumn))
    }

    /// The next column, `None` if NULL.
    fn nullable(&mut self, what: &'static str) -> Result<Option<Value>, StoreError> {
        match self.next(what)? {
            Value::Null => Ok(None),
            v => Ok(Some(v)),
        }
    }

    fn required(&mut self, what: &'static str) -> Result<Value, StoreError> {
        self.nullable(what)?
            .ok_or(StoreError::corrupt(what, CorruptReason::Null))
    }

    /// A non-NULL integer.
    pub(crate) fn int(&mut self, what: &'static str) -> Result<i64, StoreError> {
        let v = self.required(what)?;
        as_int(v, what)
    }

    /// A nullable integer.
    pub(crate) fn opt_int(&mut self, what: &'static str) -> Result<Option<i64>, StoreError> {
        self.nullable(what)?.map(|v| as_int(v, what)).transpose()
    }

    /// A non-NULL text.
    pub(crate) fn text(&mut self, what: &'static str) -> Result<String, StoreError> {
        let v = self.required(what)?;
        as_text(v, what)
    }

    /// A nullable text.
    pub(crate) fn opt_text(&mut self, what: &'static str) -> Result<Option<String>, StoreError> {
        self.nullable(what)?.map(|v| as_text(v, what)).transpose()
    }

    /// A non-NULL blob.
    pub(crate) fn blob(&mut self, what: &'static str) -> Result<Vec<u8>, StoreError> {
        let v = self.required(what)?;
        as_blob(v, what)
    }

    /// A nullable blob.
    pub(crate) fn opt_blob(&mut self, what: &'static str) -> Result<Option<Vec<u8>>, StoreError> {
        self.nullable(what)?.map(|v| as_blob(v, what)).transpose()
    }

    /// A boolean, stored as a boolean or as 0/1.
    pub(crate) fn bool(&mut self, what: &'static str) -> Result<bool, StoreError> {
        match self.required(what)? {
            Value::Bool(b) => Ok(b),
            Value::Int(0) => Ok(false),
            Value::Int(1) => Ok(true),
            Value::Int(_) => Err(StoreError::corrupt(what, CorruptReason::OutOfRange)),
            _ => Err(StoreError::corrupt(what, CorruptReason::Type)),
        }
    }

    /// A 16-byte identifier.
    pub(crate) fn id(&mut self, what: &'static str) -> Result<[u8; 16], StoreError> {
        let bytes = self.blob(what)?;
        <[u8; 16]>::try_from(bytes.as_slice())
            .map_err(|_| StoreError::corrupt(what, CorruptReason::IdLength))
    }

    /// A nullable 16-byte identifier.
    pub(crate) fn opt_id(&mut self, what: &'static str) -> Result<Option<[u8; 16]>, StoreError> {
        match self.opt_blob(what)? {
            None => Ok(None),
            Some(bytes) => <[u8; 16]>::try_from(bytes.as_slice())
                .map(Some)
                .map_err(|_| StoreError::corrupt(what, CorruptReason::IdLength)),
        }
    }

    /// A timestamp in microseconds.
    pub(crate) fn time(&mut self, what: &'static str) -> Result<Timestamp, StoreError> {
        self.int(what).map(Timestamp::from_unix_micros)
    }

    /// A nullable timestamp in microseconds.
    pub(crate) fn opt_time(&mut self, what: &'static str) -> Result<Option<Timestamp>, StoreError> {
        Ok(self.opt_int(what)?.map(Timestamp::from_unix_micros))
    }
}

fn as_int(v: Value, what: &'static str) -> Result<i64, StoreError> {
    match v {
        Value::Int(i) => Ok(i),
        _ => Err(StoreError::corrupt(what, CorruptReason::Type)),
    }
}

fn as_text(v: Value, what: &'static str) -> Result<String, StoreError> {
    match v {
        Value::Text(s) => Ok(s),
        _ => Err(StoreError::corrupt(what, CorruptReason::Type)),
    }
}

fn as_blob(v: Value, what: &'static str) -> Result<Vec<u8>, StoreError> {
    match v {
        Value::Blob(b) => Ok(b),
        _ => Err(StoreError::corrupt(what, CorruptReason::Type)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(e: StoreError) -> (&'static str, CorruptReason) {
        match e {
            StoreError::Corrupt { what, reason } => (what, reason),
            other => panic!("expected Corrupt, got {other:?}"),
        }
    }

    #[test]
    fn values_decode_in_order() {
        let mut c = Cols::new(vec![
            Value::Int(5),
            Value::Null,
            Value::Text("x".into()),
            Value::Blob(vec![7; 16]),
            Value::Int(1),
        ]);
        assert_eq!(c.int("a").unwrap(), 5);
        assert_eq!(c.opt_text("b").unwrap(), None);
        assert_eq!(c.text("c").unwrap(), "x");
        assert_eq!(c.id("d").unwrap(), [7; 16]);
        assert!(c.bool("e").unwrap());
    }

    #[test]
    fn bad_values_are_corrupt_and_named() {
        let e = Cols::new(vec![]).int("t.a").unwrap_err();
        assert_eq!(reason(e), ("t.a", CorruptReason::MissingColumn));
        let e = Cols::new(vec![Value::Null]).text("t.b").unwrap_err();
        assert_eq!(reason(e), ("t.b", CorruptReason::Null));
        let e = Cols::new(vec![Value::Text("1".into())])
            .int("t.c")
            .unwrap_err();
        assert_eq!(reason(e), ("t.c", CorruptReason::Type));
        let e = Cols::new(vec![Value::Blob(vec![0; 15])])
            .id("t.d")
            .unwrap_err();
        assert_eq!(reason(e), ("t.d", CorruptReason::IdLength));
        let e = Cols::new(vec![Value::Int(2)]).bool("t.e").unwrap_err();
        assert_eq!(reason(e), ("t.e", CorruptReason::OutOfRange));
        let e = Cols::new(vec![Value::Unsupported])
            .opt_blob("t.f")
            .unwrap_err();
        assert_eq!(reason(e), ("t.f", CorruptReason::Type));
    }
}
