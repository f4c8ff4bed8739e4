// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { renderStepHistograms, type StepHistogramsData } from './step-histograms';

const NS = 'http://www.w3.org/2000/svg';

function draw(data: StepHistogramsData): SVGSVGElement {
  const svg = document.createElementNS(NS, 'svg') as SVGSVGElement;
  renderStepHistograms(svg, data);
  return svg;
}

const overall = [1, 2, 4, 8, 16];
const counts = [0, 3, 5, 0];

describe('renderStepHistograms', () => {
  it('draws each step at its own edges on one log scale: a step scaled by c is the same bars shifted by log c', () => {
    const svg = draw({ edges: [overall, overall.map((e) => e * 4)], counts: [counts, counts], titles: ['step 1', 'step 2'], xLabel: 'H', yLabel: 'tokens', highlight: 1 });
    const panels = [...svg.querySelectorAll('g.step-histogram')];
    expect(panels.map((g) => g.getAttribute('data-counts'))).toEqual(['0,3,5,0', '0,3,5,0']);
    expect(panels.map((g) => g.getAttribute('data-edges'))).toEqual(['1,2,4,8,16', '4,8,16,32,64']);
    expect(panels[1].getAttribute('class')).toContain('current');
    // Bars cover the domain [2, 32) that spans every step's occupied bins ([2, 8) × 1 and × 4); bins outside it are left out.
    const bars = panels.map((g) => [...g.querySelectorAll('rect[data-count]')].map((r) => ({ x: Number(r.getAttribute('x')), count: Number(r.getAttribute('data-count')) })));
    expect(bars.map((b) => b.map((r) => r.count))).toEqual([
      [3, 5, 0],
      [0, 3, 5],
    ]);
    // ×4 is two bins of ×2: step 2's bars are step 1's moved two bins to the right.
    const binWidth = bars[0][1].x - bars[0][0].x;
    expect(bars[1][1].x - bars[0][0].x).toBeCloseTo(2 * binWidth, 6);
    expect(bars[1][2].x - bars[0][1].x).toBeCloseTo(2 * binWidth, 6);
  });

  it('says so on a step whose values are all 0 (edges of 0) and draws the other steps', () => {
    const svg = draw({ edges: [overall.map(() => 0), overall], counts: [counts, counts], titles: ['step 1', 'step 2'], xLabel: 'H', yLabel: 'tokens' });
    const panels = [...svg.querySelectorAll('g.step-histogram')];
    expect(panels[0].querySelectorAll('rect[data-count]')).toHaveLength(0);
    expect(panels[0].textContent).toContain('every value is 0');
    expect([...panels[1].querySelectorAll('rect[data-count]')].map((r) => r.getAttribute('data-count'))).toEqual(['3', '5']);
  });
});
