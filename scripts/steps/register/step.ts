/**
 * register — the declaration both targets implement (local.ts: the local model registry; aws.ts: CreateModelPackage),
 * the results they return, and what both record and decide alike: the code version in the lineage, and the choice of
 * the best candidate of train and tune on validation AUC only (the test set stays an unbiased estimate).
 */
import { execFileSync } from "child_process";
import type { TrainResults } from "../train/step";
import type { TuneResults } from "../tune/step";

export const REGISTER = { name: "register", dependsOn: ["train"] } as const;

export interface RegisterResults {
    modelPackageGroup: string;
    version: number;
    modelPackageArn: string;
    approvalStatus: string;
    /** "train" or "tune": which step's model was registered. */
    source: string;
    modelUri: string;
    testAuc: number;
    validationAuc: number;
    /** AWS target only: the model-quality statistics the package's ModelMetrics point at. */
    statisticsUri?: string;
}

/** The git revision of the code (`+dirty` when lib/ or scripts/ have uncommitted changes), or "unknown". */
export function codeVersion(projectDir: string): string {
    try {
        const rev = execFileSync("git", ["rev-parse", "HEAD"], { cwd: projectDir, stdio: ["ignore", "pipe", "ignore"] })
            .toString()
            .trim();
        const dirty = execFileSync("git", ["status", "--porcelain", "--", "lib", "scripts"], { cwd: projectDir, stdio: ["ignore", "pipe", "ignore"] })
            .toString()
            .trim();
        return dirty ? `${rev}+dirty` : rev;
    } catch {
        return "unknown";
    }
}

/** A model the register step may register: the train step's, or the tune step's best. */
export interface Candidate {
    source: "train" | "tune";
    job: string;
    modelUri: string;
    validationAuc: number;
    testAuc: number;
    /** The test set's statistics in S3 (AWS target only). */
    statisticsUri?: string;
    hyperParameters: Record<string, string>;
}

/** The candidates of a run: the train step's model, and the tune step's best when tune has run. */
export function candidates(train: TrainResults, tune: TuneResults | undefined): Candidate[] {
    const out: Candidate[] = [
        {
            source: "train",
            job: train.job,
            modelUri: train.modelUri,
            validationAuc: train.validationAuc,
            testAuc: train.testAuc,
            statisticsUri: train.statisticsUri,
            hyperParameters: train.hyperParameters,
        },
    ];
    if (tune) {
        out.push({
            source: "tune",
            job: tune.bestTrainingJob,
            modelUri: tune.modelUri,
            validationAuc: Number(tune.validationAuc),
            testAuc: tune.testAuc,
            statisticsUri: tune.statisticsUri,
            hyperParameters: tune.hyperParameters,
        });
    }
    return out;
}

/** The best candidate, chosen on validation AUC only (the first wins a tie), with one log line per candidate. */
export function bestCandidate(all: Candidate[], log: (line: string) => void): Candidate {
    const best = all.reduce((a, b) => (b.validationAuc > a.validationAuc ? b : a));
    for (const c of all)
        log(`candidate ${c.source} ${c.job}: validation AUC ${c.validationAuc.toFixed(4)}, test AUC ${c.testAuc.toFixed(4)}${c === best ? "  <- best" : ""}`);
    return best;
}
