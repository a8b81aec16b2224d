/**
 * @module Reading an uploaded file as text the way every upload form here does: bounded in
 * bytes, and strict UTF-8, so bytes that are not UTF-8 are refused with a readable reason
 * instead of being silently replaced (the server would refuse the U+FFFD they become).
 */

/**
 * The file's text, or the sentence that says why it was refused (`what` names it: "a corpus").
 * @example
 * const read = await readUtf8File(file, TRANSLATE_DOCUMENT_BYTES_MAX, 'a document');
 * if (typeof read === 'string') setError(read);
 */
export async function readUtf8File(file: File, bytesMax: number, what: string): Promise<{ name: string; text: string } | string> {
  if (file.size > bytesMax) return `${file.name} has ${file.size} bytes; ${what} may have at most ${bytesMax}.`;
  try {
    return { name: file.name, text: new TextDecoder('utf-8', { fatal: true }).decode(await file.arrayBuffer()) };
  } catch {
    return `${file.name} is not UTF-8 text; save it as UTF-8 and upload it again.`;
  }
}
