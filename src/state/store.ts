import { create } from 'zustand';
import { createBannerSlice, type BannerSlice } from './banner-slice';
import { createGpuSlice, type GpuSlice } from './gpu-slice';
import { createModelSlice, type ModelSlice } from './model-slice';
import { createSelfTestSlice, type SelfTestSlice } from './self-test-slice';

/** The whole app state: one slice per domain, plain data only (heavy objects are in registries). */
export type LabState = GpuSlice & BannerSlice & SelfTestSlice & ModelSlice;

export const useLab = create<LabState>()((...a) => ({
  ...createGpuSlice(...a),
  ...createBannerSlice(...a),
  ...createSelfTestSlice(...a),
  ...createModelSlice(...a),
}));
