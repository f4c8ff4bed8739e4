/**
 * The study's figures and report.md, from study.json's numbers alone (so a
 * script can redraw them from the file): each claim of the method, the number
 * that supports or contradicts it, and the figure it comes from.
 */
import { ABLATION_ARMS, METHOD_ARM } from '../sae/ablation-arms';
import type { ArmResult, BestLatent, StudyResult } from './study-results';
import { lineChart, PALETTE, tableHeatmap, type LinePanel } from './figures';
import type { Raster } from './raster';

const ARMS = ABLATION_ARMS.map((a) => a.name);
const VARIANTS = ['full', 'diagonal', 'identity'] as const;

export interface Figure {
  name: string;
  raster: Raster;
}

/** File name of a hook's AUROC table. */
export const aurocFigure = (hook: string) => `auroc-${hook}.png`;

export function studyFigures(study: StudyResult): Figure[] {
  const hooks = Object.entries(study.hooks);
  const S = study.settings.recordSteps;
  const stepTicks = Array.from({ length: S }, (_, s) => ({ value: s + 1, label: `S${s + 1}` }));
  const figures: Figure[] = [];

  // R² per transition: one panel per hook, solid train, dashed held-out.
  figures.push({
    name: 'r2.png',
    raster: lineChart(
      hooks.map(([hook, h]): LinePanel => ({
        title: hook,
        xLabel: 'transition',
        yLabel: 'R2',
        xTicks: Array.from({ length: S - 1 }, (_, t) => ({ value: t + 2, label: `${t + 1}>${t + 2}` })),
        series: VARIANTS.flatMap((v, i) => [
          { label: `${v} train`, color: PALETTE[i], points: h.r2[v].train.map((y, t) => [t + 2, y] as const) },
          { label: `${v} held-out`, color: PALETTE[i], points: h.r2[v].heldout.map((y, t) => [t + 2, y] as const), dashed: true },
        ]),
      })),
    ),
  });

  // FVU in x per recorded step, per arm.
  figures.push({
    name: 'fvu.png',
    raster: lineChart(
      hooks.map(([hook, h]): LinePanel => ({
        title: hook,
        xLabel: 'recorded step',
        yLabel: 'held-out FVU x',
        xTicks: stepTicks,
        series: ARMS.map((arm, i) => ({ label: arm, color: PALETTE[i], points: h.arms[arm].fvu_x_per_step.map((y, s) => [s + 1, y] as const) })),
      })),
    ),
  });

  // The best latent's AUROC for every attribute value, per arm.
  for (const [hook, h] of hooks) {
    const rows = h.arms[METHOD_ARM].best_latents.map((b) => `${b.attribute}: ${b.value}`);
    figures.push({
      name: aurocFigure(hook),
      raster: tableHeatmap({
        title: `BEST-LATENT AUROC, HELD-OUT IMAGES, ${hook}`,
        rows,
        columns: [...ARMS],
        values: rows.map((_, i) => ARMS.map((arm) => h.arms[arm].best_latents[i].auroc)),
        range: [0.5, 1],
        format: (v) => v.toFixed(2),
        mark: study.settings.steering.threshold,
      }),
    });
  }

  // Steering success (solid) and side effects (dashed) against α, full window, per arm: a panel per hook and attribute.
  const alphas = study.settings.steering.alphas;
  const panels = hooks.flatMap(([hook, h]) =>
    (['color', 'position'] as const)
      .filter((attribute) => ARMS.some((arm) => h.arms[arm].steering.some((e) => e.attribute === attribute)))
      .map((attribute): LinePanel => ({
        title: `${attribute}, ${hook}`,
        xLabel: 'alpha (units of m_k), full window',
        yLabel: 'rate',
        yRange: [0, 1],
        xTicks: alphas.map((a) => ({ value: a, label: String(a) })),
        series: ARMS.flatMap((arm, i) => {
          const at = (alpha: number, key: 'success_rate' | 'side_effect_rate') => {
            const entries = h.arms[arm].steering.filter((e) => e.attribute === attribute && e.window_name === 'full' && e.alpha === alpha);
            return entries.length > 0 ? weighted(entries, key) : NaN;
          };
          return [
            { label: `${arm} success`, color: PALETTE[i], points: alphas.map((a) => [a, at(a, 'success_rate')] as const) },
            { label: `${arm} side effects`, color: PALETTE[i], points: alphas.map((a) => [a, at(a, 'side_effect_rate')] as const), dashed: true },
          ];
        }),
      })),
  );
  if (panels.length > 0) figures.push({ name: 'steering.png', raster: lineChart(panels) });
  return figures;
}

