import type { ModelStatus } from './model-slice';
import type { CollectSettings } from './project-record';

/** Recorded steps S of a new collection: the Collect page's default, the example's, and the sizes the kernels compile for at start. */
export const DEFAULT_RECORDED_STEPS = 5;

/**
 * What a collection with the loaded model records: the model, its hooked
 * block and that block's shape, with the sampler and recording choices.
 * Throws when the model is loaded without a hook (nothing to record).
 */
export function collectSettings(model: Extract<ModelStatus, { state: 'ready' }>, choice: Pick<CollectSettings, 'sampler' | 'recordCalls' | 'dtype' | 'fixedSeed'>): CollectSettings {
  const { info } = model;
  const hook = info.hooks.find((h) => h.path === info.hook);
  if (!hook) throw new Error('The model is loaded without a hook: pick a block on the Model page.');
  return { manifestUrl: model.manifestUrl, model: info.name, hook: hook.path, channels: hook.channels, height: hook.height, width: hook.width, ...choice };
}
