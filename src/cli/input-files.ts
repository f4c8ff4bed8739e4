import { TrajectoryReader } from '../data/trajectory-file';
import { readDynamicsFile, type DynamicsModel } from '../dynamics/dynamics-file';
import { openFile } from './files';
import { requiredString, type OptionValues } from './options';

/** `--traj`'s help line. */
export const TRAJ_HELP = 'trajectory file (.safetensors)';
/** `--dynamics`'s help line, for the verbs that use an SAE. */
export const SAE_DYNAMICS_HELP = 'dynamics file the SAE was trained with';

/** The trajectory file `--traj` names, header read, activations read on demand. */
export async function openTrajectoryOption(verb: string, v: OptionValues): Promise<TrajectoryReader> {
  return TrajectoryReader.open(await openFile(requiredString(verb, v, 'traj'), 'trajectory'));
}

/** The dynamics file `--dynamics` names. */
export async function readDynamicsOption(verb: string, v: OptionValues): Promise<DynamicsModel> {
  return readDynamicsFile(await openFile(requiredString(verb, v, 'dynamics'), 'dynamics'));
}
