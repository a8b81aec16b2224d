/**
 * @module The phrase decoding kernel's return codes and limits, for the AssemblyScript build
 * (the modules in assembly/ import `../codes`). They live in shared/kernels/phrase.codes.ts,
 * which the job kind needs too; TypeScript imports them from there. The specifier has no
 * `.ts` because asc appends one to every import.
 */
export * from '../../shared/kernels/phrase.codes';
