import { create } from 'zustand';
import { createAblationSlice, type AblationSlice } from './ablation-slice';
import { createArtifactSlice, type ArtifactSlice } from './artifact-slice';
import { createLatentsSlice, type LatentsSlice } from './latents-slice';
import { createSteerSlice, type SteerSlice } from './steer-slice';
import { createBannerSlice, type BannerSlice } from './banner-slice';
import { createCollectSlice, type CollectSlice } from './collect-slice';
import { createDynamicsSlice, type DynamicsSlice } from './dynamics-slice';
import { createExampleSlice, type ExampleSlice } from './example-slice';
import { createGpuSlice, type GpuSlice } from './gpu-slice';
import { createModelSlice, type ModelSlice } from './model-slice';
import { createPrewarmSlice, type PrewarmSlice } from './prewarm-slice';
import { createProjectSlice, type ProjectSlice } from './project-slice';
import { createPromptsSlice, type PromptsSlice } from './prompts-slice';
import { createSaeSlice, type SaeSlice } from './sae-slice';
import { createSelfTestSlice, type SelfTestSlice } from './self-test-slice';

/** The whole app state: one slice per domain, plain data only (heavy objects are in registries). */
export type LabState = GpuSlice & BannerSlice & SelfTestSlice & ModelSlice & ProjectSlice & PromptsSlice & CollectSlice & DynamicsSlice & SaeSlice & ArtifactSlice & AblationSlice & LatentsSlice & SteerSlice & PrewarmSlice & ExampleSlice;

export const useLab = create<LabState>()((...a) => ({
  ...createGpuSlice(...a),
  ...createBannerSlice(...a),
  ...createSelfTestSlice(...a),
  ...createModelSlice(...a),
  ...createProjectSlice(...a),
  ...createPromptsSlice(...a),
  ...createCollectSlice(...a),
  ...createDynamicsSlice(...a),
  ...createSaeSlice(...a),
  ...createArtifactSlice(...a),
  ...createAblationSlice(...a),
  ...createLatentsSlice(...a),
  ...createSteerSlice(...a),
  ...createPrewarmSlice(...a),
  ...createExampleSlice(...a),
}));
