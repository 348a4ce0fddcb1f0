import type { SourceLocation } from '../model/types.js';
import type { TextEdit } from './psql-script.js';

/**
 * Converts offsets into the text the parsers read to locations in the file as written. libpg-query reports UTF-8
 * byte offsets while JavaScript strings index UTF-16 code units, so byte offsets are translated first (only texts
 * with non-ASCII characters need the table). The parsed text differs from the file where psql would substitute a
 * variable (`edits`); an offset inside a substituted value maps into the reference it replaced.
 */
export interface SourcePositions {
  file: string;
  /** The text the parsers read. */
  text: string;
  charOffset(byteOffset: number): number;
  /** The offset in the file as written of an offset in `text`. */
  originalOffset(offset: number): number;
  /** The file's text as written between two offsets of `text`. */
  originalSlice(start: number, end: number): string;
  location(offset: number): SourceLocation;
  /** The location of an offset in the file as written. */
  originalLocation(originalOffset: number): SourceLocation;
}

interface MappedEdit {
  parsedStart: number;
  parsedEnd: number;
  start: number;
  end: number;
}

export function sourcePositions(
  file: string,
  text: string,
  original: string = text,
  edits: readonly TextEdit[] = [],
): SourcePositions {
  const lineStarts = [0];
  for (let i = original.indexOf('\n'); i !== -1; i = original.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  const byteToChar = isAscii(text) ? null : byteToCharTable(text);
  const mapped = mapEdits(edits);
  const originalOffset = (offset: number): number => {
    let low = 0;
    let high = mapped.length - 1;
    let edit: MappedEdit | undefined;
    while (low <= high) {
      const middle = (low + high) >> 1;
      if (mapped[middle]!.parsedStart <= offset) {
        edit = mapped[middle];
        low = middle + 1;
      } else high = middle - 1;
    }
    if (!edit) return offset;
    if (offset < edit.parsedEnd) return edit.start + Math.min(offset - edit.parsedStart, edit.end - edit.start);
    return offset - edit.parsedEnd + edit.end;
  };
  const originalLocation = (charOffset: number): SourceLocation => {
    let low = 0;
    let high = lineStarts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if ((lineStarts[middle] ?? 0) <= charOffset) low = middle;
      else high = middle - 1;
    }
    return { file, line: low + 1, column: charOffset - (lineStarts[low] ?? 0) + 1 };
  };
  return {
    file,
    text,
    charOffset: (byteOffset) => (byteToChar ? (byteToChar[byteOffset] ?? text.length) : byteOffset),
    originalOffset,
    originalSlice: (start, end) => original.slice(originalOffset(start), originalOffset(end)),
    location: (offset) => originalLocation(originalOffset(offset)),
    originalLocation,
  };
}

function mapEdits(edits: readonly TextEdit[]): MappedEdit[] {
  let shift = 0;
  return edits.map((edit) => {
    const parsedStart = edit.start + shift;
    shift += edit.replacement.length - (edit.end - edit.start);
    return { parsedStart, parsedEnd: parsedStart + edit.replacement.length, start: edit.start, end: edit.end };
  });
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
