/**
 * Just enough of the protobuf wire format to walk a message's top-level
 * fields without decoding them (protobuf encoding spec: tag = field << 3 |
 * wire type; varint, 64-bit, length-delimited, 32-bit). Graph surgery uses
 * it to carry a UNet's initializers (1.7 GB in a single-file SD 1.5 export)
 * through as byte ranges instead of decoded objects.
 */

export interface WireField {
  field: number;
  wireType: number;
  /** The whole field, tag included: [start, end) in the message's bytes. */
  start: number;
  end: number;
  /** For length-delimited fields, the payload: [payloadStart, end). */
  payloadStart: number;
}

export class WireFormatError extends Error {
  override name = 'WireFormatError';
}

/** The varint at `offset` (exact up to 2^53, which covers any length or enum a model holds) and the offset after it. */
export function readVarint(bytes: Uint8Array, offset: number, what: string): [value: number, next: number] {
  let value = 0;
  let scale = 1;
  for (let i = offset; i < bytes.length && i < offset + 10; i++) {
    const b = bytes[i];
    value += (b & 0x7f) * scale;
    scale *= 128;
    if ((b & 0x80) === 0) return [value, i + 1];
  }
  throw new WireFormatError(`${what}: a varint runs past the end of the data at byte ${offset} (the file is truncated or not protobuf)`);
}

/** The top-level fields of one encoded message, in order; more than `maxFields` is an error (before they are all listed). */
export function scanFields(bytes: Uint8Array, what: string, maxFields = Infinity): WireField[] {
  const fields: WireField[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    if (fields.length >= maxFields) throw new WireFormatError(`${what}: more than ${maxFields} fields at its top level: not an ONNX model this app loads (a corrupt or hostile file?)`);
    const start = offset;
    const [tag, afterTag] = readVarint(bytes, offset, what);
    const field = Math.floor(tag / 8);
    const wireType = tag & 7;
    if (field === 0) throw new WireFormatError(`${what}: field number 0 at byte ${start} (not a protobuf message)`);
    let end: number;
    let payloadStart = afterTag;
    switch (wireType) {
      case 0:
        end = readVarint(bytes, afterTag, what)[1];
        break;
      case 1:
        end = afterTag + 8;
        break;
      case 2: {
        const [length, afterLength] = readVarint(bytes, afterTag, what);
        payloadStart = afterLength;
        end = afterLength + length;
        break;
      }
      case 5:
        end = afterTag + 4;
        break;
      default:
        throw new WireFormatError(`${what}: wire type ${wireType} at byte ${start} is not one protobuf uses (the file is not protobuf or is corrupt)`);
    }
    if (end > bytes.length) throw new WireFormatError(`${what}: field ${field} at byte ${start} ends at ${end}, past the end of the data (${bytes.length} bytes): the file is truncated`);
    fields.push({ field, wireType, start, end, payloadStart });
    offset = end;
  }
  return fields;
}

function pushVarint(out: number[], value: number): void {
  let v = value;
  while (v >= 128) {
    out.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
}

/** Tag and length prefix of a length-delimited field. */
export function lengthPrefix(field: number, length: number): Uint8Array {
  const out: number[] = [];
  pushVarint(out, field * 8 + 2);
  pushVarint(out, length);
  return Uint8Array.from(out);
}
