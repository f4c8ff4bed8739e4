import { STAGES } from './stages';

/** The left navigation: every stage of the workflow; the ones not built yet are shown but cannot be opened. */
export function StageNav({ active }: { active: string }) {
  return (
    <nav className="stage-nav" aria-label="Stages">
      <ol>
        {STAGES.map((stage) => (
          <li key={stage.id}>
            <button
              type="button"
              className="stage"
              aria-current={stage.id === active ? 'page' : undefined}
              disabled={!stage.built}
              data-testid={`stage-${stage.id}`}
            >
              <span className="stage-title">
                {stage.title}
                {!stage.built && <span className="tag">not built yet</span>}
              </span>
              <span className="stage-summary">{stage.summary}</span>
            </button>
          </li>
        ))}
      </ol>
    </nav>
  );
}
