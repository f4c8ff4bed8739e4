/**
 * Peak fp32 throughput (non-tensor-core FMA rate × 2) of GPUs people run the
 * lab on, from the vendors' datasheets: WebGPU reports no clock or core
 * count, so the matmul's share of peak needs a table. Matched against the
 * adapter's description, most specific name first.
 */
export const FP32_PEAK_TFLOPS: readonly { match: RegExp; name: string; tflops: number; source: string }[] = [
  { match: /H200/i, name: 'H200', tflops: 67, source: 'NVIDIA H200 datasheet (SXM, FP32)' },
  { match: /H100.*PCIe/i, name: 'H100 PCIe', tflops: 51, source: 'NVIDIA H100 datasheet (PCIe, FP32)' },
  { match: /H100/i, name: 'H100 SXM', tflops: 67, source: 'NVIDIA H100 datasheet (SXM, FP32)' },
  { match: /A100/i, name: 'A100', tflops: 19.5, source: 'NVIDIA A100 datasheet (FP32)' },
  { match: /L40S/i, name: 'L40S', tflops: 91.6, source: 'NVIDIA L40S datasheet (FP32)' },
  { match: /L4\b/i, name: 'L4', tflops: 30.3, source: 'NVIDIA L4 datasheet (FP32)' },
  { match: /A10\b/i, name: 'A10', tflops: 31.2, source: 'NVIDIA A10 datasheet (FP32)' },
  { match: /T4\b/i, name: 'T4', tflops: 8.1, source: 'NVIDIA T4 datasheet (FP32)' },
  { match: /RTX 4090/i, name: 'RTX 4090', tflops: 82.6, source: 'NVIDIA Ada Lovelace architecture whitepaper (GeForce RTX 4090)' },
  { match: /RTX 3090/i, name: 'RTX 3090', tflops: 35.6, source: 'NVIDIA Ampere GA102 whitepaper (GeForce RTX 3090)' },
];

/** The table's entry for an adapter description, or null (then no share of peak is printed). */
export function fp32Peak(description: string): { name: string; tflops: number; source: string } | null {
  const hit = FP32_PEAK_TFLOPS.find((entry) => entry.match.test(description));
  return hit ? { name: hit.name, tflops: hit.tflops, source: hit.source } : null;
}
