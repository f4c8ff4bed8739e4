/**
 * Checks the lab's own safetensors files (dynamics, SAE) share. Each takes the
 * file's `fail`, which adds its prefix ("dynamics file: ", "SAE: ") and throws.
 */

type Fail = (message: string) => never;

/** A file written by another tool may have no kind; one of ours names the kind it holds. */
export function checkKind(metadata: Readonly<Record<string, string>>, kind: string, fail: Fail): void {
  if (metadata.kind !== undefined && metadata.kind !== kind) fail(`metadata kind is "${metadata.kind}", expected "${kind}"`);
}

/** Each array that is present must hold `length` values; `shape` says where the length comes from ("[S] = [5]"). */
export function checkLengths(sizes: ReadonlyArray<readonly [name: string, values: ArrayLike<number> | undefined, length: number, shape: string]>, fail: Fail): void {
  for (const [name, values, length, shape] of sizes) {
    if (values !== undefined && values.length !== length) fail(`${name} has ${values.length} values; ${shape} needs ${length}`);
  }
}

export function sameShape(got: readonly number[], want: readonly number[]): boolean {
  return got.length === want.length && got.every((v, i) => v === want[i]);
}
