//! `payload!`: declares a payload structure whose fields read and write in order.
//!
//! Field kinds: `req T` (required), `opt T` (optional), `opt2 T` (optional, KMIP 2.x only:
//! refused in a 1.x message), `many T` (repeated), `attrs SET`
//! (required attribute set), `attrs_opt SET` (optional attribute set), `attr_list`
//! (1.x Attribute*, 2.x Attributes), `refs` (1.x Attribute Name*, 2.x Attribute Reference*),
//! `object` (a managed object, required).

macro_rules! payload {
    (
        $(#[$m:meta])*
        $name:ident { $( $(#[$fm:meta])* $field:ident : $kind:ident $($ty:ty)? = $tag:expr, )* }
    ) => {
        $(#[$m])*
        #[derive(Clone, Debug)]
        pub struct $name {
            $( $(#[$fm])* pub $field: payload!(@ty $kind $($ty)?), )*
        }

        impl $name {
            #[allow(unused_variables)]
            pub(crate) fn read(
                r: &mut crate::fields::Reader<'_>,
                v: crate::ProtocolVersion,
            ) -> crate::error::Result<Self> {
                Ok($name { $( $field: payload!(@read $kind $($ty)?; r, $tag, v), )* })
            }

            #[allow(unused_variables, clippy::ptr_arg)] // a payload without fields pushes nothing
            pub(crate) fn write(
                &self,
                out: &mut Vec<keyhold_ttlv::Ttlv>,
                v: crate::ProtocolVersion,
            ) -> crate::error::Result<()> {
                $( payload!(@write $kind; &self.$field, out, $tag, v); )*
                Ok(())
            }
        }
    };
    (@ty req $ty:ty) => { $ty };
    (@ty opt $ty:ty) => { Option<$ty> };
    (@ty opt2 $ty:ty) => { Option<$ty> };
    (@ty many $ty:ty) => { Vec<$ty> };
    (@ty attrs) => { crate::Attributes };
    (@ty attrs_opt) => { Option<crate::Attributes> };
    (@ty attr_list) => { Option<crate::Attributes> };
    (@ty refs) => { Vec<crate::AttributeRef> };
    (@ty object) => { crate::ManagedObject };

    (@read req $ty:ty; $r:ident, $tag:expr, $v:ident) => {
        <$ty as crate::scalar::Scalar>::from_item($r.req($tag)?, $v)?
    };
    (@read opt $ty:ty; $r:ident, $tag:expr, $v:ident) => {
        match $r.opt($tag) {
            Some(i) => Some(<$ty as crate::scalar::Scalar>::from_item(i, $v)?),
            None => None,
        }
    };
    (@read opt2 $ty:ty; $r:ident, $tag:expr, $v:ident) => {
        match $v.is_v2().then(|| $r.opt($tag)).flatten() {
            Some(i) => Some(<$ty as crate::scalar::Scalar>::from_item(i, $v)?),
            None => None,
        }
    };
    (@read many $ty:ty; $r:ident, $tag:expr, $v:ident) => {
        $r.many($tag)
            .into_iter()
            .map(|i| <$ty as crate::scalar::Scalar>::from_item(i, $v))
            .collect::<crate::error::Result<Vec<_>>>()?
    };
    (@read attrs; $r:ident, $set:expr, $v:ident) => {
        crate::Attributes::read($r, $v, $set)?.ok_or(crate::KmipError::Missing {
            field: $set.tag($v),
            within: $r.within(),
        })?
    };
    (@read attrs_opt; $r:ident, $set:expr, $v:ident) => {
        crate::Attributes::read($r, $v, $set)?
    };
    (@read attr_list; $r:ident, $tag:expr, $v:ident) => {
        crate::attributes::read_list($r, $v)?
    };
    (@read refs; $r:ident, $tag:expr, $v:ident) => {
        crate::attribute::read_refs($r, $v)?
    };
    (@read object; $r:ident, $tag:expr, $v:ident) => {
        crate::ManagedObject::read($r, $v)?.ok_or(crate::KmipError::Missing {
            field: crate::tags::OBJECT_TYPE,
            within: $r.within(),
        })?
    };

    (@write req; $f:expr, $out:ident, $tag:expr, $v:ident) => {
        $out.push(crate::scalar::Scalar::to_item($f, $tag, $v)?)
    };
    (@write opt; $f:expr, $out:ident, $tag:expr, $v:ident) => {
        if let Some(x) = $f {
            $out.push(crate::scalar::Scalar::to_item(x, $tag, $v)?);
        }
    };
    (@write opt2; $f:expr, $out:ident, $tag:expr, $v:ident) => {
        if let Some(x) = $f {
            if !$v.is_v2() {
                return Err(crate::KmipError::NotInVersion { field: $tag, version: $v });
            }
            $out.push(crate::scalar::Scalar::to_item(x, $tag, $v)?);
        }
    };
    (@write many; $f:expr, $out:ident, $tag:expr, $v:ident) => {
        for x in $f {
            $out.push(crate::scalar::Scalar::to_item(x, $tag, $v)?);
        }
    };
    (@write attrs; $f:expr, $out:ident, $set:expr, $v:ident) => {
        $out.push($f.write($v, $set)?)
    };
    (@write attrs_opt; $f:expr, $out:ident, $set:expr, $v:ident) => {
        if let Some(a) = $f {
            $out.push(a.write($v, $set)?);
        }
    };
    (@write attr_list; $f:expr, $out:ident, $tag:expr, $v:ident) => {
        crate::attributes::write_list($out, $f.as_ref(), $v)?
    };
    (@write refs; $f:expr, $out:ident, $tag:expr, $v:ident) => {
        crate::attribute::write_refs($out, $f, $v)?
    };
    (@write object; $f:expr, $out:ident, $tag:expr, $v:ident) => {
        $out.push($f.to_ttlv($v)?)
    };
}

pub(crate) use payload;