/** report.md: the claims, the numbers for and against, the figures. */
export function studyReport(study: StudyResult): string {
  const s = study.settings;
  const hooks = Object.entries(study.hooks);
  const [firstHook, first] = hooks[0];
  const threshold = s.steering.threshold;
  const lines: string[] = [];
  const push = (...l: string[]) => lines.push(...l);

  push(
    `# The method's claims, measured on ${study.model}`,
    '',
    `One run of \`npm run cli -- study --model public/models/toy --out DIR${s.quick ? ' --quick' : ''}\` (seed ${s.seed}); every number is in \`study.json\`, measured on the **${study.images.heldout} held-out images** (of ${study.images.total}; the SAEs and dynamics were fitted on the other ${study.images.train}). ` +
      `Prompts: the toy's attribute grid, balanced over shape × colour × position × size × background in both splits, in wording the toy was not trained on. ` +
      `${s.sampler.scheduler.toUpperCase()} ${s.sampler.steps} steps, CFG ${s.sampler.guidance}; S = ${s.recordSteps} recorded UNet calls (${s.record_calls.join(', ')}) at ${hooks.map(([h, v]) => `\`${h}\` (${v.channels} × ${v.height} × ${v.width})`).join(' and ')}. ` +
      `SAEs: ${s.sae.latents} latents, TopK with k = ${s.sae.k} per trajectory (per-step arms ${first.arms['per-step'].k_per_row} per step, so L0 is equal), ${s.sae.steps} steps of ${s.sae.batchSize} tokens.`,
    '',
    `The generated images follow their prompts: the toy's probe reads back ${Object.entries(study.generation_accuracy).map(([a, v]) => `${a} ${pct(v)}`).join(', ')} of the ${study.images.total} images.`,
    '',
    'Beside `study.json` the study folder holds `prompts.json` (every prompt, seed, attribute values and split), the generated images, and per hook the trajectory file, the held-out images as their own trajectory file, and for each arm its SAE, dynamics and latent statistics (what `eval` and `steer` load: `eval --traj HOOK/heldout.safetensors --dynamics HOOK/ARM/dynamics.safetensors --sae HOOK/ARM/sae.safetensors` repeats the FVU below), the image maxima behind the AUROCs and every steered image with its scores (`steering-runs.json`).',
    '',
  );

  // 1. Dynamics.
  push('## 1. Linear timestep dynamics: R² per transition', '');
  push('| hook | predictor | λ | R² train | R² held-out |', '|---|---|---:|---|---|');
  for (const [hook, h] of hooks) for (const v of VARIANTS) push(`| \`${hook}\` | ${v} | ${v === 'identity' ? '–' : h.r2[v].lambda.toPrecision(2)} | ${h.r2[v].train.map(f3).join(' / ')} | ${h.r2[v].heldout.map(f3).join(' / ')} |`);
  push('', '![R² per transition, train (solid) and held-out (dashed)](figures/r2.png)', '');
  const fullMean = mean(first.r2.full.heldout), identityMean = mean(first.r2.identity.heldout);
  push(
    `The full linear predictor explains ${pct(fullMean)} of each step's variance from the step before on held-out images at \`${firstHook}\` (mean over transitions), against ${pct(identityMean)} for plain differencing (identity) and ${pct(mean(first.r2.diagonal.heldout))} for a per-channel (diagonal) predictor. ` +
      `λ for full and diagonal was chosen on the held-out images over a 5-point grid, as \`fit --heldout\` does.`,
    '',
  );

  // 2. Reconstruction.
  push('## 2. Does residualization help reconstruction beyond the linear dynamics?', '');
  push('| hook | arm | L0 | FVU x | FVU z | FVU x per step | dead % |', '|---|---|---:|---:|---:|---|---:|');
  for (const [hook, h] of hooks) for (const arm of ARMS) {
    const a = h.arms[arm];
    push(`| \`${hook}\` | ${arm} | ${a.l0.toFixed(1)} | ${f4(a.fvu_x)} | ${f4(a.fvu_z)} | ${a.fvu_x_per_step.map(f3).join(' / ')} | ${a.dead_percent.toFixed(1)} |`);
  }
  push('', '![Held-out FVU in x per recorded step, per arm](figures/fvu.png)', '');
  for (const [hook, h] of hooks) {
    const m = h.arms[METHOD_ARM].fvu_x, c = h.arms.concat.fvu_x, rp = h.arms['residualized-per-step'].fvu_x, p = h.arms['per-step'].fvu_x;
    push(
      `* \`${hook}\`: residualized concat FVU_x **${f4(m)}** vs plain concat ${f4(c)} at equal L0 — residualization ${m < c ? `lowers the held-out error by ${pct(1 - m / c)} (**supports** the claim)` : `raises it by ${pct(m / c - 1)} (**contradicts** the claim)`}; ` +
        `per step: residualized ${f4(rp)} vs plain ${f4(p)} (${rp < p ? 'residualization helps there too' : 'residualization does not help there'}). Concatenating the steps ${m < rp ? `beats` : `does not beat`} the per-step residualized SAE (${f4(m)} vs ${f4(rp)}).`,
    );
  }
  push('', 'FVU_z is each arm\'s own input space (residuals for the residualized arms), so only FVU_x compares arms.', '');

  // 3. Latents ↔ attributes.
  const values = first.arms[METHOD_ARM].values;
  push('## 3. Do single latents track single attributes?', '');
  push(`For every attribute value, the latent whose maximum activation over an image best separates the held-out images with that value from the rest (AUROC). Values with a latent of AUROC ≥ ${threshold}, of ${values}:`, '');
  const attributes = [...new Set(first.arms[METHOD_ARM].best_latents.map((b) => b.attribute))];
  push(`| hook | arm | values ≥ ${threshold} | ${attributes.map((a) => `mean best AUROC ${a}`).join(' | ')} |`, `|---|---|---:|${attributes.map(() => '---:').join('|')}|`);
  for (const [hook, h] of hooks) for (const arm of ARMS) {
    const a = h.arms[arm];
    push(`| \`${hook}\` | ${arm} | **${a.values_at_threshold}** | ${attributes.map((attr) => f3(mean(a.best_latents.filter((b) => b.attribute === attr).map((b) => b.auroc)))).join(' | ')} |`);
  }
  push('');
  for (const [hook] of hooks) push(`![Best-latent AUROC per value and arm at ${hook} (framed: ≥ ${threshold})](figures/${aurocFigure(hook)})`, '');
  push(
    `With ${study.images.heldout} held-out images a value has ${Math.min(...first.arms[METHOD_ARM].best_latents.map((b) => b.positives))}–${Math.max(...first.arms[METHOD_ARM].best_latents.map((b) => b.positives))} positive images, so one AUROC is coarse; the counts compare arms on the same images.`,
    '',
  );

  // 4. When and where.
  push('## 4. When and where do they fire?', '');
  push(
    `When: the temporal centre of mass of H_k[s, p] summed over positions (for a concat SAE that is the centre of mass of ‖v_k[s]‖), in recorded steps 1 (first, noisiest call) to ${s.recordSteps} (last), for the latents of AUROC ≥ ${threshold}. ` +
      'Where: for position values, the activation-weighted centroid of f_k(n, p) on the held-out images with that position, against the cell\'s true centre (distance in image widths; a hit when it falls in the right cell of the 3×3 grid).',
    '',
  );
  push('| hook | arm | ' + attributes.map((a) => `fires at (${a})`).join(' | ') + ' | position centroid error | in the right cell |', `|---|---|${attributes.map(() => '---:').join('|')}|---:|---:|`);
  for (const [hook, h] of hooks) for (const arm of ARMS) {
    const good = h.arms[arm].best_latents.filter((b) => b.auroc >= threshold);
    const positions = good.filter((b) => b.centroid_error !== undefined);
    push(
      `| \`${hook}\` | ${arm} | ${attributes.map((attr) => {
        const g = good.filter((b) => b.attribute === attr);
        return g.length > 0 ? `${mean(g.map((b) => b.temporal_com)).toFixed(2)} (${g.length})` : '–';
      }).join(' | ')} | ${positions.length > 0 ? f3(mean(positions.map((b) => b.centroid_error!))) : '–'} | ${positions.length > 0 ? `${positions.filter(inRightCell).length}/${positions.length}` : '–'} |`,
    );
  }
  push('', '![The method\'s best latents: H_k[s, p] per recorded step over the held-out image where each fires most](figures/heatmaps.png)', '');

  // 5. Steering.
  const steeredHooks = hooks.filter(([, h]) => ARMS.some((arm) => h.arms[arm].steering.length > 0));
  push('## 5. Does steering with one latent change that attribute and little else?', '');
  push(
    `Targets: each colour and position value for which some arm has a latent of AUROC ≥ ${threshold} (at most ${s.steering.maxTargets} per hook). Every arm steers each target with its own best latent for it (its AUROC after the value in the tables), on the same ${s.steering.promptsPerTarget} held-out prompt(s) that ask for another value and the same seeds, adding α·m_k·v_k[s] at every position: α ∈ {${s.steering.alphas.join(', ')}} over the whole run, and α = ${s.steering.windowAlpha} over only the early or only the late half of the UNet calls. ` +
      'Success: the probe reads the target value. Side effect: the probe reads any other attribute differently. Outside change: mean |Δ| of RGB in [0, 1] outside the shape of either image. Efficiency: the target\'s probe-probability gain per unit of mean image change. ' +
      'Ablation (−f_k·v_k as measured on the unsteered run) on held-out prompts that have the value: success when the probe no longer reads it.',
    '',
  );
  if (steeredHooks.length === 0) push(`No colour or position value had a latent of AUROC ≥ ${threshold} in any arm, so nothing was steered.`, '');
  for (const [sHook, sh] of steeredHooks) {
    push(`At \`${sHook}\`:`, '');
    push(`| arm | targets (AUROC) | runs | ${s.steering.alphas.map((a) => `success α=${a}`).join(' | ')} | early | late | side effects | outside change | efficiency | ablation success | ablation side effects |`, `|---|---|---:|${s.steering.alphas.map(() => '---:').join('|')}|---:|---:|---:|---:|---:|---:|---:|`);
    for (const arm of ARMS) {
      const a = sh.arms[arm];
      const targets = [...new Set(a.steering.map((e) => `${e.value} ${e.auroc.toFixed(2)}`))];
      const rate = (filter: (e: ArmResult['steering'][number]) => boolean) => {
        const entries = a.steering.filter(filter);
        return entries.length > 0 ? pct(weighted(entries, 'success_rate')) : '–';
      };
      const all = (key: 'side_effect_rate' | 'mean_outside_change' | 'efficiency', format: (v: number) => string) => (a.steering.length > 0 ? format(weighted(a.steering, key)) : '–');
      push(
        `| ${arm} | ${targets.join(', ') || '–'} | ${a.steering.reduce((n, e) => n + e.runs, 0)} | ${s.steering.alphas.map((alpha) => rate((e) => e.window_name === 'full' && e.alpha === alpha)).join(' | ')} | ${rate((e) => e.window_name === 'early')} | ${rate((e) => e.window_name === 'late')} | ` +
          `${all('side_effect_rate', pct)} | ${all('mean_outside_change', f3)} | ${all('efficiency', f3)} | ` +
          `${a.ablation.length > 0 ? pct(weighted(a.ablation, 'success_rate')) : '–'} | ${a.ablation.length > 0 ? pct(weighted(a.ablation, 'side_effect_rate')) : '–'} |`,
      );
    }
    push('');
    const best = bestSteering(sh.arms[METHOD_ARM]);
    if (best) push(`The method's best setting here (α = ${best.alpha}, full window) turns ${pct(best.success)} of the prompts to the target value, with a side effect in ${pct(best.side)} of them.`, '');
  }
  if (steeredHooks.length > 0) push('![Steering success (solid) and side effects (dashed) against α, full window; a panel per hook and attribute](figures/steering.png)', '');

  // 6. The method against the other arms.
  push('## 6. Does the method beat the other arms on all of it?', '');
  push(`| measure (better) | ${METHOD_ARM} | best other arm | method wins |`, '|---|---:|---|---|');
  const claims = comparisons(study);
  for (const c of claims) push(`| ${c.measure} | ${c.method} | ${c.other} | ${c.wins === null ? '–' : c.wins === 'tie' ? 'tie' : c.wins ? 'yes' : '**no**'} |`);
  const decided = claims.filter((c) => c.wins !== null);
  push('', `The method wins ${decided.filter((c) => c.wins === true).length} of ${decided.length} comparisons${decided.some((c) => c.wins === 'tie') ? ` and ties ${decided.filter((c) => c.wins === 'tie').length}` : ''}.`, '');

  // Headline.
  push('## Headline numbers', '');
  for (const [hook, h] of hooks) {
    push(
      `* \`${hook}\`: held-out FVU_x ${ARMS.map((arm) => `${arm} ${f4(h.arms[arm].fvu_x)}`).join(', ')}; values with a latent of AUROC ≥ ${threshold}: ${ARMS.map((arm) => `${arm} ${h.arms[arm].values_at_threshold}/${h.arms[arm].values}`).join(', ')}.`,
    );
  }
  for (const [sHook, sh] of steeredHooks) {
    push(`* Steering at \`${sHook}\` (all settings pooled): success ${ARMS.map((arm) => `${arm} ${sh.arms[arm].steering.length ? pct(weighted(sh.arms[arm].steering, 'success_rate')) : '–'}`).join(', ')}; side effects ${ARMS.map((arm) => `${arm} ${sh.arms[arm].steering.length ? pct(weighted(sh.arms[arm].steering, 'side_effect_rate')) : '–'}`).join(', ')}.`);
  }
  push(`* Run time ${Object.entries(study.seconds).map(([k, v]) => `${k} ${Math.round(v)} s`).join(', ')}.`, '');
  return `${lines.join('\n')}\n`;
}

