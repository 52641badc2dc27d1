//! Reading the fields of a TTLV structure in order, and building fields back.
//!
//! "All structures defined in this specification SHALL have all of their fields encoded in
//! the order in which they appear in their respective structure descriptions" (KMIP 1.4
//! section 9.1.1.4, KMIP 2.1 section 10.1.2), so a [`Reader`] walks the items front to
//! back: each field is taken if it is next, and [`Reader::finish`] rejects anything left over.

use keyhold_ttlv::{ItemType, Tag, Ttlv, Value};

use crate::error::{KmipError, Result};
use crate::secret::SecretBytes;

/// An in-order reader over the items of one Structure.
#[derive(Debug)]
pub(crate) struct Reader<'a> {
    within: Tag,
    items: &'a [Ttlv],
    pos: usize,
}

impl<'a> Reader<'a> {
    /// A reader over `item`, which must be a Structure.
    pub(crate) fn new(item: &'a Ttlv) -> Result<Reader<'a>> {
        match &item.value {
            Value::Structure(items) => Ok(Reader {
                within: item.tag,
                items,
                pos: 0,
            }),
            other => Err(wrong(item.tag, ItemType::Structure, other)),
        }
    }

    /// The tag of the structure being read.
    pub(crate) fn within(&self) -> Tag {
        self.within
    }

    /// The next item, if it has `tag`.
    pub(crate) fn opt(&mut self, tag: Tag) -> Option<&'a Ttlv> {
        let item = self.items.get(self.pos).filter(|i| i.tag == tag)?;
        self.pos += 1;
        Some(item)
    }

    /// The next item, which must have `tag`.
    pub(crate) fn req(&mut self, tag: Tag) -> Result<&'a Ttlv> {
        self.opt(tag).ok_or(KmipError::Missing {
            field: tag,
            within: self.within,
        })
    }

    /// All consecutive next items with `tag`.
    pub(crate) fn many(&mut self, tag: Tag) -> Vec<&'a Ttlv> {
        let mut out = Vec::new();
        while let Some(item) = self.opt(tag) {
            out.push(item);
        }
        out
    }

    /// The next item whatever its tag.
    pub(crate) fn next_any(&mut self) -> Option<&'a Ttlv> {
        let item = self.items.get(self.pos)?;
        self.pos += 1;
        Some(item)
    }

    /// The next optional field, converted.
    pub(crate) fn opt_map<T>(&mut self, tag: Tag, f: fn(&Ttlv) -> Result<T>) -> Result<Option<T>> {
        self.opt(tag).map(f).transpose()
    }

    /// The next required field, converted.
    pub(crate) fn req_map<T>(&mut self, tag: Tag, f: fn(&Ttlv) -> Result<T>) -> Result<T> {
        f(self.req(tag)?)
    }

    /// All consecutive next fields with `tag`, converted.
    pub(crate) fn many_map<T>(&mut self, tag: Tag, f: fn(&Ttlv) -> Result<T>) -> Result<Vec<T>> {
        self.many(tag).into_iter().map(f).collect()
    }

    /// Succeeds if every item has been read.
    pub(crate) fn finish(self) -> Result<()> {
        match self.items.get(self.pos) {
            None => Ok(()),
            Some(item) => Err(KmipError::Unexpected {
                field: item.tag,
                within: self.within,
            }),
        }
    }
}

fn wrong(field: Tag, expected: ItemType, actual: &Value) -> KmipError {
    KmipError::WrongType {
        field,
        expected,
        actual: actual.item_type(),
    }
}

