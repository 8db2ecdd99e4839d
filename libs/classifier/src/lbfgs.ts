/**
 * Limited-memory BFGS for smooth convex objectives. Full-batch and free of randomness, so the same
 * data gives the same weights bit for bit (mini-batch SGD would need a seeded shuffle and a
 * learning-rate schedule to tune; for a few thousand texts the full batch is fast enough).
 */

export type Objective = (x: Float64Array, gradient: Float64Array) => number;

export interface LbfgsOptions {
  maxIterations: number;
  /** Stop when the gradient's max-norm falls below this. */
  gradientTolerance: number;
  /** Stop when the objective improves by less than this fraction of itself in one step. */
  relativeTolerance: number;
  memory: number;
}

export interface LbfgsResult {
  x: Float64Array;
  value: number;
  iterations: number;
  /** Objective evaluations, line-search trials included. */
  evaluations: number;
}

export function minimise(objective: Objective, start: Float64Array, options: LbfgsOptions): LbfgsResult {
  const n = start.length;
  const x = Float64Array.from(start);
  const g = new Float64Array(n);
  let f = objective(x, g);
  let evaluations = 1;
  const s: Float64Array[] = [];
  const y: Float64Array[] = [];
  const rho: number[] = [];
  const direction = new Float64Array(n);
  const xNext = new Float64Array(n);
  const gNext = new Float64Array(n);
  const alpha = new Float64Array(options.memory);
  let iteration = 0;

  for (; iteration < options.maxIterations; iteration++) {
    if (maxAbs(g) < options.gradientTolerance) break;

    // Two-loop recursion: direction = -H·g with H the inverse-Hessian estimate from the last steps.
    for (let i = 0; i < n; i++) direction[i] = -g[i];
    for (let k = s.length - 1; k >= 0; k--) {
      alpha[k] = rho[k] * dot(s[k], direction);
      axpy(-alpha[k], y[k], direction);
    }
    if (s.length > 0) {
      const last = s.length - 1;
      scale(direction, dot(s[last], y[last]) / dot(y[last], y[last]));
    } else {
      // First step: plain gradient descent, scaled so the step has unit length.
      scale(direction, 1 / Math.max(norm(g), 1e-12));
    }
    for (let k = 0; k < s.length; k++) {
      const beta = rho[k] * dot(y[k], direction);
      axpy(alpha[k] - beta, s[k], direction);
    }

    let slope = dot(g, direction);
    if (slope >= 0) {
      // Not a descent direction (curvature estimate went stale): restart from the gradient.
      s.length = y.length = rho.length = 0;
      for (let i = 0; i < n; i++) direction[i] = -g[i] / Math.max(norm(g), 1e-12);
      slope = dot(g, direction);
    }

    // Backtracking line search with the Armijo condition.
    let step = 1;
    let fNext = 0;
    let accepted = false;
    for (let tries = 0; tries < 30; tries++) {
      for (let i = 0; i < n; i++) xNext[i] = x[i] + step * direction[i];
      fNext = objective(xNext, gNext);
      evaluations++;
      if (fNext <= f + 1e-4 * step * slope) {
        accepted = true;
        break;
      }
      step *= 0.5;
    }
    if (!accepted) break;

    const sk = new Float64Array(n);
    const yk = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      sk[i] = xNext[i] - x[i];
      yk[i] = gNext[i] - g[i];
    }
    const sy = dot(sk, yk);
    if (sy > 1e-12) {
      if (s.length === options.memory) {
        s.shift();
        y.shift();
        rho.shift();
      }
      s.push(sk);
      y.push(yk);
      rho.push(1 / sy);
    }
    const improvement = f - fNext;
    x.set(xNext);
    g.set(gNext);
    f = fNext;
    if (improvement <= options.relativeTolerance * Math.max(Math.abs(f), 1)) {
      iteration++;
      break;
    }
  }
  return { x, value: f, iterations: iteration, evaluations };
}

function dot(a: Float64Array, b: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i] * b[i];
  return sum;
}

function axpy(a: number, x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < x.length; i++) y[i] += a * x[i];
}

function scale(x: Float64Array, a: number): void {
  for (let i = 0; i < x.length; i++) x[i] *= a;
}

function norm(x: Float64Array): number {
  return Math.sqrt(dot(x, x));
}

function maxAbs(x: Float64Array): number {
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]));
  return m;
}
