/**
 * Tree ensemble for binary:logistic and its XGBoost-1.7-compatible JSON form
 * (what `Booster.save_model('model.json')` writes). The scorer accepts models
 * written by this package or by XGBoost itself (numerical and categorical splits).
 *
 * Prediction rule (XGBoost's): at an internal node, a missing (NaN) value goes to
 * the default child; otherwise a numerical split sends `x < split_condition`
 * left. A categorical split sends categories listed for the node right, others
 * left; negative or too-large categories take the default direction. The leaf
 * value lives in `split_conditions`. margin = logit(base_score) + sum of leaves,
 * probability = sigmoid(margin).
 */
import * as fs from "fs";
import { DMatrix } from "./dmatrix";

export const ROOT_PARENT = 2147483647;

export interface TreeModel {
    left: Int32Array;
    right: Int32Array;
    parents: Int32Array;
    splitIndex: Int32Array;
    splitCondition: Float32Array;
    defaultLeft: Uint8Array;
    baseWeight: Float32Array;
    lossChange: Float32Array;
    sumHessian: Float32Array;
    /** 0 numerical, 1 categorical */
    splitType: Uint8Array;
    /** categorical splits: node id -> categories that go right */
    categorical: Map<number, { cats: Set<number>; bitSize: number }>;
}

export interface XGBoostJsonModel {
    learner: {
        attributes: Record<string, string>;
        feature_names: string[];
        feature_types: string[];
        gradient_booster: {
            model: {
                gbtree_model_param: { num_parallel_tree: string; num_trees: string; size_leaf_vector?: string };
                tree_info: number[];
                trees: XGBoostJsonTree[];
            };
            name: string;
        };
        learner_model_param: {
            base_score: string;
            boost_from_average?: string;
            num_class: string;
            num_feature: string;
            num_target?: string;
        };
        objective: { name: string; reg_loss_param?: { scale_pos_weight: string } };
    };
    version: number[];
}

export interface XGBoostJsonTree {
    base_weights: number[];
    categories: number[];
    categories_nodes: number[];
    categories_segments: number[];
    categories_sizes: number[];
    default_left: (number | boolean)[];
    id: number;
    left_children: number[];
    loss_changes: number[];
    parents: number[];
    right_children: number[];
    split_conditions: number[];
    split_indices: number[];
    split_type: number[];
    sum_hessian: number[];
    tree_param: { num_deleted: string; num_feature: string; num_nodes: string; size_leaf_vector: string };
}

/** Input accepted by the scorer: a DMatrix or any dense row-major matrix. */
export type DenseInput = Pick<DMatrix, "nRows" | "nCols" | "values"> & { featureNames?: string[] };

export function sigmoid(x: number): number {
    return 1 / (1 + Math.exp(-x));
}

/** XGBoost's ProbToMargin for binary:logistic, evaluated in float32. */
export function probToMargin(p: number): number {
    return Math.fround(-Math.log(Math.fround(Math.fround(1 / Math.fround(p)) - 1)));
}

export class Booster {
    constructor(
        public trees: TreeModel[],
        public baseScore: number,
        public numFeature: number,
        public featureNames: string[] = [],
        public attributes: Record<string, string> = {},
        public scalePosWeight = 1,
    ) {}

    get numTrees(): number {
        return this.trees.length;
    }

    private checkInput(x: DenseInput): void {
        if (x.values.length !== x.nRows * x.nCols) {
            throw new Error(`Booster.predict: values has length ${x.values.length} but nRows*nCols = ${x.nRows * x.nCols}; pass a dense row-major matrix.`);
        }
        if (x.nCols !== this.numFeature) {
            throw new Error(
                `Booster.predict: the input has ${x.nCols} columns but the model was trained on ${this.numFeature} features; apply the same feature transform as at training time.`,
            );
        }
        if (x.featureNames && x.featureNames.length > 0 && this.featureNames.length > 0) {
            for (let j = 0; j < this.featureNames.length; j++) {
                if (x.featureNames[j] !== this.featureNames[j]) {
                    throw new Error(
                        `Booster.predict: feature ${j} is named "${x.featureNames[j]}" in the input but "${this.featureNames[j]}" in the model; reorder or rename the input columns to match the model.`,
                    );
                }
            }
        }
    }

