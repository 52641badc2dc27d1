//! The store conformance suite, written once and run against every backend.
//! A backend's test file defines a factory returning a fresh [`Harness`] and
//! calls `conformance_suite!(factory)`, which makes one `#[test]` per case.

mod access;
mod access_rules;
mod audit;
mod due;
mod entities;
pub(crate) mod fixtures;
mod group_commit;
mod idle;
mod listing;
mod transactions;

pub(crate) use access::*;
pub(crate) use access_rules::*;
pub(crate) use audit::*;
pub(crate) use due::*;
pub(crate) use entities::*;
pub(crate) use group_commit::*;
pub(crate) use idle::*;
pub(crate) use listing::*;
pub(crate) use transactions::*;

use std::convert::Infallible;

use keyhold_store::{ReadTx, Store, StoreError, TxError, WriteTx};

/// A store under test and whatever must live as long as it (a temporary
/// directory).
pub(crate) struct Harness {
    /// The store.
    pub(crate) store: Store,
    /// Kept alive until the test ends.
    pub(crate) _keep: Option<tempfile::TempDir>,
}

/// Runs `f` in a write transaction, with store errors as the only errors.
pub(crate) fn write<T>(
    store: &Store,
    f: impl FnOnce(&mut dyn WriteTx) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    store
        .write::<T, Infallible>(|tx| Ok(f(tx)?))
        .map_err(store_only)
}

/// Runs `f` in a read transaction, with store errors as the only errors.
pub(crate) fn read<T>(
    store: &Store,
    f: impl FnOnce(&mut dyn ReadTx) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    store
        .read::<T, Infallible>(|tx| Ok(f(tx)?))
        .map_err(store_only)
}

fn store_only(e: TxError<Infallible>) -> StoreError {
    match e {
        TxError::Store(e) => e,
        TxError::Abort(never) => match never {},
    }
}

/// One `#[test]` per conformance case, each on a fresh store from `$factory`.
macro_rules! conformance_suite {
    ($factory:path) => {
        conformance_suite!(@cases $factory;
            system_values_round_trip,
            tenants_round_trip_by_id_and_name,
            tenant_id_and_name_conflict,
            tenant_update_replaces_the_row,
            keys_round_trip_for_every_algorithm,
            versions_round_trip_for_every_state,
            versions_sealed_before_and_reseal,
            keys_are_scoped_to_their_tenant,
            key_names_conflict_within_a_tenant_only,
            version_numbers_and_ids_conflict,
            key_update_replaces_every_field,
            updates_of_missing_rows_are_not_found,
            rows_need_their_parent,
            erasing_material_keeps_the_tombstone,
            removing_undoes_an_insert_in_its_tenant_only,
            list_filters_by_name_prefix,
            list_filters_by_algorithm,
            list_filters_by_primary_version_state,
            list_filters_by_tag,
            list_pages_without_gaps_or_duplicates,
            list_pages_within_a_prefix,
            list_respects_the_limit,
            aborted_write_leaves_nothing,
            store_error_inside_a_write_rolls_back,
            abort_from_a_read_passes_through,
            panic_inside_a_write_rolls_back,
            readers_see_consistent_snapshots_while_writing,
            submitted_writes_from_many_threads_all_land,
            failing_bodies_leave_the_rest_of_the_batch_alone,
            submitted_and_direct_writes_interleave,
            audit_events_round_trip_every_name,
            audit_head_tracks_the_last_event,
            audit_append_refuses_gaps_repeats_and_forks,
            concurrent_audit_appends_form_one_chain,
            direct_writes_from_many_threads_form_one_chain,
            submitted_audit_appends_form_one_chain,
            audit_queries_filter_by_every_field,
            audit_queries_page_without_gaps_or_duplicates,
            audit_range_reads_in_chunks,
            audit_checkpoints_round_trip,
            audit_chain_verifies_after_a_round_trip,
            principals_round_trip_scoped_to_their_tenant,
            principal_conflicts_parents_and_missing_rows,
            principals_page_by_name,
            principals_with_role_follow_updates,
            principal_delete_takes_its_tokens_certs_and_mfa,
            tokens_round_trip_and_are_found_by_hash,
            token_revocation_keeps_the_first_time,
            tokens_page_by_id_for_a_tenant_or_a_principal,
            cert_bindings_name_one_principal_across_tenants,
            mfa_enrollments_are_replaced_and_deleted,
            policies_round_trip_conflict_and_delete,
            policies_page_by_name,
            roles_round_trip_update_and_delete,
            approvals_round_trip_and_update,
            approvals_list_by_state_oldest_first,
            approvals_expiring_before_are_pending_ones_across_tenants,
            tenant_settings_are_stored_whole,
            system_values_can_be_deleted,
            keys_due_lists_each_reason_in_order_of_urgency,
            keys_due_skips_what_is_not_due,
            keys_due_respects_the_limit,
            keys_due_spans_tenants,
            keys_due_resumes_after_its_cursor,
            keys_idle_finds_what_the_rule_must_look_at,
            key_use_is_recorded_forward_only,
        );
    };
    (@cases $factory:path; $($case:ident),* $(,)?) => {
        $(
            #[test]
            fn $case() {
                let harness = $factory();
                crate::conformance::$case(&harness.store);
            }
        )*
    };
}
