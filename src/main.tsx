import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { useLab } from './state/store';
// The base styles first: a component's own stylesheet (welcome, theme switch, shortcuts, steer) then comes after them and wins.
import './ui/app.css';
import { App } from './ui/App';
import { applyStoredTheme } from './ui/theme/theme-choice';

// Anything that escapes an action still reaches the banner, not only the console.
window.addEventListener('error', (event) => useLab.getState().reportError('Page', event.error ?? event.message));
window.addEventListener('unhandledrejection', (event) => useLab.getState().reportError('Page', event.reason));

applyStoredTheme();

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
