/** `<block>.<part>.<index>` at a path-segment boundary; diffusers' UNet2DConditionModel names. */
const HOOK_PATH = /(?:^|\.)((?:down_blocks|up_blocks)\.\d+|mid_block)\.(resnets|attentions|upsamplers|downsamplers)\.(\d+)(?=\.|$)/;

/**
 * The hookable UNet block a dotted module or parameter path lies in
 * (`up_blocks.1.attentions.1.proj_out.weight` → `up_blocks.1.attentions.1`),
 * or null. A wrapper module in front (`unet.up_blocks.1...`) is allowed.
 */
export function hookPathOf(dottedPath: string): string | null {
  const m = HOOK_PATH.exec(dottedPath);
  return m ? `${m[1]}.${m[2]}.${m[3]}` : null;
}
