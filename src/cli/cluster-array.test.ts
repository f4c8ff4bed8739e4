import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';

/**
 * The job-array scripts in cluster/ run as a scheduler runs them: the Slurm
 * array task (collect.sbatch with SLURM_ARRAY_TASK_ID) and the Kubernetes
 * Indexed Job pod (collect-shard.sh with JOB_COMPLETION_INDEX), each a separate
 * process. One shard is killed mid-run (SIGKILL, as an OOM kill or a lost node)
 * and one is preempted (SIGTERM, as Slurm and Kubernetes send); run again, both
 * resume, and the merge equals one unsharded collection byte for byte.
 */
const repo = resolve(__dirname, '../..');
const run = promisify(execFile);
const SHARDS = 3;

describe('sharded collection as a job array', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cluster-'));
  const prompts = join(dir, 'prompts.txt');
  // 4 prompts a shard: room to stop a shard after its first image and before its last.
  const colours = ['red', 'green', 'blue', 'yellow'];
  const shapes = ['circle', 'square', 'triangle'];
  writeFileSync(prompts, shapes.flatMap((s) => colours.map((c) => `a ${c} ${s}`)).join('\n'));
  const outDir = join(dir, 'shards');
  const common = ['--steps', '6', '--record', '3'];
  const env = { ...process.env, SHARDS: String(SHARDS), PROMPTS: prompts, MODEL: 'public/models/toy', OUT_DIR: outDir, EXTRA_ARGS: common.join(' '), MERGED: join(dir, 'merged.safetensors') };
  const shardFile = (i: number) => join(outDir, `shard-${String(i).padStart(4, '0')}-of-${String(SHARDS).padStart(4, '0')}.safetensors`);
  const progressOf = (i: number): number[] => (existsSync(`${shardFile(i)}.progress.json`) ? JSON.parse(readFileSync(`${shardFile(i)}.progress.json`, 'utf8')) : []);

  /** Starts a task as its own process group; resolves with its exit code (or the signal that ended it). */
  function task(command: string, extraEnv: Record<string, string>): { done: Promise<number | string>; kill: (signal: NodeJS.Signals) => void } {
    const child = spawn('bash', [command], { cwd: repo, env: { ...env, ...extraEnv }, detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const done = new Promise<number | string>((resolveDone) => child.on('exit', (code, signal) => resolveDone(code ?? signal ?? -1)));
    void done.then((code) => code !== 0 && code !== 'SIGKILL' && console.log(`${command} ended with ${code}:\n${stderr}`));
    return { done, kill: (signal) => process.kill(-child.pid!, signal) };
  }

  /** Stops a shard as soon as its first image is in its progress record, before it completes. */
  async function stopAfterFirstImage(i: number, t: ReturnType<typeof task>, signal: NodeJS.Signals): Promise<void> {
    while (progressOf(i).length === 0) await new Promise((r) => setTimeout(r, 20));
    t.kill(signal);
    await t.done;
    expect(existsSync(`${shardFile(i)}.done`), `shard ${i} finished before it could be stopped`).toBe(false);
    expect(progressOf(i).length).toBeGreaterThan(0);
    expect(progressOf(i).length).toBeLessThan(4);
  }

  test('killed and preempted shards resume, and the merge equals one unsharded run', async () => {
    const all = join(dir, 'all.safetensors');
    await run('npx', ['vite-node', 'src/cli/main.ts', '--', 'collect', '--model', 'public/models/toy', '--prompts', prompts, ...common, '--out', all], { cwd: repo });

    // Shard 1 as a Slurm array task runs to the end; shard 2 (an Indexed Job pod) is killed, shard 3 preempted.
    const slurm = task('cluster/slurm/collect.sbatch', { SLURM_ARRAY_TASK_ID: '0', SLURM_SUBMIT_DIR: repo });
    const killed = task('cluster/collect-shard.sh', { JOB_COMPLETION_INDEX: '1' });
    await stopAfterFirstImage(2, killed, 'SIGKILL');
    const preempted = task('cluster/collect-shard.sh', { JOB_COMPLETION_INDEX: '2' });
    await stopAfterFirstImage(3, preempted, 'SIGTERM');
    expect(await slurm.done).toBe(0);

    // The merge refuses while shards are incomplete, naming them.
    const early = await run('bash', ['cluster/merge-shards.sh'], { cwd: repo, env }).catch((e: { code: number; stderr: string }) => e);
    expect('code' in early && early.code).toBe(1);
    expect((early as { stderr: string }).stderr).toMatch(/shard\(s\) 2 3 of 3 not complete/);

    // Requeued: each resumes from its progress record; the finished shard is skipped.
    expect(await task('cluster/collect-shard.sh', { JOB_COMPLETION_INDEX: '1' }).done).toBe(0);
    expect(await task('cluster/slurm/collect.sbatch', { SLURM_ARRAY_TASK_ID: '2', SLURM_SUBMIT_DIR: repo }).done).toBe(0);
    const skipped = await run('bash', ['cluster/collect-shard.sh'], { cwd: repo, env: { ...env, JOB_COMPLETION_INDEX: '0' } });
    expect(skipped.stdout).toMatch(/is complete; nothing to do/);

    await run('bash', ['cluster/slurm/merge.sbatch'], { cwd: repo, env: { ...env, SLURM_SUBMIT_DIR: repo } });
    expect(readFileSync(join(dir, 'merged.safetensors')).equals(readFileSync(all))).toBe(true);
  }, 900_000);

  test('an index outside the array is refused', async () => {
    const r = await run('bash', ['cluster/collect-shard.sh'], { cwd: repo, env: { ...env, JOB_COMPLETION_INDEX: String(SHARDS) } }).catch((e: { code: number; stderr: string }) => e);
    expect('code' in r && r.code).toBe(2);
    expect((r as { stderr: string }).stderr).toMatch(/task index 3 is outside 0\.\.2/);
  });

  test('the Kubernetes Job is indexed with one completion per shard', () => {
    const job = readFileSync(join(repo, 'cluster/k8s/collect-job.yaml'), 'utf8');
    const shards = Number(/name: SHARDS, value: "(\d+)"/.exec(job)?.[1]);
    expect(job).toMatch(/completionMode: Indexed/);
    expect(Number(/completions: (\d+)/.exec(job)?.[1])).toBe(shards);
    expect(job).toMatch(/command: \["\/app\/cluster\/collect-shard\.sh"\]/);
    const merge = readFileSync(join(repo, 'cluster/k8s/merge-job.yaml'), 'utf8');
    expect(Number(/name: SHARDS, value: "(\d+)"/.exec(merge)?.[1])).toBe(shards);
  });
});