    /** Raw margins (log-odds). `nTrees` limits the number of trees used (default: all). */
    predictMargin(x: DenseInput, nTrees = this.trees.length): Float64Array {
        this.checkInput(x);
        const out = new Float64Array(x.nRows);
        const base = probToMargin(this.baseScore);
        const nc = x.nCols;
        const vals = x.values;
        const T = Math.min(nTrees, this.trees.length);
        for (let r = 0; r < x.nRows; r++) {
            let s = 0;
            const off = r * nc;
            for (let t = 0; t < T; t++) s = Math.fround(s + predictTreeRow(this.trees[t], vals, off));
            out[r] = Math.fround(base + s);
        }
        return out;
    }

    /** Probabilities P(y=1). */
    predict(x: DenseInput, nTrees = this.trees.length): Float32Array {
        const m = this.predictMargin(x, nTrees);
        const p = new Float32Array(m.length);
        for (let i = 0; i < m.length; i++) p[i] = sigmoid(m[i]);
        return p;
    }

    toJSON(): XGBoostJsonModel {
        return boosterToJson(this);
    }

    /** Serialized JSON text; starts with `{"` so XGBoost also recognises it without a .json extension. */
    toJSONString(): string {
        return serializeXGBoostJson(boosterToJson(this));
    }

    saveModel(path: string): void {
        fs.writeFileSync(path, this.toJSONString());
    }

    static fromJSON(json: unknown): Booster {
        return boosterFromJson(json);
    }

    static loadModel(path: string): Booster {
        const text = fs.readFileSync(path, "utf8");
        let parsed: unknown;
        try {
            parsed = JSON.parse(text);
        } catch (e) {
            throw new Error(
                `Booster.loadModel: ${path} is not JSON (${(e as Error).message}); only XGBoost's JSON model format is supported — re-save the model with save_model("model.json").`,
            );
        }
        return boosterFromJson(parsed);
    }
}

/** Leaf value reached by the row starting at `off` in `vals`. */
export function predictTreeRow(t: TreeModel, vals: ArrayLike<number>, off: number): number {
    const left = t.left;
    const cond = t.splitCondition;
    let n = 0;
    while (left[n] !== -1) {
        const v = vals[off + t.splitIndex[n]];
        if (v !== v) {
            n = t.defaultLeft[n] ? left[n] : t.right[n];
        } else if (t.splitType[n] === 0) {
            n = v < cond[n] ? left[n] : t.right[n];
        } else {
            const c = t.categorical.get(n)!;
            if (v < 0 || v >= c.bitSize) n = t.defaultLeft[n] ? left[n] : t.right[n];
            else n = c.cats.has(Math.trunc(v)) ? t.right[n] : left[n];
        }
    }
    return cond[n];
}

/** Keys whose arrays XGBoost parses as JSON *Number* (float); integers there must carry a decimal point. */
const FLOAT_KEYS = new Set(["base_weights", "loss_changes", "split_conditions", "sum_hessian"]);

/** Shortest decimal text that reads back as the same float32 (XGBoost's parameter parser rejects long digit strings). */
export function float32Text(v: number): string {
    const f = Math.fround(v);
    if (!Number.isFinite(f)) throw new Error(`XGBoost JSON model: non-finite value ${v} cannot be serialized; the model is corrupt.`);
    for (let p = 1; p <= 9; p++) {
        const t = f.toPrecision(p);
        if (Math.fround(Number(t)) === f) return String(Number(t));
    }
    return String(f);
}

function floatText(v: number): string {
    const t = float32Text(v);
    return /[.eE]/.test(t) ? t : `${t}.0`;
}

/**
 * JSON text in XGBoost's typing: XGBoost's parser distinguishes Integer from Number,
 * so float fields are always written with a fraction or exponent (1 -> 1.0).
 */
