/**
 * Why a model's files could not be had, as one error type the UI can show
 * in its banner: `kind` says what went wrong, the message says which file
 * and what to do about it.
 */
export type SourceErrorKind = 'missing' | 'truncated' | 'not-onnx' | 'checksum' | 'quota' | 'http' | 'network' | 'manifest';

export class ModelSourceError extends Error {
  override name = 'ModelSourceError';
  constructor(
    readonly kind: SourceErrorKind,
    message: string,
  ) {
    super(message);
  }
}

/** Bytes as MiB or GiB with one decimal, for messages. */
export function formatBytes(n: number): string {
  return n >= 2 ** 30 ? `${(n / 2 ** 30).toFixed(2)} GiB` : `${(n / 2 ** 20).toFixed(1)} MiB`;
}
