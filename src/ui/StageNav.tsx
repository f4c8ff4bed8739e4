import { STAGES } from './stages';

/**
 * The left navigation: every stage of the workflow in order. Only the Device
 * stage is built, so this is a list, not yet links; stages not built yet are
 * greyed out and say so.
 */
export function StageNav({ active }: { active: string }) {
  return (
    <nav className="stage-nav" aria-label="Stages">
      <ol>
        {STAGES.map((stage) => (
          <li
            key={stage.id}
            className="stage"
            aria-current={stage.id === active ? 'page' : undefined}
            aria-disabled={!stage.built}
            data-testid={`stage-${stage.id}`}
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
