/**
 * @module Shop: catalog, cart, checkout with points, orders, refunds, settlement reports.
 */
import { Hono } from 'hono';
import type { AppDeps } from '../app.ts';

export function shopRoutes(deps: AppDeps) {
  void deps;
  return new Hono();
}
