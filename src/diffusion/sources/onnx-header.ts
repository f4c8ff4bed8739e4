import { ModelSourceError } from './source-error';

/**
 * Whether `bytes` start like an ONNX ModelProto: protobuf field 1
 * (`ir_version`, a varint) comes first, so the tag byte is 0x08 followed by
 * a small version (1–20; onnx 1.23 writes 11). Catches the usual wrong
 * files early, with a message: an HTML error page saved as model.onnx, a
 * Git LFS pointer, a JSON error body, an empty file.
 */
export function checkOnnxHeader(bytes: Uint8Array, path: string, where: string): void {
  if (bytes.length >= 2 && bytes[0] === 0x08 && bytes[1] >= 1 && bytes[1] <= 20) return;
  const head = new TextDecoder('utf-8', { fatal: false }).decode(bytes.subarray(0, 64));
  const hex = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
  const looksLike = head.startsWith('version https://git-lfs')
    ? 'a Git LFS pointer, not the file itself: fetch it with `git lfs pull` or download it from the model page'
    : /^\s*<(!doctype|html)/i.test(head)
      ? 'an HTML page (an error or login page saved in its place): download the file itself'
      : /^\s*[{[]/.test(head)
        ? 'JSON (an error response?): download the file itself'
        : bytes.length === 0
          ? 'empty: download it again'
          : `starting with bytes ${hex}: an ONNX model starts with 08 (ir_version); check that the right file is at this path`;
  throw new ModelSourceError('not-onnx', `${where}: ${path} is not an ONNX model; it is ${looksLike}`);
}
