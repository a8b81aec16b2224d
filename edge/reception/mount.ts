/**
 * @module How the edge's roles use reception: `all` runs reception and one node in one process
 * (admission optional unless asked for), `reception` only admits, `node` requires a claimed
 * admission for volunteer work, job submission and checkout.
 */
import type { Hono, MiddlewareHandler } from 'hono';
import { ProblemError } from '../http/problem.ts';
import { API_PATHS } from '../../shared/api/schemas.ts';
import { SHOP_PATHS } from '../../shared/shop/schemas.ts';
import type { NodeAdmissions } from './node.ts';
import type { Reception } from './reception.ts';
import { nodeRoutes, receptionRoutes, requireAdmission } from './routes.ts';

export interface ReceptionMount {
  reception?: { reception: Reception; reportKey: string };
  node?: { admissions: NodeAdmissions; required: boolean };
  /** What browsers are told (edge/reception/browser.ts): pages allowed across origins, and where reception is ('' for here). */
  browser?: { appOrigins: string[]; receptionUrl: string };
}

/** Adds reception's and the node's routes, and the admission checks, before the feature routes. */
export function mountReception(app: Hono, mount: ReceptionMount | undefined): void {
  if (mount?.reception) app.route('/', receptionRoutes(mount.reception.reception, mount.reception.reportKey));
  if (mount?.reception && !mount.node) {
    // Reception alone serves no work: it only admits to the nodes.
    const elsewhere: MiddlewareHandler = async () => {
      throw new ProblemError('admission-required', 'this server is reception: ask it for admission, then use the node it names');
    };
    app.use('/api/work/*', elsewhere);
    app.use(API_PATHS.jobs, async (c, next) => (c.req.method === 'POST' ? elsewhere(c, next) : next()));
    app.use(SHOP_PATHS.checkout, elsewhere);
  }
  if (!mount?.node) return;
  const { admissions, required } = mount.node;
  app.route('/', nodeRoutes(admissions));
  if (!required) return;
  app.use('/api/work/*', requireAdmission(admissions, 'volunteer'));
  const jobs = requireAdmission(admissions, 'jobs');
  app.use(API_PATHS.jobs, async (c, next) => (c.req.method === 'POST' ? jobs(c, next) : next()));
  app.use(SHOP_PATHS.checkout, requireAdmission(admissions, 'checkout'));
}
