/** (Tests only: the float64 references the study's numbers are checked against.) */

/** AUROC by its definition: P(score of a positive > score of a negative) + ½ P(tie), counting every pair. */
export function pairwiseAuroc(scores: ArrayLike<number>, labels: ArrayLike<boolean>): number {
  let wins = 0;
  let pairs = 0;
  for (let i = 0; i < scores.length; i++) {
    if (!labels[i]) continue;
    for (let j = 0; j < scores.length; j++) {
      if (labels[j]) continue;
      pairs++;
      wins += scores[i] > scores[j] ? 1 : scores[i] === scores[j] ? 0.5 : 0;
    }
  }
  return wins / pairs;
}
