export { analyzeAbTest } from "./analyze";
export type {
    AbAnalysis,
    AbOptions,
    AbRecord,
    AucEstimate,
    ChallengerAssessment,
    Comparison,
    LatencySummary,
    ProportionEstimate,
    RecommendationAction,
    VariantSummary,
} from "./analyze";
export { deLongAuc, erfc, normalCdf, normalQuantile, percentileSorted, sampleSizeTwoProportions, twoProportionZTest, wilsonInterval } from "./stats";
export type { DeLongAuc, Interval, ZTest } from "./stats";
