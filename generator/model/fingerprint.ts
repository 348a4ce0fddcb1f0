import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import type { SourceFile } from './types.js';

/** sha256 as lower-case hex; a string is hashed as its UTF-8 bytes. */
export const sha256Hex = (data: string | Uint8Array): string => createHash('sha256').update(data).digest('hex');

/**
 * The fingerprint of a migration history: sha256 hex over one line `${basename}:${sha256hex(content)}\n` per file, in
 * the order the files are applied. Base names (not paths) so the same files give the same fingerprint wherever they
 * are checked out; the generated client and the migration runner must both use this function.
 */
export function fingerprintSources(sources: readonly Pick<SourceFile, 'path' | 'text'>[]): string {
  const lines = sources.map((source) => `${basename(source.path)}:${sha256Hex(source.text)}\n`).join('');
  return sha256Hex(lines);
}
