import type React from 'react';
import { STAGES } from './stages';

/**
 * The left navigation: every stage of the workflow in order. Built stages
 * open on click (or Enter); stages not built yet are greyed out and say so.
 */
export function StageNav({ active, onSelect }: { active: string; onSelect: (id: string) => void }) {
  return (
    <nav className="stage-nav" aria-label="Stages">
      <ol>
        {STAGES.map((stage) => (
          <li
            key={stage.id}
            className={stage.built ? 'stage selectable' : 'stage'}
            aria-current={stage.id === active ? 'page' : undefined}
            aria-disabled={!stage.built}
            data-testid={`stage-${stage.id}`}
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
              {!stage.built && <span className="tag">not built yet</span>}
            </span>
            <span className="stage-summary">{stage.summary}</span>
          </li>
        ))}
      </ol>
    </nav>
  );
}
