/**
 * # lib/aws — the `--target aws` engine of build_ml_environment.sh
 *
 * Thin, typed request builders (`build*`: pure functions of the stack outputs, tagged with `outputs.tags`) and runners
 * (`run*`: create, then wait with the shared waiter) per SageMaker job type, plus S3 and Feature Store helpers.
 * The steps in `scripts/steps/<step>/aws.ts` compose them; `docs/aws-target.md` describes what each step calls and costs.
 *
 * - waiter.ts     `waitFor` (progress, FailureReason, timeout -> Stop*), injectable timing (`setWaitTiming`)
 * - retry.ts      `withThrottlingRetry` (exponential backoff + full jitter), `isThrottling`, `Clock`
 * - images.ts     per-region ECR accounts of sagemaker-xgboost / sagemaker-scikit-learn
 * - processing.ts prepare processing job (scripts/prepare_adult.py)
 * - featurestore.ts PutRecord ingestion (batches, retries, per-record failures)
 * - training.ts / tuning.ts / transform.ts / hosting.ts / registry.ts / recommender.ts
 * - datasets.ts   S3 layout of the AWS target, model-input CSV, transform-based test scoring
 * - s3.ts, common.ts, step-support.ts
 */
export * from "./common";
export * from "./retry";
export * from "./waiter";
export * from "./images";
export * from "./s3";
export * from "./processing";
export * from "./featurestore";
export * from "./training";
export * from "./tuning";
export * from "./hosting";
export * from "./transform";
export * from "./registry";
export * from "./recommender";
export * from "./datasets";
