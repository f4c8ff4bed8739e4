import { TrajectoryReader } from '../../data/trajectory-file';
import { mergeTrajectories } from '../../data/merge-trajectories';
import { openDiskFile } from '../disk-file';
import { openFile } from '../files';
import { parseOptions, requiredString, type OptionSpec } from '../options';
import { progressReporter } from '../progress';
import { UsageError } from '../usage-error';

export const mergeOptions: OptionSpec = {
  out: { type: 'string', help: 'merged trajectory file; the shards follow as positional arguments, in prompt order' },
};

/** `merge --out T S1 S2 …`: join collection shards into one trajectory file, losslessly. */
export async function merge(argv: string[]): Promise<void> {
  const shardPaths = argv.filter((a, i) => !a.startsWith('--') && argv[i - 1] !== '--out');
  const v = parseOptions('merge', argv.filter((a) => !shardPaths.includes(a)), mergeOptions);
  const out = requiredString('merge', v, 'out');
  if (shardPaths.length === 0) throw new UsageError('merge: name the shard files after --out, in prompt order');
  if (shardPaths.includes(out)) throw new UsageError(`merge: --out ${out} is also a shard`);
  const shards = [];
  for (const path of shardPaths) shards.push(await TrajectoryReader.open(await openFile(path, 'shard')));
  const meta = await mergeTrajectories(shards, await openDiskFile(out), progressReporter('merge'));
  process.stdout.write(`${JSON.stringify({ out, shards: shards.length, images: meta.prompts.length })}\n`);
}
