import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { expect, test } from 'vitest';

/** .ci/run takes bookworm-backports from the apt source the machine already uses; its shell test runs with the others. */
test('.ci/apt-mirror.sh finds the mirror in sample apt sources (deb822 and one-line, never the security archive)', () => {
  const out = execFileSync('bash', [resolve(__dirname, '../.ci/apt-mirror.test.sh')], { encoding: 'utf8' });
  expect(out.trim()).toBe('ok');
});
