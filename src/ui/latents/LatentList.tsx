import { useMemo, useState } from 'react';
import type { LatentTable } from '../../worker/runtime-protocol';
import { D3Chart } from '../charts/D3Chart';
import { renderSparkline } from '../charts/sparkline';
import { SORTS, temporalCentre, topImages, type SortKey } from './latent-columns';

const ROW = 34;
const VISIBLE = 14;

/**
 * Every latent in one virtualised list (only the rows in view are in the DOM,
 * so tens of thousands scroll smoothly): id, firing rate, mean activation,
 * temporal centre and a sparkline of ‖v_k[s]‖; sorted, filtered by firing
 * rate, searched by id or by a word of its top images' prompts.
 */
export function LatentList({ table, prompts, selected, onSelect }: { table: LatentTable; prompts: readonly string[]; selected: number | null; onSelect: (k: number) => void }) {
  const [sort, setSort] = useState<SortKey>('firing');
  const [minRate, setMinRate] = useState(0);
  const [query, setQuery] = useState('');
  const [scroll, setScroll] = useState(0);
  const order = useMemo(() => {
    const q = query.trim().toLowerCase();
    const byId = /^\d+$/.test(q) ? Number(q) : null;
    const { key, descending } = SORTS[sort];
    let ids = Array.from({ length: table.m }, (_, k) => k).filter((k) => table.firingRate[k] * 100 >= minRate);
    if (byId !== null) ids = ids.filter((k) => k === byId);
    else if (q) ids = ids.filter((k) => topImages(table, k).some((n) => prompts[n]?.toLowerCase().includes(q)));
    const keys = new Float64Array(table.m);
    for (const k of ids) keys[k] = key(table, k);
    return ids.sort((a, b) => (descending ? keys[b] - keys[a] : keys[a] - keys[b]) || a - b);
  }, [table, prompts, sort, minRate, query]);
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
        <label className="grow">
          Search
          <input placeholder="latent id or a prompt word (e.g. red)" value={query} onChange={(e) => setQuery(e.target.value)} data-testid="latent-search" />
        </label>
        <span className="muted small" data-testid="latent-count">
          {order.length} of {table.m}
        </span>
      </div>
      <div className="latent-rows" style={{ height: ROW * VISIBLE }} onScroll={(e) => setScroll(e.currentTarget.scrollTop)}>
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
              <span className="num">{(100 * table.firingRate[k]).toFixed(2)}%</span>
              <span className="num">{table.meanActivation[k].toPrecision(3)}</span>
              <span className="num" title="temporal centre of mass (recorded step, 1-based)">
                t {temporalCentre(table, k).toFixed(2)}
              </span>
              <D3Chart render={renderSparkline} data={table.profile.subarray(k * table.S, (k + 1) * table.S)} label={`temporal profile of latent ${k}`} className="sparkline" />
              <span className="latent-prompt muted">{prompts[topImages(table, k)[0]] ?? 'never fires'}</span>
            </div>
          ))}
        </div>
      </div>
      <p className="muted small">columns: latent · firing rate · mean activation m_k · temporal centre t (recorded step, 1-based) · ‖v_k[s]‖ over the steps · top image’s prompt</p>
    </div>
  );
}
