// @vitest-environment happy-dom
import { act, createElement as h, useState } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { useLab } from '../state/store';
import { ErrorBoundary } from './ErrorBoundary';
import { useTestRoot } from './test-root';

const root = useTestRoot();

beforeEach(() => {
  useLab.setState({ banner: [] });
  // React logs every error a boundary catches; the test checks them itself.
  vi.spyOn(console, 'error').mockImplementation(() => {});
});

afterEach(() => vi.restoreAllMocks());

const render = root.render;
const byTestId = (id: string) => root.container.querySelector(`[data-testid="${id}"]`);
const click = (id: string) => act(() => (byTestId(id) as HTMLElement).click());

/** A panel that throws while `fails()` says so (read at every render). */
function Panel({ fails, text }: { fails: () => boolean; text: string }) {
  if (fails()) throw new Error(`No image with id "image-53"`);
  return h('p', { 'data-testid': 'panel' }, text);
}

/** A page list outside the boundaries, as in the lab: one boundary per open page, keyed by it. */
function Lab({ pages }: { pages: Record<string, () => boolean> }) {
  const [open, setOpen] = useState(Object.keys(pages)[0]);
  return h(
    'div',
    null,
    Object.keys(pages).map((name) => h('button', { key: name, 'data-testid': `nav-${name}`, onClick: () => setOpen(name) }, name)),
    h(ErrorBoundary, { key: open, label: `${open} page`, children: h(Panel, { fails: pages[open], text: open }) }),
  );
}

describe('ErrorBoundary', () => {
  it('shows the error, what to do and a Retry in place of a panel that throws, and the navigation still opens other pages', () => {
    render(h(Lab, { pages: { steer: () => true, model: () => false } }));
    const fallback = byTestId('error-boundary')!;
    expect(fallback.getAttribute('data-label')).toBe('steer page');
    expect(fallback.textContent).toContain('steer page stopped with an error');
    expect(byTestId('error-boundary-message')!.textContent).toBe('No image with id "image-53"');
    expect(fallback.textContent).toContain('The other pages still work');
    expect(byTestId('error-boundary-retry')!.textContent).toBe('Retry');
    // No page state to clear was given: no reset offered.
    expect(byTestId('error-boundary-reset')).toBeNull();

    click('nav-model');
    expect(byTestId('error-boundary')).toBeNull();
    expect(byTestId('panel')!.textContent).toBe('model');
  });

  it('sends the error to the banner under the panel’s label', () => {
    render(h(ErrorBoundary, { label: 'Steering results', children: h(Panel, { fails: () => true, text: '' }) }));
    expect(useLab.getState().banner.map(({ source, message }) => ({ source, message }))).toEqual([{ source: 'Steering results', message: 'No image with id "image-53"' }]);
  });

  it('Retry mounts the panel afresh', () => {
    let broken = true;
    render(h(ErrorBoundary, { label: 'Steering results', children: h(Panel, { fails: () => broken, text: 'drawn' }) }));
    click('error-boundary-retry');
    // Still failing: the boundary catches it again.
    expect(byTestId('error-boundary')).not.toBeNull();
    broken = false;
    click('error-boundary-retry');
    expect(byTestId('error-boundary')).toBeNull();
    expect(byTestId('panel')!.textContent).toBe('drawn');
  });

  it('Reset this page clears the page’s state first, then mounts it again', () => {
    let staleResult = true;
    const onReset = vi.fn(() => {
      staleResult = false;
    });
    render(h(ErrorBoundary, { label: 'Steer page', onReset, children: h(Panel, { fails: () => staleResult, text: 'empty page' }) }));
    click('error-boundary-reset');
    expect(onReset).toHaveBeenCalledTimes(1);
    expect(byTestId('panel')!.textContent).toBe('empty page');
  });
});
