/**
 * @module License keys: public key, activation, deactivation, revocation, grants.
 */
import { Hono } from 'hono';
import type { AppDeps } from '../app.ts';

export function licenseRoutes(deps: AppDeps) {
  void deps;
  return new Hono();
}
