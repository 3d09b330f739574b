/**
 * Bias drift: compare a current bias report with a baseline report, metric by
 * metric and facet by facet, and turn threshold breaches into violations in
 * the Model Bias Monitor's constraint_violations.json style:
 *   {"violations":[{"facet":"sex","facet_value":"Female","metric_name":"DPPL",
 *     "constraint_check_type":"bias_drift_check","description":"..."}]}
 */
import type { BiasMetricsSection, BiasReport } from './report';

export interface BiasMetricThreshold {
  /** Violation when |current value| exceeds this (absolute bias level). */
  maxAbs?: number;
  /** Violation when the value leaves [min, max] (e.g. DI outside [0.8, 1.25]). */
  range?: [number, number];
  /** Violation when |current - baseline| exceeds this (drift from baseline). */
  maxAbsChange?: number;
}

export interface BiasDriftViolation {
  facet: string;
  facet_value: string;
  metric_name: string;
  constraint_check_type: 'bias_drift_check';
  description: string;
}

export interface BiasMetricChange {
  stage: 'pre_training' | 'post_training';
  facet: string;
  facet_value: string;
  metric_name: string;
  baseline: number | null;
  current: number | null;
  delta: number | null;
}

export interface BiasDriftResult {
  violations: BiasDriftViolation[];
  changes: BiasMetricChange[];
  /** Thresholds that could not be evaluated (metric null / missing), with the reason. */
  skipped: { facet: string; facet_value: string; metric_name: string; reason: string }[];
}

type Sections = { stage: 'pre_training' | 'post_training'; base?: BiasMetricsSection; cur?: BiasMetricsSection }[];

export function checkBiasDrift(baseline: BiasReport, current: BiasReport, thresholds: Record<string, BiasMetricThreshold>): BiasDriftResult {
  for (const [m, t] of Object.entries(thresholds)) {
    if (t.range && !(t.range[0] <= t.range[1])) {
      throw new Error(`checkBiasDrift: threshold for ${m} has range [${t.range[0]}, ${t.range[1]}] with min > max; swap the bounds.`);
    }
    for (const k of ['maxAbs', 'maxAbsChange'] as const) {
      const v = t[k];
      if (v !== undefined && !(v >= 0)) throw new Error(`checkBiasDrift: threshold ${k} for ${m} is ${v}; use a non-negative number.`);
    }
  }
  const out: BiasDriftResult = { violations: [], changes: [], skipped: [] };
  const sections: Sections = [
    { stage: 'pre_training', base: baseline.pre_training_bias_metrics, cur: current.pre_training_bias_metrics },
    { stage: 'post_training', base: baseline.post_training_bias_metrics, cur: current.post_training_bias_metrics },
  ];
  const fmt = (x: number) => Number(x.toPrecision(6));
  for (const { stage, base, cur } of sections) {
    if (!cur) continue;
    for (const [facet, entries] of Object.entries(cur.facets)) {
      for (const e of entries) {
        const baseEntry = base?.facets[facet]?.find((b) => b.value_or_threshold === e.value_or_threshold);
        for (const m of e.metrics) {
          const b = baseEntry?.metrics.find((x) => x.name === m.name);
          const bv = b?.value ?? null;
          const cv = m.value;
          out.changes.push({
            stage,
            facet,
            facet_value: e.value_or_threshold,
            metric_name: m.name,
            baseline: bv,
            current: cv,
            delta: bv !== null && cv !== null ? cv - bv : null,
          });
          const t = thresholds[m.name];
          if (!t) continue;
          const where = { facet, facet_value: e.value_or_threshold, metric_name: m.name };
          if (cv === null) {
            out.skipped.push({ ...where, reason: `current value is null: ${m.error ?? 'not computed'}` });
            continue;
          }
          const problems: string[] = [];
          if (t.maxAbs !== undefined && Math.abs(cv) > t.maxAbs) problems.push(`|value| exceeds ${t.maxAbs}`);
          if (t.range && (cv < t.range[0] || cv > t.range[1])) problems.push(`value is outside [${t.range[0]}, ${t.range[1]}]`);
          if (t.maxAbsChange !== undefined) {
            if (bv === null) out.skipped.push({ ...where, reason: b ? `baseline value is null: ${b.error ?? 'not computed'}` : 'metric not in baseline report' });
            else if (Math.abs(cv - bv) > t.maxAbsChange) problems.push(`changed by ${fmt(cv - bv)} from baseline ${fmt(bv)} (allowed ±${t.maxAbsChange})`);
          }
          if (problems.length) {
            out.violations.push({
              ...where,
              constraint_check_type: 'bias_drift_check',
              description: `Value ${fmt(cv)} does not meet the constraint requirement: ${problems.join('; ')}`,
            });
          }
        }
      }
    }
  }
  return out;
}
