/**
 * A whole project as one file: a safetensors file whose tensors are the
 * project folder's files as bytes (U8, named `file:<name>`) and whose
 * metadata holds the project's record (JSON). Re-importing it gives back
 * the same files byte for byte and the same record. Every file of the
 * folder travels, so the images' per-step preview strips and the latent
 * statistics (PROJECT_FILES) come with the trajectories and SAE.
 */
import { planSafetensors, SafetensorsError, SafetensorsFile, type ByteSource } from './safetensors';

const KIND = 'project';
const PREFIX = 'file:';

export interface ProjectBundle {
  /** The project record (plain JSON data). */
  record: unknown;
  files: { name: string; bytes: Uint8Array }[];
}

/**
 * The project file as a Blob. A file may be given as a Blob (an OPFS File)
 * instead of bytes: it is then a part of the result, never read into memory,
 * so a multi-gigabyte trajectory file exports with bounded memory.
 */
export function serializeProjectBundle(bundle: { record: unknown; files: { name: string; bytes: Uint8Array | Blob }[] }): Blob {
  const byName = new Map(bundle.files.map((f) => [`${PREFIX}${f.name}`, f.bytes]));
  const sizeOf = (bytes: Uint8Array | Blob) => (bytes instanceof Blob ? bytes.size : bytes.byteLength);
  const specs = Object.fromEntries([...byName].map(([name, bytes]) => [name, { dtype: 'U8' as const, shape: [sizeOf(bytes)] }]));
  const layout = planSafetensors(specs, { kind: KIND, record: JSON.stringify(bundle.record) });
  // Blob parts cannot view a SharedArrayBuffer (used under cross-origin isolation): copy those.
  const part = (bytes: Uint8Array | Blob): Blob | Uint8Array<ArrayBuffer> => (bytes instanceof Blob ? bytes : bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : bytes.slice());
  return new Blob([layout.header, ...layout.order.map((name) => part(byName.get(name)!))]);
}

/** A project file's record and where each of its files lies in it: bytes begin..end (copy them with source.slice). */
export interface ProjectBundleIndex {
  record: unknown;
  files: { name: string; begin: number; end: number }[];
}

/** Reads a project file's header only: its record and its files' byte ranges. */
export async function indexProjectBundle(source: ByteSource): Promise<ProjectBundleIndex> {
  const file = await SafetensorsFile.open(source);
  if (file.metadata.kind !== KIND) throw new SafetensorsError(`not a project file: metadata kind is ${JSON.stringify(file.metadata.kind)}, expected "${KIND}"`);
  let record: unknown;
  try {
    record = JSON.parse(file.metadata.record ?? '');
  } catch {
    throw new SafetensorsError('project file: its metadata "record" is not JSON');
  }
  const files: ProjectBundleIndex['files'] = [];
  for (const [name, info] of file.tensors) {
    if (!name.startsWith(PREFIX) || info.dtype !== 'U8') throw new SafetensorsError(`project file: tensor "${name}" (${info.dtype}) is not a U8 file:<name> entry`);
    files.push({ name: name.slice(PREFIX.length), begin: info.begin, end: info.end });
  }
  return { record, files };
}

/** A project file with every file's bytes in memory (tests and the CLI; the page copies entries by range instead). */
export async function readProjectBundle(source: ByteSource): Promise<ProjectBundle> {
  const blob = source instanceof Blob ? source : new Blob([source instanceof Uint8Array ? source.slice() : source]);
  const { record, files } = await indexProjectBundle(blob);
  return { record, files: await Promise.all(files.map(async (f) => ({ name: f.name, bytes: new Uint8Array(await blob.slice(f.begin, f.end).arrayBuffer()) }))) };
}
