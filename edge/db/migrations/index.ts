/**
 * @module Schema migrations in order, written once with Kysely's schema builder for both
 * SQLite and PostgreSQL (only column type names differ, see types.ts). One file each; a
 * migration, once released, is never edited: changes are new migrations.
 */
import type { Migration } from 'kysely';
import { foundation } from './0001_foundation.ts';
import { ledger } from './0002_ledger.ts';
import { auth } from './0003_auth.ts';
import { shop } from './0004_shop.ts';
import { licenses } from './0005_licenses.ts';
import { coordinator } from './0006_coordinator.ts';
import { reception } from './0007_reception.ts';
import { customerBilling } from './0008_customer_billing.ts';
import { replicaIndexes } from './0009_replica_indexes.ts';
import { jobParams } from './0010_job_params.ts';
import { trust } from './0011_trust.ts';
import { identityLimits } from './0012_identity_limits.ts';
import { shopGovernance } from './0013_shop_governance.ts';
import { trialCredit } from './0014_trial_credit.ts';
import { loginAttemptsLicenseSlots } from './0015_login_attempts_license_slots.ts';
import { groups } from './0016_groups.ts';
import { groupSeatOrigin } from './0017_group_seat_origin.ts';
import { noHotRows } from './0018_no_hot_rows.ts';
import type { Dialect } from './types.ts';

/** Migrations by name; names sort in order. */
export function migrations(dialect: Dialect): Record<string, Migration> {
  return {
    '0001_foundation': foundation(dialect),
    '0002_ledger': ledger(dialect),
    '0003_auth': auth(dialect),
    '0004_shop': shop(dialect),
    '0005_licenses': licenses(dialect),
    '0006_coordinator': coordinator(dialect),
    '0007_reception': reception(dialect),
    '0008_customer_billing': customerBilling(dialect),
    '0009_replica_indexes': replicaIndexes(dialect),
    '0010_job_params': jobParams(dialect),
    '0011_trust': trust(dialect),
    '0012_identity_limits': identityLimits(dialect),
    '0013_shop_governance': shopGovernance(dialect),
    '0014_trial_credit': trialCredit(dialect),
    '0015_login_attempts_license_slots': loginAttemptsLicenseSlots(dialect),
    '0016_groups': groups(dialect),
    '0017_group_seat_origin': groupSeatOrigin(dialect),
    '0018_no_hot_rows': noHotRows(dialect),
  };
}
