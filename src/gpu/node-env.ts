import { existsSync } from 'node:fs';

// vitest setup: Dawn reads VK_ICD_FILENAMES when it starts Vulkan, so it is set
// before any test imports the `webgpu` package (same default as node-gpu.ts).
const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
if (!process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