export function serializeXGBoostJson(value: unknown, key = ""): string {
    if (Array.isArray(value)) {
        if (FLOAT_KEYS.has(key)) return `[${value.map((v) => floatText(Number(v))).join(",")}]`;
        return `[${value.map((v) => serializeXGBoostJson(v)).join(",")}]`;
    }
    if (value !== null && typeof value === "object") {
        const parts = Object.entries(value as Record<string, unknown>)
            .filter(([, v]) => v !== undefined)
            .map(([k, v]) => `${JSON.stringify(k)}:${serializeXGBoostJson(v, k)}`);
        return `{${parts.join(",")}}`;
    }
    return JSON.stringify(value);
}

function toArr(a: ArrayLike<number>): number[] {
    return Array.from(a, (v) => v);
}

export function boosterToJson(b: Booster): XGBoostJsonModel {
    const trees: XGBoostJsonTree[] = b.trees.map((t, id) => {
        const catNodes = [...t.categorical.keys()].sort((x, y) => x - y);
        const categories: number[] = [];
        const segments: number[] = [];
        const sizes: number[] = [];
        for (const nd of catNodes) {
            const cs = [...t.categorical.get(nd)!.cats].sort((x, y) => x - y);
            segments.push(categories.length);
            sizes.push(cs.length);
            categories.push(...cs);
        }
        return {
            base_weights: toArr(t.baseWeight),
            categories,
            categories_nodes: catNodes,
            categories_segments: segments,
            categories_sizes: sizes,
            default_left: toArr(t.defaultLeft),
            id,
            left_children: toArr(t.left),
            loss_changes: toArr(t.lossChange),
            parents: toArr(t.parents),
            right_children: toArr(t.right),
            split_conditions: toArr(t.splitCondition),
            split_indices: toArr(t.splitIndex),
            split_type: toArr(t.splitType),
            sum_hessian: toArr(t.sumHessian),
            tree_param: {
                num_deleted: "0",
                num_feature: String(b.numFeature),
                num_nodes: String(t.left.length),
                size_leaf_vector: "0",
            },
        };
    });
    return {
        learner: {
            attributes: { ...b.attributes },
            feature_names: b.featureNames.slice(),
            feature_types: b.featureNames.length > 0 ? b.featureNames.map(() => "float") : [],
            gradient_booster: {
                model: {
                    gbtree_model_param: { num_parallel_tree: "1", num_trees: String(trees.length), size_leaf_vector: "0" },
                    tree_info: trees.map(() => 0),
                    trees,
                },
                name: "gbtree",
            },
            learner_model_param: {
                base_score: float32Text(b.baseScore),
                boost_from_average: "0",
                num_class: "0",
                num_feature: String(b.numFeature),
                num_target: "1",
            },
            objective: { name: "binary:logistic", reg_loss_param: { scale_pos_weight: float32Text(b.scalePosWeight) } },
        },
        version: [1, 7, 4],
    };
}

function bad(what: string, fix: string): never {
    throw new Error(`XGBoost JSON model: ${what}; ${fix}`);
}

function numArray(tree: Record<string, unknown>, key: string, n: number, ti: number): number[] {
    const a = tree[key];
    if (!Array.isArray(a)) bad(`trees[${ti}].${key} is missing or not an array`, 'the file must be written by save_model("*.json") of XGBoost >= 1.0.');
    if (a.length !== n) bad(`trees[${ti}].${key} has ${a.length} entries but the tree has ${n} nodes`, "the model file is truncated or corrupt.");
    return (a as unknown[]).map((v) => (typeof v === "boolean" ? (v ? 1 : 0) : Number(v)));
}

