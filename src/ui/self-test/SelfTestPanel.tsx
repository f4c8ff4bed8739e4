import { useCallback, useEffect } from 'react';
import { gpuContexts } from '../../state/gpu-slice';
import type { SelfTestStatus } from '../../state/self-test-slice';
import { useLab } from '../../state/store';
import { runSelfTest } from './run-self-test';

/**
 * The matmul self-test: runs once when the device is ready, and again on
 * "Run self-test" with fresh random matrices (the seed is shown, so a
 * failure can be repeated).
 */
export function SelfTestPanel({ contextId, deviceLost }: { contextId: string; deviceLost: boolean }) {
  const status = useLab((s) => s.selfTest);
  const run = useCallback(() => {
    const { selfTest, setSelfTest, reportError } = useLab.getState();
    if (selfTest.state === 'running') return;
    const seed = crypto.getRandomValues(new Uint32Array(1))[0];
    setSelfTest({ state: 'running', seed });
    runSelfTest(gpuContexts.get(contextId), seed).then(
      (report) => setSelfTest({ state: 'done', report }),
      (error: unknown) => {
        setSelfTest({ state: 'failed', seed, message: error instanceof Error ? error.message : String(error) });
        reportError('Self-test', error);
      },
    );
  }, [contextId]);

  useEffect(() => {
    if (useLab.getState().selfTest.state === 'idle') run();
  }, [run]);

  return (
    <section className="panel" data-testid="self-test">
      <header className="panel-header">
        <h2>GPU self-test</h2>
        <Verdict status={status} />
        <button type="button" className="primary" onClick={run} disabled={deviceLost || status.state === 'running'}>
          {status.state === 'running' ? 'Running…' : 'Run self-test'}
        </button>
      </header>
      <p className="muted">
        Multiplies Gaussian random matrices of odd sizes on the GPU with the lab’s <code>matmul</code> kernel in each
        layout and compares every entry with a float64 product on the CPU. The error of an entry is measured against
        Σ<sub>k</sub>|a<sub>ik</sub>b<sub>kj</sub>|; float32 arithmetic in any summation order stays below
        γ<sub>K</sub> = Ku/(1−Ku), u = 2<sup>−24</sup>.
      </p>
      {status.state === 'done' && (
        <>
          <table className="results" data-testid="self-test-results">
            <thead>
              <tr>
                <th>Layout</th>
                <th>C = op(A)·op(B)</th>
                <th className="num">Max rel. error</th>
                <th className="num">Bound γ<sub>K</sub></th>
                <th className="num">GPU time</th>
                <th>Result</th>
              </tr>
            </thead>
            <tbody>
              {status.report.cases.map((c) => (
                <tr key={c.layout} data-testid={`self-test-${c.layout}`} data-passed={c.passed}>
                  <td>
                    <code>{c.layout}</code>
                  </td>
                  <td>
                    [{c.m}×{c.k}]·[{c.k}×{c.n}]
                  </td>
                  <td className="num" data-testid="max-rel-error">
                    {c.maxRelError.toExponential(2)}
                  </td>
                  <td className="num">{c.tolerance.toExponential(2)}</td>
                  <td className="num">{c.gpuMs.toFixed(3)} ms</td>
                  <td className={c.passed ? 'good' : 'bad'}>{c.passed ? 'pass' : 'FAIL'}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="muted small" data-testid="self-test-seed">
            Seed {status.report.seed}; GPU time from {status.report.timing === 'timestamp-query' ? 'timestamp queries' : 'wall clock (no timestamp-query on this device)'}.
          </p>
        </>
      )}
      {status.state === 'failed' && (
        <p className="bad" data-testid="self-test-error">
          Self-test could not run (seed {status.seed}): {status.message}
        </p>
      )}
    </section>
  );
}

function Verdict({ status }: { status: SelfTestStatus }) {
  if (status.state === 'done') {
    return (
      <span className={status.report.passed ? 'status good' : 'status bad'} data-testid="self-test-verdict">
        {status.report.passed ? 'passed' : 'failed'}
      </span>
    );
  }
  if (status.state === 'failed') return <span className="status bad" data-testid="self-test-verdict">error</span>;
  if (status.state === 'running') return <span className="status busy" data-testid="self-test-verdict">running</span>;
  return null;
}