interface Comparison {
  measure: string;
  method: string;
  other: string;
  /** null: not comparable; 'tie': equal to the best other arm. */
  wins: boolean | 'tie' | null;
}

/** The method against the best of the other three arms on each measure, per hook. */
function comparisons(study: StudyResult): Comparison[] {
  const out: Comparison[] = [];
  for (const [hook, h] of Object.entries(study.hooks)) {
    const others = ARMS.filter((a) => a !== METHOD_ARM);
    const compare = (measure: string, value: (a: ArmResult) => number | null, lowerIsBetter: boolean, format: (v: number) => string) => {
      const mine = value(h.arms[METHOD_ARM]);
      const theirs = others.map((a) => ({ arm: a, v: value(h.arms[a]) })).filter((o): o is { arm: (typeof others)[number]; v: number } => o.v !== null && Number.isFinite(o.v));
      if (mine === null || !Number.isFinite(mine) || theirs.length === 0) {
        out.push({ measure: `${measure}, \`${hook}\``, method: mine === null ? '–' : format(mine), other: '–', wins: null });
        return;
      }
      const best = theirs.reduce((x, y) => ((lowerIsBetter ? y.v < x.v : y.v > x.v) ? y : x));
      out.push({ measure: `${measure}, \`${hook}\``, method: format(mine), other: `${best.arm} ${format(best.v)}`, wins: mine === best.v ? 'tie' : lowerIsBetter ? mine < best.v : mine > best.v });
    };
    compare('held-out FVU x (lower)', (a) => a.fvu_x, true, f4);
    compare(`values with AUROC ≥ ${study.settings.steering.threshold} (more)`, (a) => a.values_at_threshold, false, String);
    compare('mean best AUROC (higher)', (a) => mean(a.best_latents.map((b) => b.auroc)), false, f3);
    const hasSteering = ARMS.some((a) => h.arms[a].steering.length > 0);
    if (hasSteering) {
      compare('steering success, all settings (higher)', (a) => (a.steering.length ? weighted(a.steering, 'success_rate') : null), false, pct);
      compare('steering side effects (lower)', (a) => (a.steering.length ? weighted(a.steering, 'side_effect_rate') : null), true, pct);
      compare('steering efficiency (higher)', (a) => (a.steering.length ? weighted(a.steering, 'efficiency') : null), false, f3);
      compare('ablation success (higher)', (a) => (a.ablation.length ? weighted(a.ablation, 'success_rate') : null), false, pct);
    }
  }
  return out;
}

