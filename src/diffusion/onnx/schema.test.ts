import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const here = __dirname;
const runtime = join(here, '..', '..', '..', 'node_modules', '@bufbuild', 'protobuf', 'dist', 'esm');

/** Every .js file under a folder. */
function jsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? jsFiles(join(dir, e.name)) : e.name.endsWith('.js') ? [join(dir, e.name)] : []));
}

describe('the generated ONNX schema', () => {
  it('is generated from the vendored onnx.proto, whose header names the onnx commit', () => {
    expect(readFileSync(join(here, 'onnx.proto'), 'utf8')).toMatch(/^\/\/ Vendored from onnx\/onnx at commit [0-9a-f]{40} \(ONNX \d+\.\d+\.\d+\)/);
    expect(readFileSync(join(here, 'gen', 'onnx_pb.ts'), 'utf8')).toMatch(/@generated from file onnx\.proto \(package onnx, syntax proto2\)/);
  });

  it('compiles no code at run time, with its runtime (the page CSP has no unsafe-eval)', () => {
    const sources = [join(here, 'gen', 'onnx_pb.ts'), ...jsFiles(runtime)];
    expect(sources.length).toBeGreaterThan(10);
    for (const file of sources) expect(readFileSync(file, 'utf8'), file).not.toMatch(/\bnew Function\s*\(|\beval\s*\(/);
  });
});
