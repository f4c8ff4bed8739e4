import type React from 'react';
import { useMemo } from 'react';
import { currentProject } from '../state/project-slice';
import { stageStatuses, type StageId } from '../state/stage-status';
import { KernelStatus } from './PrewarmLine';
import { useLab } from '../state/store';
import { STAGES } from './stages';

const STATE_LABEL = { empty: 'empty', running: 'running', done: 'done', paused: 'paused', stale: 'stale', failed: 'failed', disabled: 'next' } as const;

/**
 * The workflow, always visible: every stage in order with its state (empty,
 * running with progress, done, paused, stale, failed) and what it holds.
 * Built stages open on click (or Enter).
 */
export function StageNav({ active, onSelect }: { active: StageId; onSelect: (id: StageId) => void }) {
  const statuses = useStageStatuses();
  return (
    <nav className="stage-nav" aria-label="Stages">
      <ol>
        {STAGES.map((stage) => {
          const status = statuses[stage.id];
          return (
            <li
              key={stage.id}
              className={`stage ${stage.built ? 'selectable' : ''} stage-${status.state}`}
              aria-current={stage.id === active ? 'page' : undefined}
              aria-disabled={!stage.built}
              data-testid={`stage-${stage.id}`}
              data-state={status.state}
              title={stage.summary}
              {...(stage.built
                ? {
                    role: 'link',
                    tabIndex: 0,
                    onClick: () => onSelect(stage.id),
                    onKeyDown: (e: React.KeyboardEvent) => e.key === 'Enter' && onSelect(stage.id),
                  }
                : {})}
            >
              <span className="stage-title">
                {stage.title}
                <span className={`stage-state ${status.state}`}>{STATE_LABEL[status.state]}</span>
              </span>
              <span className="stage-summary" data-testid={`stage-${stage.id}-detail`}>
                {status.detail}
              </span>
              {status.state === 'running' && status.progress !== undefined && <progress className="stage-progress" value={status.progress} max={1} />}
            </li>
          );
        })}
      </ol>
      <KernelStatus />
    </nav>
  );
}

/** The statuses, recomputed only when one of their inputs changes (a selector returning fresh objects would re-render forever). */
function useStageStatuses() {
  const model = useLab((s) => s.model);
  const gpu = useLab((s) => s.gpu);
  const promptsStatus = useLab((s) => s.promptsStatus);
  const collectJob = useLab((s) => s.collectJob);
  const fitJob = useLab((s) => s.fitJob);
  const fitInterrupted = useLab((s) => s.fitInterrupted);
  const trainJob = useLab((s) => s.trainJob);
  const ablationJob = useLab((s) => s.ablationJob);
  const steerRunning = useLab((s) => s.steerRunning);
  const steerResult = useLab((s) => s.steerResult);
  const project = useLab(currentProject);
  return useMemo(
    () => stageStatuses({ model, gpu, promptsStatus, collectJob, fitJob, fitInterrupted, trainJob, ablationJob, steerRunning, steerResult }, project),
    [model, gpu, promptsStatus, collectJob, fitJob, fitInterrupted, trainJob, ablationJob, steerRunning, steerResult, project],
  );
}
