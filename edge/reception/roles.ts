/**
 * @module Builds reception and this process's node from the configuration, by role, and
 * starts the node's load reports (over HTTP to a reception elsewhere, or in-process for `all`).
 */
import { randomBytes } from 'node:crypto';
import { NODE_REPORT_INTERVAL_MS } from '../../shared/limits.ts';
import type { ReceptionMount } from './mount.ts';
import { NodeAdmissions } from './node.ts';
import { Reception } from './reception.ts';
import { startReporting } from './reporter.ts';
import { keyringFrom, randomKeyring } from './tickets.ts';

/**
 * What reception and the node are built from: the part of the edge's configuration
 * (edge/config.ts, which has it all and says what each setting is) they read.
 */
export interface ReceptionRoleConfig {
  /** `all` runs reception and a node, `reception` only admits, `node` only serves. */
  role: 'all' | 'reception' | 'node';
  /** This node's id and the URL clients reach it at (nodes; `all` uses its own). */
  nodeId: string;
  publicUrl: string;
  region: string;
  /** Admissions this node takes at once. */
  capacity: number;
  /** Where a node reports its load. */
  receptionUrl: string | undefined;
  /** `kid:base64key,…` shared by reception and nodes (random per process for `all` when unset). */
  ticketKeys: string | undefined;
  /** The secret nodes authenticate their reports with. */
  reportKey: string | undefined;
  /** Whether work, job submission and checkout need a claimed admission (always on `node`). */
  admissionRequired: boolean;
  appOrigins?: string[];
}

/**
 * Builds reception and this process's node for `config.role`, and starts the node's reports.
 * @example
 * const { mount, stop } = startReception(readConfig());
 */
export function startReception(config: ReceptionRoleConfig): {
  mount: ReceptionMount;
  stop: () => void;
} {
  const ring = config.ticketKeys ? keyringFrom(config.ticketKeys) : randomKeyring();
  const reportKey = config.reportKey ?? randomBytes(24).toString('base64url');
  const reception = config.role === 'node' ? undefined : new Reception({ ring });
  const admissions =
    config.role === 'reception' ? undefined : new NodeAdmissions({ node: config.nodeId, url: config.publicUrl, region: config.region, capacity: config.capacity, ring });
  let stop = () => {};
  if (admissions && config.role === 'node') {
    stop = startReporting(admissions, { receptionUrl: config.receptionUrl!, reportKey });
  } else if (admissions && reception) {
    // One process: the node reports to its own reception directly.
    const report = () => reception.report(admissions.takeReport());
    report();
    const timer = setInterval(report, NODE_REPORT_INTERVAL_MS);
    timer.unref();
    stop = () => clearInterval(timer);
  }
  return {
    mount: {
      ...(reception ? { reception: { reception, reportKey } } : {}),
      ...(admissions ? { node: { admissions, required: config.admissionRequired } } : {}),
      // Pages reach reception here (same origin) unless this is a node, whose reception is elsewhere.
      browser: { appOrigins: config.appOrigins ?? [], receptionUrl: config.role === 'node' ? config.receptionUrl! : '' },
    },
    stop,
  };
}
