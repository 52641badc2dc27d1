//! Authorization (DESIGN.md section 6): policy statements with an effect,
//! actions, resources and conditions; built-in roles; separation of duties.
//!
//! Default deny: nothing is allowed without a statement that allows it, and
//! an explicit deny wins over any allow. Policies are written as
//! [`StatementSpec`]s (JSON on the wire), checked and compiled once into a
//! [`PolicySet`]; [`PolicySet::evaluate`] then allocates nothing.

mod condition;
mod pattern;
mod roles;

use serde::{Deserialize, Serialize};

pub use condition::{Conditions, RequestFacts, TimeWindow};
pub use pattern::{ActionSet, Glob, KeyFacts, ResourcePattern};
pub use roles::{BuiltinRole, SodRule, check_separation};

use crate::action::Action;
use crate::error::CoreError;

/// Allow or deny.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Effect {
    /// Permit the matching requests.
    Allow,
    /// Refuse them, whatever else allows them.
    Deny,
}

/// A statement as written: `{"effect": "allow", "actions": ["key:encrypt"],
/// "resources": ["key/payments-*"], "conditions": {...}}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatementSpec {
    /// Allow or deny.
    pub effect: Effect,
    /// Action patterns: `key:encrypt`, `key:*`, `*`.
    pub actions: Vec<String>,
    /// Resource patterns: `*`, `key/<glob>`, `tag/<name>=<value>`.
    pub resources: Vec<String>,
    /// Conditions, all of which must hold.
    #[serde(default)]
    pub conditions: Conditions,
}

/// A compiled statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Statement {
    effect: Effect,
    actions: ActionSet,
    resources: Vec<ResourcePattern>,
    conditions: Conditions,
}

impl Statement {
    /// Checks and compiles a written statement.
    pub fn compile(spec: &StatementSpec) -> Result<Self, CoreError> {
        let actions = ActionSet::parse_all(spec.actions.iter().map(String::as_str))?;
        if spec.resources.is_empty() {
            return Err(CoreError::InvalidValue {
                field: "resources",
                reason: "must name at least one resource",
            });
        }
        let resources = spec
            .resources
            .iter()
            .map(|r| ResourcePattern::parse(r))
            .collect::<Result<_, _>>()?;
        spec.conditions.check()?;
        Ok(Self {
            effect: spec.effect,
            actions,
            resources,
            conditions: spec.conditions.clone(),
        })
    }

    fn applies(&self, action: Action, key: Option<KeyFacts<'_>>, facts: &RequestFacts<'_>) -> bool {
        self.actions.contains(action)
            && self.resources.iter().any(|r| r.matches(key))
            && self.conditions.hold(facts)
    }
}

/// Why a request was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Denial {
    /// No statement allows it (default deny).
    NoAllow,
    /// The statement at this position denies it.
    ExplicitDeny {
        /// Its position in the set.
        statement: usize,
    },
}

/// Every statement that applies to one principal, compiled.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PolicySet {
    statements: Vec<Statement>,
}

impl PolicySet {
    /// A set of compiled statements.
    pub fn new(statements: Vec<Statement>) -> Self {
        Self { statements }
    }

    /// Compiles written statements.
    pub fn compile(specs: &[StatementSpec]) -> Result<Self, CoreError> {
        specs
            .iter()
            .map(Statement::compile)
            .collect::<Result<_, _>>()
            .map(Self::new)
    }

    /// Adds another set's statements (a principal's roles and policies).
    pub fn extend(&mut self, other: &PolicySet) {
        self.statements.extend(other.statements.iter().cloned());
    }

    /// How many statements.
    pub fn len(&self) -> usize {
        self.statements.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.statements.is_empty()
    }

    /// Decides a request: allowed only if a statement allows it and none
    /// denies it.
    pub fn evaluate(
        &self,
        action: Action,
        key: Option<KeyFacts<'_>>,
        facts: &RequestFacts<'_>,
    ) -> Result<(), Denial> {
        let mut allowed = false;
        for (i, s) in self.statements.iter().enumerate() {
            if !s.applies(action, key, facts) {
                continue;
            }
            match s.effect {
                Effect::Deny => return Err(Denial::ExplicitDeny { statement: i }),
                Effect::Allow => allowed = true,
            }
        }
        if allowed {
            Ok(())
        } else {
            Err(Denial::NoAllow)
        }
    }
}

#[cfg(test)]
mod tests;
