/**
 * Test helper for component tests under happy-dom: a React root in a fresh
 * container on the body, mounted before each test and unmounted (container
 * removed) after it, with React told it runs in a test so act() flushes.
 */
import { act, type ReactNode } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, beforeEach } from 'vitest';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

export interface TestRoot {
  /** The current test's container. */
  readonly container: HTMLElement;
  render(node: ReactNode): void;
}

/** Registers the before/after hooks in the calling describe block (or file) and returns the current test's root. */
export function useTestRoot(): TestRoot {
  let container: HTMLElement;
  let root: Root;
  beforeEach(() => {
    container = document.createElement('div');
    document.body.append(container);
    root = createRoot(container);
  });
  afterEach(() => {
    act(() => root.unmount());
    container.remove();
  });
  return {
    get container() {
      return container;
    },
    render: (node) => act(() => root.render(node)),
  };
}
