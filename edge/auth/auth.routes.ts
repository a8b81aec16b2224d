/**
 * @module Sign-up, sign-in, sessions and claiming an anonymous volunteer identity.
 */
import { Hono } from 'hono';
import type { AppDeps } from '../app.ts';

export function authRoutes(deps: AppDeps) {
  void deps;
  return new Hono();
}
