/**
 * Bytes → text: a prompt file must be UTF-8 text, so UTF-16, binary files and
 * invalid UTF-8 are refused with the line and column of the first bad byte.
 */
import { PROMPT_FILE_EXTENSIONS, PromptFileError } from './prompt-set';

/** Share of control bytes (other than tab, LF, FF, CR) above which a file is taken for binary; random bytes have ~11%, text ~0. */
const BINARY_CONTROL_SHARE = 0.05;
const SNIFF_BYTES = 65536;

/** The text of non-empty `bytes`, a leading UTF-8 BOM dropped; throws PromptFileError when they are not UTF-8 text. */
export function decodeText(name: string, bytes: Uint8Array): string {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    throw new PromptFileError(`${name} is UTF-16 text (Excel's "Unicode Text" saves this): save it as UTF-8 ("CSV UTF-8" in Excel, "UTF-8" in other editors)`, 1, 1);
  }
  const nul = bytes.indexOf(0);
  if (nul >= 0) {
    const { line, column } = bytePosition(bytes, nul);
    throw new PromptFileError(`${name} looks like a binary file, not text: a NUL byte at line ${line}, column ${column}. Prompt files are UTF-8 text (${PROMPT_FILE_EXTENSIONS.join(', ')})`, line, column);
  }
  const sample = bytes.subarray(0, SNIFF_BYTES);
  let control = 0;
  for (const b of sample) if ((b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0c && b !== 0x0d) || b === 0x7f) control++;
  if (control > BINARY_CONTROL_SHARE * sample.length) {
    throw new PromptFileError(`${name} looks like a binary file, not text: ${Math.round((100 * control) / sample.length)}% of its first ${sample.length} bytes are control characters. Prompt files are UTF-8 text (${PROMPT_FILE_EXTENSIONS.join(', ')})`);
  }
  try {
    // The default ignoreBOM: false drops a leading UTF-8 BOM.
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (error) {
    const bad = firstInvalidUtf8(bytes);
    if (bad < 0) throw error;
    const { line, column } = bytePosition(bytes, bad);
    throw new PromptFileError(
      `${name}: line ${line}, column ${column}: byte 0x${bytes[bad].toString(16).toUpperCase().padStart(2, '0')} is not valid UTF-8. Save the file as UTF-8 (it may be Latin-1 or Windows-1252; Excel: "CSV UTF-8")`,
      line,
      column,
    );
  }
}

/**
 * Offset of the first byte that starts an ill-formed UTF-8 sequence, by the
 * well-formed byte sequences table (Unicode 15, Table 3-7), which is what
 * TextDecoder's fatal mode enforces; -1 when the bytes are valid.
 */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const b = bytes[i];
    if (b < 0x80) {
      i++;
      continue;
    }
    // Continuation count and the allowed range of the second byte for this lead byte.
    let count: number, lo = 0x80, hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) count = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      count = 2;
      if (b === 0xe0) lo = 0xa0;
      if (b === 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      count = 3;
      if (b === 0xf0) lo = 0x90;
      if (b === 0xf4) hi = 0x8f;
    } else return i;
    if (i + count >= n) return i;
    if (bytes[i + 1] < lo || bytes[i + 1] > hi) return i;
    for (let k = 2; k <= count; k++) if (bytes[i + k] < 0x80 || bytes[i + k] > 0xbf) return i;
    i += count + 1;
  }
  return -1;
}

/** 1-based line and column (in bytes) of a byte offset; CRLF, LF and a lone CR each end a line. */
function bytePosition(bytes: Uint8Array, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = 0; i < offset; i++) {
    const b = bytes[i];
    if (b === 0x0a || (b === 0x0d && bytes[i + 1] !== 0x0a)) {
      line++;
      start = i + 1;
    }
  }
  // Columns count characters: the valid UTF-8 before the offset on its line, decoded.
  const column = new TextDecoder().decode(bytes.subarray(start, offset)).length + 1;
  return { line, column };
}
