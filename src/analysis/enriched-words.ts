/**
 * An automatic label for a latent: the prompt words most over-represented in
 * its top-activating images compared with all images. Words are lowercased
 * runs of letters; each counts once per prompt. The score is the ratio of
 * the share of top prompts containing the word to its share of all prompts,
 * with add-one smoothing so that a word in one top image and nowhere else
 * does not dominate.
 */
export interface EnrichedWord {
  word: string;
  /** Share of the top images' prompts that contain it, and of all prompts. */
  topShare: number;
  allShare: number;
  /** topShare / smoothed allShare. */
  enrichment: number;
}

const STOP_WORDS = new Set(['a', 'an', 'the', 'on', 'in', 'at', 'of', 'with', 'and', 'to', 'is', 'it', 'its']);

function wordsOf(prompt: string): Set<string> {
  return new Set((prompt.toLowerCase().match(/[a-z]+/g) ?? []).filter((w) => !STOP_WORDS.has(w)));
}

/** Every prompt's words and, per word, how many prompts hold it: made once when many latents are labelled over the same prompts. */
export interface PromptWords {
  words: Set<string>[];
  counts: Map<string, number>;
}

export function promptWords(allPrompts: readonly string[]): PromptWords {
  const words = allPrompts.map(wordsOf);
  const counts = new Map<string, number>();
  for (const set of words) for (const w of set) counts.set(w, (counts.get(w) ?? 0) + 1);
  return { words, counts };
}

export function enrichedWords(allPrompts: readonly string[], topImages: readonly number[], limit = 5, index: PromptWords = promptWords(allPrompts)): EnrichedWord[] {
  if (topImages.length === 0 || allPrompts.length === 0) return [];
  const all = index.counts;
  const top = new Map<string, number>();
  for (const n of new Set(topImages)) for (const w of index.words[n] ?? []) top.set(w, (top.get(w) ?? 0) + 1);
  const nTop = new Set(topImages).size;
  const N = allPrompts.length;
  return [...top.entries()]
    .map(([word, count]) => {
      const topShare = count / nTop;
      const allShare = (all.get(word) ?? 0) / N;
      return { word, topShare, allShare, enrichment: topShare / (((all.get(word) ?? 0) + 1) / (N + 1)) };
    })
    .filter((w) => w.topShare > w.allShare)
    .sort((a, b) => b.enrichment - a.enrichment || a.word.localeCompare(b.word))
    .slice(0, limit);
}
