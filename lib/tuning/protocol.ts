/** Messages between the tuner and its worker threads. */
import { DMatrix } from "../training/dmatrix";

export interface WorkerInit {
    /** "train" and optionally "validation", with SharedArrayBuffer-backed arrays */
    matrices: Record<string, DMatrix>;
}

export interface TrialRequest {
    type: "trial";
    trial: number;
    hyperParameters: Record<string, string | number | string[]>;
    evalNames: string[];
    objectiveKey: string;
    maximize: boolean;
    /** median of running averages of reference trials per round (null where too few references), or null when early stopping is Off */
    medianCurve: (number | null)[] | null;
    minRoundsBeforeStopping: number;
}

export interface TrialResponse {
    type: "done";
    trial: number;
    status: "Completed" | "Stopped" | "Failed";
    objective?: number;
    rounds: number;
    history: number[];
    modelJson?: string;
    failureReason?: string;
}

export interface ProgressMessage {
    type: "progress";
    trial: number;
    round: number;
    value: number;
}
