/** Writes DIR/grid.jsonl: 96 prompts of the toy's attribute grid (seed 0), each with its seed and attributes. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { attributeGridPrompts } from '../../src/data/attribute-grid';

const dir = process.argv.slice(2).filter((a) => a !== '--')[0];
writeFileSync(join(dir, 'grid.jsonl'), attributeGridPrompts({ count: 96, seed: 0 }).map((p) => JSON.stringify({ prompt: p.prompt, seed: p.seed, ...p.attributes })).join('\n'));