macro_rules! getter {
    ($(#[$m:meta])* $name:ident, $variant:ident, $ty:ty, $item:ident) => {
        $(#[$m])*
        pub(crate) fn $name(item: &Ttlv) -> Result<$ty> {
            match &item.value {
                Value::$variant(v) => Ok(v.clone()),
                other => Err(wrong(item.tag, ItemType::$item, other)),
            }
        }
    };
}

getter!(/// An Integer.
    int, Integer, i32, Integer);
getter!(/// A Long Integer.
    long, LongInteger, i64, LongInteger);
getter!(/// An Enumeration value.
    enumeration, Enumeration, u32, Enumeration);
getter!(/// A Boolean.
    boolean, Boolean, bool, Boolean);
getter!(/// A Text String.
    text, TextString, String, TextString);
getter!(/// A Byte String.
    bytes, ByteString, Vec<u8>, ByteString);
getter!(/// A Big Integer, as sent.
    big, BigInteger, Vec<u8>, BigInteger);
getter!(/// A Date-Time.
    date_time, DateTime, i64, DateTime);
getter!(/// An Interval.
    interval, Interval, u32, Interval);

/// An Enumeration as a typed open enum.
pub(crate) fn enum_of<E: From<u32>>(item: &Ttlv) -> Result<E> {
    enumeration(item).map(E::from)
}

/// A Byte String holding secret bytes.
pub(crate) fn secret(item: &Ttlv) -> Result<SecretBytes> {
    bytes(item).map(SecretBytes::new)
}

/// An Integer item.
pub(crate) fn integer(tag: Tag, v: i32) -> Ttlv {
    Ttlv::new(tag, Value::Integer(v))
}

/// A Long Integer item.
pub(crate) fn long_integer(tag: Tag, v: i64) -> Ttlv {
    Ttlv::new(tag, Value::LongInteger(v))
}

/// An Enumeration item.
pub(crate) fn enum_item(tag: Tag, v: impl Into<u32>) -> Ttlv {
    Ttlv::new(tag, Value::Enumeration(v.into()))
}

/// A Boolean item.
pub(crate) fn bool_item(tag: Tag, v: bool) -> Ttlv {
    Ttlv::new(tag, Value::Boolean(v))
}

/// A Text String item.
pub(crate) fn text_item(tag: Tag, v: &str) -> Ttlv {
    Ttlv::new(tag, Value::TextString(v.to_owned()))
}

/// A Byte String item.
pub(crate) fn bytes_item(tag: Tag, v: &[u8]) -> Ttlv {
    Ttlv::new(tag, Value::ByteString(v.to_vec()))
}

/// A Big Integer item.
pub(crate) fn big_item(tag: Tag, v: &[u8]) -> Ttlv {
    Ttlv::new(tag, Value::BigInteger(v.to_vec()))
}

/// A Date-Time item.
pub(crate) fn date_time_item(tag: Tag, v: i64) -> Ttlv {
    Ttlv::new(tag, Value::DateTime(v))
}

/// An Interval item.
pub(crate) fn interval_item(tag: Tag, v: u32) -> Ttlv {
    Ttlv::new(tag, Value::Interval(v))
}

/// Appends `f(value)` to `out` when there is a value.
pub(crate) fn push_opt<T>(out: &mut Vec<Ttlv>, value: Option<T>, f: impl FnOnce(T) -> Ttlv) {
    if let Some(v) = value {
        out.push(f(v));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tags;

    fn sample() -> Ttlv {
        Ttlv::structure(
            tags::BATCH_ITEM,
            vec![
                enum_item(tags::OPERATION, 1u32),
                integer(tags::BATCH_COUNT, 2),
                integer(tags::BATCH_COUNT, 3),
            ],
        )
    }

    #[test]
    fn reads_in_order_and_rejects_leftovers() {
        let tree = sample();
        let mut r = Reader::new(&tree).unwrap();
        assert!(r.opt(tags::BATCH_COUNT).is_none());
        assert_eq!(r.req_map(tags::OPERATION, enumeration).unwrap(), 1);
        assert_eq!(r.many_map(tags::BATCH_COUNT, int).unwrap(), [2, 3]);
        r.finish().unwrap();

        let mut r = Reader::new(&tree).unwrap();
        r.req(tags::OPERATION).unwrap();
        assert_eq!(
            r.finish(),
            Err(KmipError::Unexpected {
                field: tags::BATCH_COUNT,
                within: tags::BATCH_ITEM
            })
        );
    }

    #[test]
    fn missing_and_wrong_type_are_named() {
        let tree = sample();
        let mut r = Reader::new(&tree).unwrap();
        assert_eq!(
            r.req(tags::BATCH_COUNT).unwrap_err(),
            KmipError::Missing {
                field: tags::BATCH_COUNT,
                within: tags::BATCH_ITEM
            }
        );
        let op = r.req(tags::OPERATION).unwrap();
        assert!(matches!(
            text(op),
            Err(KmipError::WrongType {
                expected: ItemType::TextString,
                ..
            })
        ));
        assert!(Reader::new(op).is_err());
    }
}
