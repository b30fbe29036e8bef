/** counts[t][p]: how many examples of true class t were predicted as p (train --out, evaluate). */
export function confusionMatrix(labels: ArrayLike<number>, predicted: ArrayLike<number>, classes: number): number[][] {
  const counts = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  for (let i = 0; i < predicted.length; i++) counts[labels[i]][predicted[i]]++;
  return counts;
}
