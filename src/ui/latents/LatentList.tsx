import { useMemo, useState } from 'react';
import { NO_VALUE, type LatentLabels } from '../../analysis/latent-labels';
import { topImages, type LatentTable } from '../../sae/latent-table';
import type { LatentLabelsStatus } from '../../state/latents-slice';
import { D3Chart } from '../charts/D3Chart';
import { renderSparkline } from '../charts/sparkline';
import { SORTS, spatialSpread, temporalCentre, type SortKey } from './latent-columns';
import { LatentThumbnail } from './LatentThumbnail';
import { useLatentStepping } from '../shortcuts/use-latent-stepping';

const ROW = 40;
const VISIBLE = 12;

/**
 * Every latent in one virtualised list (only the rows in view are in the DOM,
 * their thumbnails included, so tens of thousands scroll smoothly), read like
 * a dictionary: id, its top image with its heatmap, its label (enriched
 * prompt words and, where the images' attributes are known, the best value
 * by AUROC), firing rate, mean activation, temporal centre, spatial spread
 * and a sparkline of ‖v_k[s]‖; sorted, filtered by firing rate and spatial
 * spread, searched by id, a label word or a word of its top images' prompts.
 */
export function LatentList({ projectId, table, labels, labelStatus, prompts, selected, onSelect, initialSort = 'firing' }: {
  projectId: string;
  table: LatentTable;
  /** Made once per statistics (analysis/latent-labels.ts); null until read. */
  labels: LatentLabels | null;
  labelStatus: LatentLabelsStatus;
  prompts: readonly string[];
  selected: number | null;
  onSelect: (k: number) => void;
  /** The order the list opens in (firing rate unless the page asks otherwise). */
  initialSort?: SortKey;
}) {
  const [sort, setSort] = useState<SortKey>(initialSort);
  const [minRate, setMinRate] = useState(0);
  const [spreadRange, setSpreadRange] = useState<[number, number]>([0, 1]);
  const [query, setQuery] = useState('');
  const [scroll, setScroll] = useState(0);
  const order = useMemo(() => {
    const q = query.trim().toLowerCase();
    const byId = /^\d+$/.test(q) ? Number(q) : null;
    const { key, descending } = SORTS[sort];
    const [minSpread, maxSpread] = spreadRange;
    const spreadFilter = table.spatial !== null && (minSpread > 0 || maxSpread < 1);
    let ids = Array.from({ length: table.m }, (_, k) => k).filter((k) => table.firingRate[k] * 100 >= minRate);
    // A latent that never fires has no spread: a spread filter leaves it out.
    if (spreadFilter) ids = ids.filter((k) => table.spatial!.fireImages[k] > 0 && table.spatial!.spread[k] >= minSpread && table.spatial!.spread[k] <= maxSpread);
    if (byId !== null) ids = ids.filter((k) => k === byId);
    else if (q) ids = ids.filter((k) => labels?.words[k].some((w) => w.includes(q)) || topImages(table, k).some((n) => prompts[n]?.toLowerCase().includes(q)));
    const keys = new Float64Array(table.m);
    for (const k of ids) keys[k] = key(table, k, labels);
    return ids.sort((a, b) => (descending ? keys[b] - keys[a] : keys[a] - keys[b]) || a - b);
  }, [table, labels, prompts, sort, minRate, spreadRange, query]);
  const rowsRef = useLatentStepping(order, selected, onSelect, ROW);
  const first = Math.max(0, Math.floor(scroll / ROW) - 2);
  const rows = order.slice(first, first + VISIBLE + 4);

  return (
    <div className="latent-list" data-testid="latent-list">
      <div className="form-row">
        <label>
          Sort by
          <select value={sort} onChange={(e) => setSort(e.target.value as SortKey)} data-testid="latent-sort">
            {Object.entries(SORTS).map(([id, s]) => (
              <option key={id} value={id}>
                {s.label}
              </option>
            ))}
          </select>
        </label>
        <label>
          Min firing %
          <input type="number" min={0} max={100} step={0.1} value={minRate} onChange={(e) => setMinRate(Number(e.target.value))} />
        </label>
        <label title={table.spatial ? 'spatial spread: the mean fraction of a firing image’s positions where the latent fires (1/P one spot, 1 everywhere)' : 'these statistics predate the spatial spread: it is measured when a latent is first opened'}>
          Spread
          <span className="range-pair">
            <input type="number" min={0} max={1} step={0.05} value={spreadRange[0]} disabled={!table.spatial} onChange={(e) => setSpreadRange([Number(e.target.value), spreadRange[1]])} data-testid="latent-spread-min" aria-label="minimum spatial spread" />
            –
            <input type="number" min={0} max={1} step={0.05} value={spreadRange[1]} disabled={!table.spatial} onChange={(e) => setSpreadRange([spreadRange[0], Number(e.target.value)])} data-testid="latent-spread-max" aria-label="maximum spatial spread" />
          </span>
        </label>
        <label className="grow">
          Search
          <input placeholder="latent id or a prompt word (e.g. red)" value={query} onChange={(e) => setQuery(e.target.value)} data-testid="latent-search" />
        </label>
        <span className="muted small" data-testid="latent-count">
          {order.length} of {table.m}
        </span>
      </div>
      <div className="latent-row latent-header muted small" aria-hidden>
        <span>latent</span>
        <span>top</span>
        <span>label</span>
        <span className="num">firing</span>
        <span className="num">m_k</span>
        <span className="num">t centre</span>
        <span className="num">spread</span>
        <span>‖v_k[s]‖</span>
        <span>top image’s prompt</span>
      </div>
      <div className="latent-rows" ref={rowsRef} style={{ height: ROW * VISIBLE }} onScroll={(e) => setScroll(e.currentTarget.scrollTop)}>
        <div style={{ height: order.length * ROW, position: 'relative' }}>
          {rows.map((k, i) => (
            <div
              key={k}
              className={`latent-row ${k === selected ? 'selected' : ''}`}
              style={{ top: (first + i) * ROW, height: ROW }}
              onClick={() => onSelect(k)}
              data-testid="latent-row"
              data-latent={k}
              role="button"
              tabIndex={0}
              onKeyDown={(e) => e.key === 'Enter' && onSelect(k)}
            >
              <span className="latent-id">#{k}</span>
              <ThumbnailCell projectId={projectId} table={table} labels={labels} k={k} prompts={prompts} />
              <LabelCell labels={labels} status={labelStatus} k={k} />
              <span className="num">{(100 * table.firingRate[k]).toFixed(2)}%</span>
              <span className="num">{table.meanActivation[k].toPrecision(3)}</span>
              <span className="num" title="temporal centre of mass (recorded step, 1-based)">
                t {temporalCentre(table, k).toFixed(2)}
              </span>
              <SpreadCell table={table} k={k} />
              <D3Chart render={renderSparkline} data={table.profile.subarray(k * table.S, (k + 1) * table.S)} label={`temporal profile of latent ${k}`} className="sparkline" />
              <span className="latent-prompt muted">{prompts[topImages(table, k)[0]] ?? 'never fires'}</span>
            </div>
          ))}
        </div>
      </div>
      <p className="muted small">
        columns: latent · its top image with f_k(n, p)·max ‖v_k[s]‖ over it · label: the prompt words enriched in its top images
        {labels?.attributes && ' and the attribute value its per-image maximum best separates, with that AUROC'} · firing rate · mean activation m_k · temporal centre t (recorded step, 1-based) · spatial spread (on the images where it fires, the mean fraction of their {table.P} positions where it fires: {(1 / table.P).toFixed(2)} one spot, 1 everywhere)
        · ‖v_k[s]‖ over the steps · top image’s prompt
        {!table.spatial && ' — these statistics predate the spatial spread: it is measured over every token when a latent is first opened, then saved'}
      </p>
    </div>
  );
}

