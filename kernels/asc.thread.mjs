/**
 * @module Runs one AssemblyScript compiler invocation (`asc.main`) in a worker thread started
 * without tsx: tsx would transform the compiler's 13 MB of JavaScript on every import,
 * which costs seconds per build. Plain JavaScript for the same reason.
 */
import { parentPort, workerData } from 'node:worker_threads';
import asc from 'assemblyscript/asc';

const decoder = new TextDecoder();
const text = (chunk) => (typeof chunk === 'string' ? chunk : decoder.decode(chunk));
let stdout = '';
let stderr = '';
const result = await asc.main(workerData.args, {
  stdout: { write: (chunk) => void (stdout += text(chunk)) },
  stderr: { write: (chunk) => void (stderr += text(chunk)) },
});
parentPort.postMessage({ error: result.error ? result.error.message : null, stdout, stderr });