function bestSteering(arm: ArmResult): { alpha: number; success: number; side: number } | null {
  const alphas = [...new Set(arm.steering.filter((e) => e.window_name === 'full').map((e) => e.alpha))];
  let best: { alpha: number; success: number; side: number } | null = null;
  for (const alpha of alphas) {
    const entries = arm.steering.filter((e) => e.window_name === 'full' && e.alpha === alpha);
    const success = weighted(entries, 'success_rate');
    if (!best || success > best.success) best = { alpha, success, side: weighted(entries, 'side_effect_rate') };
  }
  return best;
}

function inRightCell(b: BestLatent): boolean {
  const cell = (v: number) => Math.min(2, Math.max(0, Math.floor(v * 3)));
  return cell(b.centroid![0]) === cell(b.true_centre![0]) && cell(b.centroid![1]) === cell(b.true_centre![1]);
}

/** A rate over entries, each weighted by its number of runs. */
function weighted<K extends string>(entries: readonly ({ runs: number } & Record<K, number>)[], key: K): number {
  const runs = entries.reduce((sum, e) => sum + e.runs, 0);
  return runs === 0 ? 0 : entries.reduce((sum, e) => sum + e[key] * e.runs, 0) / runs;
}

function mean(values: readonly number[]): number {
  return values.length === 0 ? NaN : values.reduce((a, b) => a + b, 0) / values.length;
}

const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
const f3 = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : '–');
const f4 = (v: number) => (Number.isFinite(v) ? v.toFixed(4) : '–');
