import type { SourceLocation } from '../model/types.js';

/**
 * Converts offsets into one file's text to locations. libpg-query reports UTF-8 byte offsets while JavaScript strings
 * index UTF-16 code units, so byte offsets are translated first (only files with non-ASCII text need the table).
 */
export interface SourcePositions {
  file: string;
  text: string;
  charOffset(byteOffset: number): number;
  location(charOffset: number): SourceLocation;
}

export function sourcePositions(file: string, text: string): SourcePositions {
  const lineStarts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  const byteToChar = isAscii(text) ? null : byteToCharTable(text);
  return {
    file,
    text,
    charOffset: (byteOffset) => (byteToChar ? (byteToChar[byteOffset] ?? text.length) : byteOffset),
    location(charOffset) {
      let low = 0;
      let high = lineStarts.length - 1;
      while (low < high) {
        const middle = (low + high + 1) >> 1;
        if ((lineStarts[middle] ?? 0) <= charOffset) low = middle;
        else high = middle - 1;
      }
      return { file, line: low + 1, column: charOffset - (lineStarts[low] ?? 0) + 1 };
    },
  };
}

function isAscii(text: string): boolean {
  // eslint-disable-next-line no-control-regex
  return !/[^\x00-\x7f]/.test(text);
}

/** byteToChar[b] is the UTF-16 index of the character starting at UTF-8 byte b (and of the end, at the end). */
function byteToCharTable(text: string): Uint32Array {
  const table = new Uint32Array(Buffer.byteLength(text, 'utf8') + 1);
  let byte = 0;
  for (let index = 0; index < text.length;) {
    const codePoint = text.codePointAt(index) ?? 0;
    const width = codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4;
    for (let k = 0; k < width; k++) table[byte + k] = index;
    byte += width;
    index += codePoint >= 0x10000 ? 2 : 1;
  }
  table[byte] = text.length;
  return table;
}
