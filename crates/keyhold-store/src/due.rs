//! The scheduler's work list: keys whose rotation, activation date,
//! deactivation date or scheduled destruction has come. The store only
//! answers "which rows have a date at or before now"; what to do about each
//! (and whether it is still due) is the server's decision.

use keyhold_core::{KeyId, TenantId, Timestamp};

use crate::error::{CorruptReason, StoreError};
use crate::value::{Cols, Value};

/// Why a key is on the work list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Due {
    /// Its destruction waiting period is over.
    Destroy,
    /// Its primary version's deactivation date has come.
    Deactivate,
    /// Its pre-active primary version's activation date has come.
    Activate,
    /// Its rotation time has come.
    Rotate,
}

impl Due {
    /// The stable name the query returns.
    const fn as_str(self) -> &'static str {
        match self {
            Self::Destroy => "destroy",
            Self::Deactivate => "deactivate",
            Self::Activate => "activate",
            Self::Rotate => "rotate",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        [
            Self::Destroy,
            Self::Deactivate,
            Self::Activate,
            Self::Rotate,
        ]
        .into_iter()
        .find(|d| d.as_str() == text)
    }
}

/// One entry of the work list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DueKey {
    /// The key's tenant.
    pub tenant: TenantId,
    /// The key.
    pub key: KeyId,
    /// What has come.
    pub due: Due,
}

/// Keys with a date at or before `$1`, at most `$2` rows. Destruction first,
/// then deactivation, activation and rotation, so a key that is due for
/// several things is handed over in the order they must happen.
pub(crate) const KEYS_DUE: &str = "\
SELECT tenant_id, id, due FROM ( \
 SELECT k.tenant_id, k.id, 'destroy' AS due, 0 AS rank FROM keys k \
  WHERE k.destroy_scheduled_at <= $1 \
 UNION ALL \
 SELECT k.tenant_id, k.id, 'deactivate', 1 FROM keys k JOIN key_versions v \
  ON v.key_id = k.id AND v.version = k.primary_version \
  WHERE v.deactivation_date <= $1 AND v.state IN ('active', 'suspended') \
  AND k.destroy_scheduled_at IS NULL \
 UNION ALL \
 SELECT k.tenant_id, k.id, 'activate', 2 FROM keys k JOIN key_versions v \
  ON v.key_id = k.id AND v.version = k.primary_version \
  WHERE v.activation_date <= $1 AND v.state = 'pre-active' AND v.archived = 0 \
  AND k.destroy_scheduled_at IS NULL \
 UNION ALL \
 SELECT k.tenant_id, k.id, 'rotate', 3 FROM keys k \
  WHERE k.next_rotation_at <= $1 AND k.destroy_scheduled_at IS NULL \
) AS work ORDER BY rank LIMIT $2";

/// The query's parameters.
pub(crate) fn params(now: Timestamp, limit: u32) -> [Value; 2] {
    [Value::time(now), Value::Int(i64::from(limit))]
}

/// A row of [`KEYS_DUE`].
pub(crate) fn due_from(row: Vec<Value>) -> Result<DueKey, StoreError> {
    let mut c = Cols::new(row);
    let tenant = TenantId::from_bytes(c.id("due.tenant_id")?);
    let key = KeyId::from_bytes(c.id("due.id")?);
    let due = Due::parse(&c.text("due.due")?).ok_or(StoreError::Corrupt {
        what: "due.due",
        reason: CorruptReason::UnknownName,
    })?;
    Ok(DueKey { tenant, key, due })
}
