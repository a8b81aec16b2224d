/**
 * @module Response shapes the edge writes without a schema of its own elsewhere, declared
 * here so the API document (edge/openapi/document.ts) can name them: the health check and
 * a problem type's page.
 */
import { z } from 'zod';

/** `GET /api/health`: the process answers, its database dialect and the kernels it loaded. */
export const HealthSchema = z.object({ ok: z.literal(true), dialect: z.enum(['sqlite', 'postgres']), kernels: z.array(z.string()) });
export type Health = z.output<typeof HealthSchema>;

/** `GET /problems/{slug}`: what a problem type means (RFC 9457 §3.1.1: the type URI may be dereferenced). */
export const ProblemTypeSchema = z.object({ type: z.string(), status: z.int(), title: z.string() });
export type ProblemType = z.output<typeof ProblemTypeSchema>;
