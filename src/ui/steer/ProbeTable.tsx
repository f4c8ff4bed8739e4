import type { AttributeReading } from '../../diffusion/attribute-probe';
import type { SteerParams } from '../../state/steer-slice';

/** The probe's reading of every attribute before and after steering, and the value whose probability moved most. */
export function ProbeTable({ readings, params }: { readings: { unsteered: Record<string, AttributeReading>; steered: Record<string, AttributeReading> }; params: SteerParams }) {
  // What the readings are of, for scripts reading the page (the request that produced them).
  const of = { prompt: params.prompt, seed: params.seed, latents: params.latents, unit: params.unit ?? 'mk', ablate: params.ablate, masked: params.mask !== null };
  return (
    <table className="results" data-testid="probe-table" data-request={JSON.stringify(of)}>
      <thead>
        <tr>
          <th>attribute</th>
          <th>unsteered</th>
          <th>steered</th>
          <th>largest change in probability</th>
        </tr>
      </thead>
      <tbody>
        {Object.keys(readings.unsteered).map((attribute) => {
          const before = readings.unsteered[attribute];
          const after = readings.steered[attribute];
          const [value, delta] = Object.keys(after.probabilities)
            .map((v) => [v, after.probabilities[v] - before.probabilities[v]] as const)
            .reduce((best, x) => (Math.abs(x[1]) > Math.abs(best[1]) ? x : best));
          return (
            <tr key={attribute} data-attribute={attribute} data-before={before.value} data-after={after.value} data-probabilities-before={JSON.stringify(before.probabilities)} data-probabilities-after={JSON.stringify(after.probabilities)}>
              <td>{attribute}</td>
              <td>
                {before.value} ({(100 * before.probabilities[before.value]).toFixed(0)}%)
              </td>
              <td className={after.value !== before.value ? 'changed' : ''}>
                {after.value} ({(100 * after.probabilities[after.value]).toFixed(0)}%)
              </td>
              <td>
                {value}: {delta >= 0 ? '+' : ''}
                {(100 * delta).toFixed(1)} points
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