export function boosterFromJson(json: unknown): Booster {
    const j = json as XGBoostJsonModel;
    const learner = j?.learner;
    if (!learner || typeof learner !== "object") bad('top-level "learner" object is missing', "pass the parsed content of an XGBoost model.json.");
    const objective = learner.objective?.name;
    if (objective !== "binary:logistic") {
        bad(`objective is ${JSON.stringify(objective)}`, 'this scorer only supports "binary:logistic" models.');
    }
    const gb = learner.gradient_booster;
    if (!gb || gb.name !== "gbtree") bad(`gradient_booster.name is ${JSON.stringify(gb?.name)}`, 'only "gbtree" boosters are supported (not dart/gblinear).');
    const numParallel = Number(gb.model.gbtree_model_param?.num_parallel_tree ?? "1");
    const numClass = Number(learner.learner_model_param?.num_class ?? "0");
    if (numClass > 1) bad(`num_class is ${numClass}`, "multi-class models are not supported.");
    void numParallel; // forests (num_parallel_tree > 1) simply sum all trees, like XGBoost
    const baseScore = Number(learner.learner_model_param?.base_score);
    if (!(baseScore > 0 && baseScore < 1)) {
        bad(
            `learner_model_param.base_score=${learner.learner_model_param?.base_score} is not a probability in (0, 1)`,
            "binary:logistic models store base_score in probability space.",
        );
    }
    const numFeature = Number(learner.learner_model_param?.num_feature);
    if (!Number.isInteger(numFeature) || numFeature < 0)
        bad(`learner_model_param.num_feature=${learner.learner_model_param?.num_feature} is invalid`, "it must be a non-negative integer.");
    const rawTrees = gb.model.trees;
    if (!Array.isArray(rawTrees)) bad("gradient_booster.model.trees is not an array", "the file is not an XGBoost gbtree JSON model.");
    const trees: TreeModel[] = rawTrees.map((raw, ti) => {
        const t = raw as unknown as Record<string, unknown>;
        const left = t.left_children;
        if (!Array.isArray(left)) bad(`trees[${ti}].left_children is missing`, "the model file is corrupt.");
        const n = left.length;
        const get = (k: string) => numArray(t, k, n, ti);
        const hasSplitType = Array.isArray(t.split_type);
        const tm: TreeModel = {
            left: Int32Array.from(get("left_children")),
            right: Int32Array.from(get("right_children")),
            parents: Int32Array.from(get("parents")),
            splitIndex: Int32Array.from(get("split_indices")),
            splitCondition: Float32Array.from(get("split_conditions")),
            defaultLeft: Uint8Array.from(get("default_left")),
            baseWeight: Float32Array.from(get("base_weights")),
            lossChange: Float32Array.from(get("loss_changes")),
            sumHessian: Float32Array.from(get("sum_hessian")),
            splitType: hasSplitType ? Uint8Array.from(get("split_type")) : new Uint8Array(n),
            categorical: new Map(),
        };
        for (let i = 0; i < n; i++) {
            if (tm.left[i] !== -1 && (tm.left[i] >= n || tm.right[i] < 0 || tm.right[i] >= n)) {
                bad(`trees[${ti}] node ${i} has children ${tm.left[i]}/${tm.right[i]} outside [0, ${n})`, "the model file is corrupt.");
            }
            if (tm.left[i] !== -1 && (tm.splitIndex[i] < 0 || tm.splitIndex[i] >= numFeature)) {
                bad(`trees[${ti}] node ${i} splits on feature ${tm.splitIndex[i]} but num_feature is ${numFeature}`, "the model file is corrupt.");
            }
        }
        const cn = (t.categories_nodes as number[] | undefined) ?? [];
        const cseg = (t.categories_segments as number[] | undefined) ?? [];
        const csz = (t.categories_sizes as number[] | undefined) ?? [];
        const cats = (t.categories as number[] | undefined) ?? [];
        for (let k = 0; k < cn.length; k++) {
            const list = cats.slice(Number(cseg[k]), Number(cseg[k]) + Number(csz[k])).map(Number);
            const maxCat = list.length ? Math.max(...list) : -1;
            const bitSize = maxCat < 0 ? 0 : Math.ceil((maxCat + 1) / 32) * 32;
            tm.categorical.set(Number(cn[k]), { cats: new Set(list), bitSize });
        }
        for (let i = 0; i < n; i++) {
            if (tm.splitType[i] === 1 && tm.left[i] !== -1 && !tm.categorical.has(i)) {
                tm.categorical.set(i, { cats: new Set(), bitSize: 0 });
            }
        }
        return tm;
    });
    const spw = Number(learner.objective.reg_loss_param?.scale_pos_weight ?? "1");
    return new Booster(
        trees,
        baseScore,
        numFeature,
        Array.isArray(learner.feature_names) ? learner.feature_names.slice() : [],
        { ...(learner.attributes ?? {}) },
        Number.isFinite(spw) ? spw : 1,
    );
}