function SpreadCell({ table, k }: { table: LatentTable; k: number }) {
  const spread = spatialSpread(table, k);
  if (spread === null) return <span className="num muted" title="not measured yet">—</span>;
  if (spread === 0) return <span className="num muted" title="never fires" data-spread={0}>–</span>;
  return (
    <span className="num" data-spread={spread} title={`fires on ${(spread * table.P).toFixed(1)} of ${table.P} positions of the ${table.spatial!.fireImages[k]} images where it fires, on average`}>
      {spread.toFixed(2)}
    </span>
  );
}

function ThumbnailCell({ projectId, table, labels, k, prompts }: { projectId: string; table: LatentTable; labels: LatentLabels | null; k: number; prompts: readonly string[] }) {
  const n = labels?.topImage[k];
  if (!labels || n === undefined || n >= table.N) return <span className="latent-thumb" aria-hidden />;
  return <LatentThumbnail projectId={projectId} table={table} labels={labels} k={k} image={n} title={`top image #${n}: ${prompts[n] ?? ''}`} />;
}

function LabelCell({ labels, status, k }: { labels: LatentLabels | null; status: LatentLabelsStatus; k: number }) {
  if (!labels) {
    const text = status.state === 'failed' ? 'no label' : status.state === 'running' && status.total ? `labelling… ${status.done}/${status.total}` : 'labelling…';
    return <span className="latent-label muted" title={status.state === 'failed' ? status.reason : 'measured once for this SAE, then saved'}>{text}</span>;
  }
  const words = labels.words[k];
  const best = labels.attributes?.best[k] ?? NO_VALUE;
  const value = best === NO_VALUE ? null : labels.attributes!.values[best];
  const auroc = labels.attributes?.auroc[k] ?? NaN;
  return (
    <span className="latent-label" data-testid="latent-row-label" data-words={words.join(',')} {...(value && { 'data-attribute': value, 'data-auroc': auroc })}>
      <span className={`latent-words ${words.length ? '' : 'muted'}`}>{words.length ? words.join(', ') : 'no enriched words'}</span>
      {value && (
        <span className="latent-auroc" title={`${value.replace('=', ' = ')}: the AUROC of its per-image maximum activation for images with that value against the rest`}>
          {value.split('=')[1]} · AUROC {auroc.toFixed(2)}
        </span>
      )}
    </span>
  );
}
