import { useEffect, useState } from 'react';
import { applyThemeChoice, saveThemeChoice, storedThemeChoice, THEME_CHOICES, type ThemeChoice } from './theme-choice';
import './theme-toggle.css';

const LABELS: Record<ThemeChoice, string> = { system: 'System', light: 'Light', dark: 'Dark' };

/** The header's theme switch: system (follows prefers-color-scheme), light or dark, remembered across visits. */
export function ThemeToggle() {
  const [choice, setChoice] = useState<ThemeChoice>(storedThemeChoice);
  useEffect(() => applyThemeChoice(choice), [choice]);
  return (
    <div className="theme-toggle" role="group" aria-label="Colour theme" data-testid="theme-toggle">
      {THEME_CHOICES.map((c) => (
        <button
          key={c}
          type="button"
          aria-pressed={c === choice}
          onClick={() => {
            saveThemeChoice(c);
            setChoice(c);
          }}
          data-testid={`theme-${c}`}
        >
          {LABELS[c]}
        </button>
      ))}
    </div>
  );
}
