import { minimise } from './lbfgs';
import { SparseVector } from './vectorizer';

export interface SoftmaxOptions {
  /** L2 penalty on the weights (not the biases), per unit of total sample weight. */
  l2: number;
  maxIterations: number;
  /** Per-class loss weights, e.g. inverse frequency so rare products count for macro-F1. */
  classWeights: readonly number[];
}

export interface LinearWeights {
  /** Feature-major: weights[feature * labels + label], so scoring a sparse text reads contiguous memory. */
  weights: Float64Array;
  bias: Float64Array;
  iterations: number;
  evaluations: number;
}

/**
 * Multinomial logistic regression: minimises the class-weighted mean cross-entropy plus
 * (l2 / 2)·‖W‖². Convex, so the optimum does not depend on a seed or an epoch count.
 */
export function trainSoftmax(
  rows: readonly SparseVector[],
  targets: readonly number[],
  labelCount: number,
  featureCount: number,
  options: SoftmaxOptions,
): LinearWeights {
  const K = labelCount;
  const weightCount = featureCount * K;
  let totalWeight = 0;
  for (const t of targets) totalWeight += options.classWeights[t];
  const z = new Float64Array(K);

  const objective = (params: Float64Array, gradient: Float64Array): number => {
    gradient.fill(0);
    let loss = 0;
    for (let r = 0; r < rows.length; r++) {
      const { indices, values } = rows[r];
      for (let c = 0; c < K; c++) z[c] = params[weightCount + c];
      for (let k = 0; k < indices.length; k++) {
        const base = indices[k] * K;
        const v = values[k];
        for (let c = 0; c < K; c++) z[c] += v * params[base + c];
      }
      let max = -Infinity;
      for (let c = 0; c < K; c++) if (z[c] > max) max = z[c];
      let sum = 0;
      for (let c = 0; c < K; c++) {
        z[c] = Math.exp(z[c] - max);
        sum += z[c];
      }
      const y = targets[r];
      const w = options.classWeights[y] / totalWeight;
      loss -= w * Math.log(z[y] / sum);
      // z becomes the gradient of this row's loss with respect to its scores.
      for (let c = 0; c < K; c++) z[c] = (w * z[c]) / sum;
      z[y] -= w;
      for (let k = 0; k < indices.length; k++) {
        const base = indices[k] * K;
        const v = values[k];
        for (let c = 0; c < K; c++) gradient[base + c] += v * z[c];
      }
      for (let c = 0; c < K; c++) gradient[weightCount + c] += z[c];
    }
    let penalty = 0;
    for (let i = 0; i < weightCount; i++) {
      penalty += params[i] * params[i];
      gradient[i] += options.l2 * params[i];
    }
    return loss + 0.5 * options.l2 * penalty;
  };

  const result = minimise(objective, new Float64Array(weightCount + K), {
    maxIterations: options.maxIterations,
    gradientTolerance: 1e-6,
    relativeTolerance: 1e-9,
    memory: 10,
  });
  return {
    weights: result.x.slice(0, weightCount),
    bias: result.x.slice(weightCount),
    iterations: result.iterations,
    evaluations: result.evaluations,
  };
}
