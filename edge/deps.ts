/**
 * @module The edge's composition root: what every feature's routes are built from. `app.ts`
 * builds one {@link AppDeps} and passes it to every `xRoutes(deps)`; no route file imports
 * `app.ts`, so the features never depend on the app that mounts them.
 */
import type { Coordinator } from './coordinator/index.ts';
import type { Store } from './db/index.ts';
import type { KernelRegistry } from './kernels/registry.ts';
import type { PaymentProvider } from './shop/payments.ts';
import type { IceServer } from '../shared/groups/schemas.ts';

/** What every feature's routes are built from. */
export interface AppDeps {
  store: Store;
  kernels: KernelRegistry;
  /** Clock (epoch ms), injectable for tests. */
  now: () => number;
  /** Payment provider for shop checkouts and top-ups. */
  payments: PaymentProvider;
  /** Randomness for spot checks of trusted volunteers, injectable for tests. */
  random: () => number;
  /** The unit and replica lifecycle (edge/coordinator/), wired to the jobs. */
  coordinator: Coordinator;
  /** Proxies whose X-Forwarded-For names the client (TRUST_PROXY); none by default. */
  trustedProxies: ReadonlySet<string>;
  /** Trial credit of a new customer account, minor units (TRIAL_CREDIT_MINOR). */
  trialCreditMinor: number;
  /** STUN/TURN servers named to groups' hosts and peers (GROUP_ICE_SERVERS); none by default. */
  groupIceServers: readonly IceServer[];
}
