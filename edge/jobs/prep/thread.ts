/**
 * @module Body of one job-body thread (pool.ts starts it): answers the pool's messages
 * (serve.ts).
 */
import { parentPort } from 'node:worker_threads';
import { serveBodies } from './serve.ts';

if (parentPort) serveBodies(parentPort);
