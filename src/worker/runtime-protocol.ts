/**
 * Messages between the page and the runtime worker, which holds the model
 * (ORT sessions, GPU device) so that loading and generation never block the
 * page. Every request carries an id; every answer names the request it
 * answers.
 */
import type { ProviderName } from '../diffusion/ort-runtime';
import type { SchedulerName } from '../diffusion/schedulers';

export type ProviderChoice = 'auto' | ProviderName;

export type RuntimeRequest =
  | { type: 'load'; id: number; manifestUrl: string; provider: ProviderChoice; hook: string | 'default' | null }
  | { type: 'generate'; id: number; prompt: string; negativePrompt: string; seed: number; scheduler: SchedulerName; steps: number; guidance: number }
  | { type: 'cancel'; id: number };

export interface LoadedModelInfo {
  name: string;
  provider: ProviderName;
  /** Why this provider: the user's choice, or what "auto" decided. */
  providerReason: string;
  hook: string | null;
  hooks: { path: string; channels: number; height: number; width: number; default: boolean }[];
  sampler: { scheduler: SchedulerName; steps: number; guidance: number };
  imageSize: number;
  seconds: number;
}

export type RuntimeResponse =
  | { type: 'progress'; id: number; stage: string; loaded: number; total: number | null; bytesPerSecond: number; etaSeconds: number | null }
  | { type: 'loaded'; id: number; info: LoadedModelInfo }
  /** After each UNet call; `preview` (latent-size RGBA) when the manifest has a preview map. */
  | { type: 'step'; id: number; call: number; calls: number; preview: { width: number; height: number; rgba: ArrayBuffer } | null }
  | { type: 'image'; id: number; width: number; height: number; rgba: ArrayBuffer; seconds: number }
  | { type: 'error'; id: number; message: string; cancelled: boolean };
