//! The scheduler's work list: keys whose rotation, activation date,
//! deactivation date, end of recipient-usage period or scheduled
//! destruction has come, read in pages after a [`DueCursor`]. The store only
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
    /// Its primary version's recipient-usage period (NIST SP 800-57
    /// cryptoperiod) has ended.
    CryptoperiodEnd,
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
            Self::CryptoperiodEnd => "cryptoperiod-end",
            Self::Activate => "activate",
            Self::Rotate => "rotate",
        }
    }

    /// Its rank in the work list: the order of urgency.
    const fn rank(self) -> i64 {
        match self {
            Self::Destroy => 0,
            Self::Deactivate => 1,
            Self::CryptoperiodEnd => 2,
            Self::Activate => 3,
            Self::Rotate => 4,
        }
    }

    fn parse(text: &str) -> Option<Self> {
        [
            Self::Destroy,
            Self::Deactivate,
            Self::CryptoperiodEnd,
            Self::Activate,
            Self::Rotate,
        ]
        .into_iter()
        .find(|d| d.as_str() == text)
    }
}

/// Where a page of the work list starts: strictly after this entry, in the
/// list's order (reason by urgency, then key id).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DueCursor {
    /// The last entry's reason.
    pub due: Due,
    /// The last entry's key.
    pub key: KeyId,
}

impl DueKey {
    /// The cursor that resumes after this entry.
    pub const fn cursor(&self) -> DueCursor {
        DueCursor {
            due: self.due,
            key: self.key,
        }
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

/// Keys with a date at or before `$1`, at most `$2` rows, after the entry
/// of rank `$3` and key id `$4` (rank -1 and an empty id: from the start).
/// Destruction first, then deactivation, end of cryptoperiod, activation
/// and rotation, so a key that is due for several things is handed over in
/// the order they must happen; by key id within one reason.
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
 SELECT k.tenant_id, k.id, 'cryptoperiod-end', 2 FROM keys k JOIN key_versions v \
  ON v.key_id = k.id AND v.version = k.primary_version \
  WHERE k.recipient_usage_end <= $1 AND v.state IN ('active', 'suspended') \
  AND k.destroy_scheduled_at IS NULL \
 UNION ALL \
 SELECT k.tenant_id, k.id, 'activate', 3 FROM keys k JOIN key_versions v \
  ON v.key_id = k.id AND v.version = k.primary_version \
  WHERE v.activation_date <= $1 AND v.state = 'pre-active' AND v.archived = 0 \
  AND k.destroy_scheduled_at IS NULL \
 UNION ALL \
 SELECT k.tenant_id, k.id, 'rotate', 4 FROM keys k \
  WHERE k.next_rotation_at <= $1 AND k.destroy_scheduled_at IS NULL \
) AS work WHERE rank > $3 OR (rank = $3 AND id > $4) ORDER BY rank, id LIMIT $2";

/// The query's parameters.
pub(crate) fn params(now: Timestamp, after: Option<DueCursor>, limit: u32) -> [Value; 4] {
    let (rank, key) = match after {
        Some(c) => (c.due.rank(), c.key.as_bytes().to_vec()),
        None => (-1, Vec::new()),
    };
    [
        Value::time(now),
        Value::Int(i64::from(limit)),
        Value::Int(rank),
        Value::Blob(key),
    ]
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
