import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The lab's text cites only what its user has. A design note's section
 * ("DESIGN §1.7"), a style guide's ("STYLE §2") or a tracker's issue
 * ("issue 11") means nothing to someone who has the page or the repository
 * but not those documents: say what is meant in place instead. Public
 * sources stay welcome in code (an RFC's or the WGSL spec's section, a
 * paper's arXiv id).
 */
const ROOT = join(import.meta.dirname, '..', '..');

function files(dir: string, keep: (name: string) => boolean): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && keep(e.name) && !join(e.parentPath, e.name).includes('node_modules'))
    .map((e) => join(e.parentPath, e.name));
}

/** Each file's lines that match, as "path:line: text". */
function hits(paths: string[], pattern: RegExp): string[] {
  return paths.flatMap((path) =>
    readFileSync(path, 'utf8')
      .split('\n')
      .flatMap((line, i) => (pattern.test(line) ? [`${relative(ROOT, path)}:${i + 1}: ${line.trim()}`] : [])),
  );
}

const isTest = (name: string) => /\.test\.tsx?$/.test(name);

describe('references to documents the user does not have', () => {
  it('the UI (every string and comment under src/ui) names no design note, section sign or issue number', () => {
    const ui = files(join(ROOT, 'src', 'ui'), (n) => /\.(tsx?|css)$/.test(n) && !isTest(n));
    expect(ui.length).toBeGreaterThan(50);
    expect(hits(ui, /DESIGN|STYLE §|§|\bissue #?\d+/i)).toEqual([]);
  });

  it('the code, tests, shaders and benchmarks cite no design note, style guide or issue number', () => {
    const code = ['src', 'e2e', 'bench', 'shaders', 'models'].flatMap((d) => files(join(ROOT, d), (n) => /\.(tsx?|wgsl|py)$/.test(n) && n !== 'private-references.test.ts'));
    expect(hits(code, /DESIGN §|DESIGN\.md|STYLE §|\bissues? #?\d+/i)).toEqual([]);
  });
});
