import { useEffect, useState } from 'react';

export interface StepScrubber {
  /** The recorded step shown (0-based). */
  step: number;
  setStep: (s: number) => void;
  playing: boolean;
  setPlaying: (update: (playing: boolean) => boolean) => void;
}

/** Period of one step while playing. */
const PLAY_MS = 700;

/** The latent page's step: starts at the last recorded step; while playing it moves on every PLAY_MS, round from the last to the first. */
export function useStepScrubber(S: number): StepScrubber {
  const [step, setStep] = useState(S - 1);
  const [playing, setPlaying] = useState(false);
  useEffect(() => {
    if (!playing) return;
    const timer = setInterval(() => setStep((s) => (s + 1) % S), PLAY_MS);
    return () => clearInterval(timer);
  }, [playing, S]);
  return { step, setStep, playing, setPlaying };
}
