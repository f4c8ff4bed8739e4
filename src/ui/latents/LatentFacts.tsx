import { useLab } from '../../state/store';
import type { LatentTable } from '../../sae/latent-table';
import { CoFiringList } from './CoFiringList';
import { spatialSpread, temporalCentre } from './latent-columns';
import { useAttributeAurocs } from './use-attribute-aurocs';

/** The latent's numbers: how often and how strongly it fires, when and where, the attribute values it separates, its nearest and co-firing latents. */
export function LatentFacts({ table, latent, attributes, onSelect }: {
  table: LatentTable;
  latent: number;
  /** Each image's known attribute values (the toy's grid), for AUROCs. */
  attributes: readonly Record<string, string>[] | undefined;
  onSelect: (k: number) => void;
}) {
  const aurocs = useAttributeAurocs(attributes, latent);
  const coFiring = useLab((s) => (s.latentCoFiring?.latent === latent ? s.latentCoFiring : null));
  const spread = spatialSpread(table, latent);
  return (
    <dl className="facts">
      <dt>Firing</dt>
      <dd>
        {(100 * table.firingRate[latent]).toFixed(2)}% of {table.tokens} tokens
      </dd>
      <dt>Mean activation m_k</dt>
      <dd data-testid="latent-mean">{table.meanActivation[latent].toPrecision(4)}</dd>
      <dt>Temporal centre</dt>
      <dd>
        step {temporalCentre(table, latent).toFixed(2)} of {table.S}
      </dd>
      <dt>Spatial spread</dt>
      <dd data-testid="latent-spread" data-value={spread ?? ''}>
        {spread === null
          ? 'not measured yet (these statistics predate it: measured over every token now, then saved)'
          : spread === 0
            ? 'never fires'
            : `${spread.toFixed(3)}: on average ${(spread * table.P).toFixed(1)} of the ${table.P} positions of each of the ${table.spatial!.fireImages[latent]} images (of ${table.N}) where it fires`}
      </dd>
      <dt>Attribute AUROC</dt>
      <dd data-testid="latent-auroc">
        {aurocs
          ? aurocs.map((a) => (
              <span key={a.value} className="tag" data-value={a.value} data-auroc={a.auroc}>
                {a.value} {a.auroc.toFixed(2)}
              </span>
            ))
          : attributes
            ? 'encode the images (Concept → latents) to score the prompts’ attributes'
            : 'the prompts carry no attribute values (use the toy attribute grid)'}
      </dd>
      <dt>Nearest latents</dt>
      <dd className="neighbours">
        {Array.from({ length: table.neighbours }, (_, j) => (
          <button type="button" className="link" key={j} onClick={() => onSelect(table.neighbourIndex[latent * table.neighbours + j])}>
            #{table.neighbourIndex[latent * table.neighbours + j]} ({table.neighbourCosine[latent * table.neighbours + j].toFixed(2)})
          </button>
        ))}
      </dd>
      <dt title="latents active on the same tokens where this one fires, by the Jaccard index of their firing tokens">Co-firing latents</dt>
      <CoFiringList status={coFiring} table={table} latent={latent} onSelect={onSelect} />
    </dl>
  );
}
