/**
 * Project records in IndexedDB (database `trajectory-lab`, store
 * `projects`, keyed by id). Their files live in OPFS; deleting a project
 * removes both.
 */
import { ProjectFolder } from '../data/opfs-project';
import type { ProjectRecord } from './project-record';

const DB = 'trajectory-lab';
const STORE = 'projects';

let opened: Promise<IDBDatabase> | null = null;

function db(): Promise<IDBDatabase> {
  opened ??= new Promise((resolve, reject) => {
    const request = indexedDB.open(DB, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: 'id' });
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(new Error(`the browser refused its IndexedDB (${request.error?.message ?? 'unknown error'}); projects cannot be saved — is this a private window with storage blocked?`));
  });
  return opened;
}

async function transact<T>(mode: IDBTransactionMode, run: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const store = (await db()).transaction(STORE, mode).objectStore(STORE);
  return new Promise((resolve, reject) => {
    const request = run(store);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error('IndexedDB request failed'));
  });
}

export function listProjects(): Promise<ProjectRecord[]> {
  return transact('readonly', (s) => s.getAll() as IDBRequest<ProjectRecord[]>).then((all) => all.sort((a, b) => a.created - b.created));
}

export async function saveProject(project: ProjectRecord): Promise<void> {
  await transact('readwrite', (s) => s.put(project));
}

export async function deleteProject(id: string): Promise<void> {
  await transact('readwrite', (s) => s.delete(id));
  await ProjectFolder.remove(id);
}
