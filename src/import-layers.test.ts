import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';

/**
 * Imports run one way: ui → state → worker → flows → study → analysis → engine
 * (sae, dynamics, diffusion, data, linalg) → gpu, and the file graph has no
 * cycles. The CLI is a shell beside the page: it may use flows and everything
 * below, never the page's state, UI or worker. Test files may reach anywhere
 * (they check what they import); everything else is checked here.
 */
const SRC = resolve(__dirname);

/** Layer of a top-level folder of src/: a module may import its own layer or lower ones. */
const LAYER: Record<string, number> = {
  'main.tsx': 8,
  ui: 7,
  state: 6,
  cli: 5,
  worker: 5,
  flows: 4,
  study: 3,
  analysis: 2,
  sae: 1,
  dynamics: 1,
  diffusion: 1,
  data: 1,
  linalg: 1,
  gpu: 0,
};
/** Same-rank folders that must not import each other. */
const APART: [string, string][] = [['cli', 'worker']];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'gen' ? [] : sourceFiles(path);
    return /\.tsx?$/.test(name) && !/\.test\.tsx?$/.test(name) && !/test-[\w-]+\.ts$/.test(name) ? [path] : [];
  });
}

function resolveImport(from: string, spec: string): string | null {
  if (!spec.startsWith('.')) return null;
  const base = resolve(dirname(from), spec.replace(/\?.*$/, ''));
  for (const candidate of [base, `${base}.ts`, `${base}.tsx`, join(base, 'index.ts')]) {
    try {
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not this one
    }
  }
  return null;
}

/** The src/ files a module imports; `runtimeOnly` leaves out `import type` (erased: it cannot make a cycle at run time). */
function importsOf(file: string, runtimeOnly: boolean): string[] {
  const text = readFileSync(file, 'utf8');
  const statements = [...text.matchAll(/(?:^|\n)\s*((?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"])/g)].filter((m) => !runtimeOnly || !/^(?:import|export)\s+type\s/.test(m[1]));
  const specs = [...statements.map((m) => m[2]), ...[...text.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g), ...text.matchAll(/new URL\(\s*['"]([^'"]+\.tsx?)['"]/g)].map((m) => m[1])];
  return specs.map((s) => resolveImport(file, s)).filter((p): p is string => p !== null && p.startsWith(SRC));
}

const top = (file: string) => relative(SRC, file).split('/')[0];
const files = sourceFiles(SRC);
const graph = new Map(files.map((f) => [f, importsOf(f, false).filter((t) => files.includes(t))]));
const runtimeGraph = new Map(files.map((f) => [f, importsOf(f, true).filter((t) => files.includes(t))]));

describe('the import graph of src/', () => {
  test('every top-level folder has a layer', () => {
    expect([...new Set(files.map(top))].filter((t) => LAYER[t] === undefined)).toEqual([]);
  });

  test('no import runs back up', () => {
    const upward: string[] = [];
    for (const [file, targets] of graph) {
      for (const target of targets) {
        const [a, b] = [top(file), top(target)];
        const apart = APART.some(([x, y]) => (a === x && b === y) || (a === y && b === x));
        if (LAYER[b] > LAYER[a] || apart) upward.push(`${relative(SRC, file)} → ${relative(SRC, target)}`);
      }
    }
    expect(upward).toEqual([]);
  });

  test('no cycles among the imports that run (type-only imports are erased)', () => {
    // Tarjan's strongly connected components; any with more than one file is a cycle.
    const index = new Map<string, number>();
    const low = new Map<string, number>();
    const stack: string[] = [];
    const onStack = new Set<string>();
    const cycles: string[][] = [];
    let next = 0;
    const visit = (v: string) => {
      index.set(v, next);
      low.set(v, next++);
      stack.push(v);
      onStack.add(v);
      for (const w of runtimeGraph.get(v) ?? []) {
        if (!index.has(w)) {
          visit(w);
          low.set(v, Math.min(low.get(v)!, low.get(w)!));
        } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
      if (low.get(v) === index.get(v)) {
        const component: string[] = [];
        let w: string;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          component.push(relative(SRC, w));
        } while (w !== v);
        if (component.length > 1) cycles.push(component.sort());
      }
    };
    for (const f of files) if (!index.has(f)) visit(f);
    expect(cycles).toEqual([]);
  });

  test('the check sees imports (a guard against a regex that matches nothing)', () => {
    const edges = [...graph.values()].reduce((n, t) => n + t.length, 0);
    expect(edges).toBeGreaterThan(files.length);
  });
});
