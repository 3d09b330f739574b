/**
 * Gradient-boosted trees for binary:logistic, tree_method=hist, depthwise growth
 * (the algorithm of XGBoost 1.7's `grow_quantile_histmaker`):
 *
 *  g_i = (p_i - y_i) w_i,  h_i = max(p_i (1 - p_i), 1e-16) w_i,  w_i *= scale_pos_weight when y_i = 1
 *  T(G) = sign(G) max(|G| - alpha, 0)                         (L1 soft threshold)
 *  leaf weight  w* = -T(G) / (H + lambda), 0 when H < min_child_weight
 *  node score   S(G, H) = T(G)^2 / (H + lambda)
 *  loss change  = S(G_L, H_L) + S(G_R, H_R) - S(G, H)         (no 1/2 factor, as XGBoost stores it)
 *  a candidate needs H_L >= min_child_weight and H_R >= min_child_weight;
 *  a node is split only if its best loss change > 1e-6 and >= gamma and depth < max_depth;
 *  leaf value = eta * w*.
 *
 * Each feature's values are bucketed into quantile bins (see hist.ts). For every node the
 * gradient/hessian histogram is built only for the smaller child; the sibling's is
 * parent - smaller (subtraction trick). Missing values have their own histogram slot; split
 * enumeration runs forward (missing goes right) and, when the node has missing values for
 * the feature, backward (missing goes left), so the default direction is learned per split.
 */
import { mulberry32 } from "../common/random";
import { DMatrix, validateDMatrix } from "./dmatrix";
import { BinMatrix, HistCuts, buildBinMatrix, buildHistCuts } from "./hist";
import { EvalMetricName, HyperParameterInput, HyperParameters, resolveHyperParameters } from "./params";
import { evaluateMetric, metricMaximize } from "./metrics";
import { Booster, ROOT_PARENT, TreeModel, probToMargin, sigmoid } from "./model";

const RT_EPS = 1e-6;

export interface EvalSet {
    name: string;
    data: DMatrix;
}

export interface TrainOptions {
    /** Data sets evaluated after each round; metrics are keyed "<name>:<metric>", e.g. "validation:auc". */
    evals?: EvalSet[];
    /** Called after every round with that round's metrics; return true to stop training (used by the tuner). */
    onIteration?: (round: number, metrics: Record<string, number>) => boolean | void;
    /** Print metrics per round to stdout. */
    verbose?: boolean;
}

export interface TrainResult {
    booster: Booster;
    hyperParameters: HyperParameters;
    /** metric history per "<eval>:<metric>" key, one entry per trained round */
    history: Record<string, number[]>;
    /** rounds actually trained */
    roundsTrained: number;
    /** index of the best round by the early-stopping metric (last metric of the last eval set), -1 without evals */
    bestIteration: number;
    bestScore?: number;
    stopReason: "completed" | "early_stopping" | "callback";
}

/** Small, fast seeded PRNG (mulberry32); returns floats in [0, 1). */
export function makeRng(seed: number): () => number {
    return mulberry32((seed ^ 0x9e3779b9) >>> 0);
}

export interface SplitParams {
    lambda: number;
    alpha: number;
    minChildWeight: number;
}

export function thresholdL1(g: number, alpha: number): number {
    if (g > alpha) return g - alpha;
    if (g < -alpha) return g + alpha;
    return 0;
}

/** Structure score S(G, H) of a node (XGBoost's CalcGain without max_delta_step). */
export function nodeGain(p: SplitParams, g: number, h: number): number {
    if (h <= 0) return 0;
    const t = p.alpha === 0 ? g : thresholdL1(g, p.alpha);
    return (t * t) / (h + p.lambda);
}

/** Optimal (unscaled) leaf weight; 0 when the hessian sum is below min_child_weight. */
export function leafWeight(p: SplitParams, g: number, h: number): number {
    if (h < p.minChildWeight || h <= 0) return 0;
    return -thresholdL1(g, p.alpha) / (h + p.lambda);
}

/** Gradient and hessian of the logistic loss at margin `margin` for label `y` and weight `w`. */
export function logisticGradHess(margin: number, y: number, w: number, scalePosWeight: number): [number, number] {
    const p = Math.fround(sigmoid(margin));
    const ww = y === 1 ? w * scalePosWeight : w;
    return [Math.fround((p - y) * ww), Math.fround(Math.max(Math.fround(p * (1 - p)), 1e-16) * ww)];
}

export interface SplitCandidate {
    gain: number;
    feature: number;
    /** local bin: bins <= bin go left; -1 means no non-missing value goes left */
    bin: number;
    defaultLeft: boolean;
    leftG: number;
    leftH: number;
}

/**
 * Best split of a node from its histogram (interleaved grad/hess per slot).
 * Exported for unit tests.
 */
export function findBestSplit(
    hist: Float64Array,
    G: number,
    H: number,
    features: ArrayLike<number>,
    slotOffset: Uint32Array,
    missingSlot: Uint32Array,
    p: SplitParams,
): SplitCandidate {
    const { lambda, alpha, minChildWeight: mcw } = p;
    const useL1 = alpha !== 0;
    const score = (g: number, h: number) => {
        if (h <= 0) return 0;
        const t = useL1 ? (g > alpha ? g - alpha : g < -alpha ? g + alpha : 0) : g;
        return (t * t) / (h + lambda);
    };
    const root = score(G, H);
    const best: SplitCandidate = { gain: 0, feature: -1, bin: -1, defaultLeft: false, leftG: 0, leftH: 0 };
    for (let k = 0; k < features.length; k++) {
        const f = features[k];
        const off = slotOffset[f];
        const ms = missingSlot[f];
        const nb = ms - off;
        const mg = hist[2 * ms];
        const mh = hist[2 * ms + 1];
        // forward: missing goes right
        let cg = 0,
            ch = 0;
        for (let b = 0; b < nb; b++) {
            const s = 2 * (off + b);
            cg += hist[s];
            ch += hist[s + 1];
            if (ch >= mcw) {
                const rh = H - ch;
                if (rh >= mcw) {
                    const gain = score(cg, ch) + score(G - cg, rh) - root;
                    if (gain > best.gain) {
                        best.gain = gain;
                        best.feature = f;
                        best.bin = b;
                        best.defaultLeft = false;
                        best.leftG = cg;
                        best.leftH = ch;
                    }
                }
            }
        }
        if (mh === 0 && mg === 0) continue;
        // backward: missing goes left
        let rg = 0,
            rh = 0;
        for (let b = nb - 1; b >= 0; b--) {
            const s = 2 * (off + b);
            rg += hist[s];
            rh += hist[s + 1];
            if (rh >= mcw) {
                const lh = H - rh;
                if (lh >= mcw) {
                    const lg = G - rg;
                    const gain = score(lg, lh) + score(rg, rh) - root;
                    if (gain > best.gain) {
                        best.gain = gain;
                        best.feature = f;
                        best.bin = b - 1;
                        best.defaultLeft = true;
                        best.leftG = lg;
                        best.leftH = lh;
                    }
                }
            }
        }
    }
    return best;
}

function buildHist(
    hist: Float64Array,
    rows: Uint32Array,
    begin: number,
    end: number,
    bm: BinMatrix,
    grad: Float32Array,
    hess: Float32Array,
    G: number,
    H: number,
): void {
    hist.fill(0);
    const ptr = bm.csrPtr;
    const slots = bm.csrSlots;
    for (let k = begin; k < end; k++) {
        const r = rows[k];
        const g = grad[r];
        const h = hess[r];
        const e = ptr[r + 1];
        for (let p = ptr[r]; p < e; p++) {
            const s = slots[p] << 1;
            hist[s] += g;
            hist[s + 1] += h;
        }
    }
    // recover each feature's most frequent slot from the node totals
    const nf = bm.nCols;
    const off = bm.slotOffset;
    const ms = bm.missingSlot;
    const mode = bm.modeSlot;
    for (let f = 0; f < nf; f++) {
        let sg = 0,
            sh = 0;
        const e = ms[f];
        for (let s = off[f]; s <= e; s++) {
            sg += hist[2 * s];
            sh += hist[2 * s + 1];
        }
        const d = 2 * mode[f];
        hist[d] = G - sg;
        hist[d + 1] = H - sh;
    }
}

/** Growing tree with per-node bookkeeping; converted to TreeModel at the end. */
interface GrowNode {
    parent: number;
    left: number;
    right: number;
    feature: number;
    /** global slot threshold: slot <= thr goes left */
    thrSlot: number;
    cond: number;
    defaultLeft: boolean;
    baseWeight: number;
    leafValue: number;
    lossChange: number;
    G: number;
    H: number;
    begin: number;
    end: number;
    depth: number;
}

/** A new leaf under `parent` holding rows [begin, end) of the position array, weight already scaled by eta. */
function childNode(parent: number, weight: number, G: number, H: number, begin: number, end: number, depth: number): GrowNode {
    const w = Math.fround(weight);
    return {
        parent,
        left: -1,
        right: -1,
        feature: 0,
        thrSlot: 0,
        cond: 0,
        defaultLeft: false,
        baseWeight: w,
        leafValue: w,
        lossChange: 0,
        G,
        H,
        begin,
        end,
        depth,
    };
}

interface GrowContext {
    hp: HyperParameters;
    sp: SplitParams;
    bm: BinMatrix;
    cuts: HistCuts;
    grad: Float32Array;
    hess: Float32Array;
    rows: Uint32Array;
    nRows: number;
    features: Uint32Array;
    histPool: Float64Array[];
}

function takeHist(ctx: GrowContext): Float64Array {
    return ctx.histPool.pop() ?? new Float64Array(ctx.bm.totalSlots * 2);
}

function growTree(ctx: GrowContext): GrowNode[] {
    const { hp, sp, bm, cuts, grad, hess, rows, nRows, features } = ctx;
    const nf = bm.nCols;
    const bins = bm.bins;
    const eta = hp.eta;
    let G = 0,
        H = 0;
    for (let k = 0; k < nRows; k++) {
        const r = rows[k];
        G += grad[r];
        H += hess[r];
    }
    const rootW = leafWeight(sp, G, H);
    // the root keeps its unscaled weight as base weight (XGBoost's base_weight of node 0), its leaf value is scaled by eta
    const nodes: GrowNode[] = [{ ...childNode(ROOT_PARENT, eta * rootW, G, H, 0, nRows, 0), baseWeight: rootW }];
    const hists = new Map<number, Float64Array>();
    if (hp.max_depth > 0) {
        const h0 = takeHist(ctx);
        buildHist(h0, rows, 0, nRows, bm, grad, hess, G, H);
        hists.set(0, h0);
    }
    let level = [0];
    for (let depth = 0; depth < hp.max_depth && level.length > 0; depth++) {
        const next: number[] = [];
        const pairs: [number, number, number][] = [];
        for (const id of level) {
            const nd = nodes[id];
            const hist = hists.get(id)!;
            const best = findBestSplit(hist, nd.G, nd.H, features, bm.slotOffset, bm.missingSlot, sp);
            const rightH = nd.H - best.leftH;
            if (best.feature < 0 || !(best.gain > RT_EPS) || best.gain < hp.gamma || best.leftH <= 0 || rightH <= 0) {
                continue;
            }
            const f = best.feature;
            const off = bm.slotOffset[f];
            const thrSlot = off + best.bin;
            const ms = bm.missingSlot[f];
            const cond = best.bin < 0 ? cuts.minValues[f] : cuts.values[cuts.ptrs[f] + best.bin];
            // partition rows of this node in place
            let i = nd.begin,
                j = nd.end - 1;
            const dl = best.defaultLeft;
            while (i <= j) {
                const r = rows[i];
                const s = bins[r * nf + f];
                const goLeft = s === ms ? dl : s <= thrSlot;
                if (goLeft) i++;
                else {
                    rows[i] = rows[j];
                    rows[j] = r;
                    j--;
                }
            }
            const mid = i;
            const lG = best.leftG,
                lH = best.leftH;
            const rG = nd.G - lG,
                rH = nd.H - lH;
            const wl = leafWeight(sp, lG, lH);
            const wr = leafWeight(sp, rG, rH);
            const li = nodes.length;
            const ri = li + 1;
            nodes.push(childNode(id, eta * wl, lG, lH, nd.begin, mid, depth + 1), childNode(id, eta * wr, rG, rH, mid, nd.end, depth + 1));
            nd.left = li;
            nd.right = ri;
            nd.feature = f;
            nd.thrSlot = thrSlot;
            nd.cond = cond;
            nd.defaultLeft = dl;
            nd.lossChange = Math.fround(best.gain);
            // internal nodes keep the unscaled weight in base_weights (as XGBoost does)
            nd.baseWeight = Math.fround(leafWeight(sp, nd.G, nd.H));
            next.push(li, ri);
            pairs.push([id, li, ri]);
        }
        // histograms for the next level: build the smaller child, subtract for the larger
        if (depth + 1 < hp.max_depth) {
            for (const [pid, li, ri] of pairs) {
                const ph = hists.get(pid)!;
                const L = nodes[li],
                    R = nodes[ri];
                const small = L.end - L.begin <= R.end - R.begin ? L : R;
                const smallId = small === L ? li : ri;
                const largeId = small === L ? ri : li;
                const hs = takeHist(ctx);
                buildHist(hs, rows, small.begin, small.end, bm, grad, hess, small.G, small.H);
                // reuse the parent's buffer for the larger child
                for (let s = 0; s < ph.length; s++) ph[s] -= hs[s];
                hists.set(smallId, hs);
                hists.set(largeId, ph);
                hists.delete(pid);
            }
        }
        for (const id of level) {
            const h = hists.get(id);
            if (h) {
                ctx.histPool.push(h);
                hists.delete(id);
            }
        }
        level = next;
    }
    for (const h of hists.values()) ctx.histPool.push(h);
    return nodes;
}

function toTreeModel(nodes: GrowNode[]): TreeModel {
    const n = nodes.length;
    const t: TreeModel = {
        left: new Int32Array(n),
        right: new Int32Array(n),
        parents: new Int32Array(n),
        splitIndex: new Int32Array(n),
        splitCondition: new Float32Array(n),
        defaultLeft: new Uint8Array(n),
        baseWeight: new Float32Array(n),
        lossChange: new Float32Array(n),
        sumHessian: new Float32Array(n),
        splitType: new Uint8Array(n),
        categorical: new Map(),
    };
    for (let i = 0; i < n; i++) {
        const nd = nodes[i];
        t.left[i] = nd.left;
        t.right[i] = nd.right;
        t.parents[i] = nd.parent;
        t.sumHessian[i] = nd.H;
        t.baseWeight[i] = nd.baseWeight;
        if (nd.left === -1) {
            t.splitCondition[i] = nd.leafValue;
        } else {
            t.splitIndex[i] = nd.feature;
            t.splitCondition[i] = nd.cond;
            t.defaultLeft[i] = nd.defaultLeft ? 1 : 0;
            t.lossChange[i] = nd.lossChange;
        }
    }
    return t;
}

function checkLabels(m: DMatrix, what: string): void {
    for (let i = 0; i < m.nRows; i++) {
        const y = m.labels[i];
        if (!(y >= 0 && y <= 1)) {
            throw new Error(`${what}: label[${i}] = ${y} is invalid for binary:logistic; labels must be in [0, 1] (encode the positive class as 1).`);
        }
    }
}

/** Train a binary:logistic model. Throws HyperParameterError for invalid hyperparameters. */
export function train(params: HyperParameterInput | Record<string, unknown>, dtrain: DMatrix, options: TrainOptions = {}): TrainResult {
    const hp = resolveHyperParameters(params);
    validateDMatrix(dtrain, "train: dtrain");
    checkLabels(dtrain, "train: dtrain");
    if (dtrain.nRows === 0) throw new Error("train: dtrain has no rows; pass at least one training row.");
    const evals = options.evals ?? [];
    for (const e of evals) {
        validateDMatrix(e.data, `train: eval set "${e.name}"`);
        checkLabels(e.data, `train: eval set "${e.name}"`);
        if (e.data.nCols !== dtrain.nCols) {
            throw new Error(
                `train: eval set "${e.name}" has ${e.data.nCols} columns but dtrain has ${dtrain.nCols}; use the same feature transform for all sets.`,
            );
        }
    }
    if (hp.early_stopping_rounds !== undefined && evals.length === 0) {
        throw new Error(
            'train: early_stopping_rounds is set but no eval set was given; pass options.evals (e.g. [{ name: "validation", data }]) or drop early_stopping_rounds.',
        );
    }
    const n = dtrain.nRows;
    const nf = dtrain.nCols;
    const cuts = buildHistCuts(dtrain, hp.max_bin);
    const bm = buildBinMatrix(dtrain, cuts);
    const sp: SplitParams = { lambda: hp.lambda, alpha: hp.alpha, minChildWeight: hp.min_child_weight };
    const base = probToMargin(hp.base_score);
    const margin = new Float32Array(n).fill(base);
    const grad = new Float32Array(n);
    const hess = new Float32Array(n);
    const rows = new Uint32Array(n);
    const rng = makeRng(hp.seed);
    const labels = dtrain.labels;
    const weights = dtrain.weights;
    const spw = hp.scale_pos_weight;
    const trees: TreeModel[] = [];
    const evalMargins = evals.map((e) => new Float32Array(e.data.nRows).fill(base));
    const evalProb = evals.map((e) => new Float32Array(e.data.nRows));
    const history: Record<string, number[]> = {};
    const esKey = evals.length > 0 ? `${evals[evals.length - 1].name}:${hp.eval_metric[hp.eval_metric.length - 1]}` : "";
    const esMax = metricMaximize(hp.eval_metric[hp.eval_metric.length - 1] as EvalMetricName);
    let bestScore = NaN;
    let bestIteration = -1;
    let stopReason: TrainResult["stopReason"] = "completed";
    const allFeatures = new Uint32Array(nf);
    for (let f = 0; f < nf; f++) allFeatures[f] = f;
    const nColSample = Math.max(1, Math.floor(hp.colsample_bytree * nf));
    const ctx: GrowContext = { hp, sp, bm, cuts, grad, hess, rows, nRows: 0, features: allFeatures, histPool: [] };
    const bins = bm.bins;

    for (let round = 0; round < hp.num_round; round++) {
        // gradients
        for (let i = 0; i < n; i++) {
            const p = Math.fround(1 / (1 + Math.exp(-margin[i])));
            const y = labels[i];
            let w = weights ? weights[i] : 1;
            if (y === 1) w *= spw;
            grad[i] = (p - y) * w;
            const h = Math.fround(p * (1 - p));
            hess[i] = (h > 1e-16 ? h : 1e-16) * w;
        }
        // row subsampling (Bernoulli per row, like XGBoost)
        let m = 0;
        if (hp.subsample < 1) {
            for (let i = 0; i < n; i++) if (rng() < hp.subsample) rows[m++] = i;
        } else {
            for (let i = 0; i < n; i++) rows[i] = i;
            m = n;
        }
        ctx.nRows = m;
        // column subsampling per tree
        if (nColSample < nf) {
            const perm = allFeatures.slice();
            for (let k = 0; k < nColSample; k++) {
                const j = k + Math.floor(rng() * (nf - k));
                const t = perm[k];
                perm[k] = perm[j];
                perm[j] = t;
            }
            ctx.features = perm.subarray(0, nColSample).sort();
        }
        const nodes = growTree(ctx);
        const tree = toTreeModel(nodes);
        trees.push(tree);
        // update training margins through the binned data
        for (let r = 0; r < n; r++) {
            const off = r * nf;
            let nd = nodes[0];
            while (nd.left !== -1) {
                const s = bins[off + nd.feature];
                const goLeft = s === bm.missingSlot[nd.feature] ? nd.defaultLeft : s <= nd.thrSlot;
                const id = goLeft ? nd.left : nd.right;
                nd = nodes[id];
            }
            margin[r] = Math.fround(margin[r] + nd.leafValue);
        }
        // evaluation
        if (evals.length > 0) {
            const metrics: Record<string, number> = {};
            for (let e = 0; e < evals.length; e++) {
                const d = evals[e].data;
                const em = evalMargins[e];
                const ep = evalProb[e];
                for (let r = 0; r < d.nRows; r++) {
                    em[r] = Math.fround(em[r] + leafFor(tree, d.values, r * d.nCols));
                    ep[r] = sigmoid(em[r]);
                }
                for (const metric of hp.eval_metric) {
                    const key = `${evals[e].name}:${metric}`;
                    const v = evaluateMetric(metric, ep, d.labels, d.weights);
                    metrics[key] = v;
                    (history[key] ??= []).push(v);
                }
            }
            if (options.verbose) {
                console.log(
                    `[${round}]\t${Object.entries(metrics)
                        .map(([k, v]) => `${k}:${v.toFixed(5)}`)
                        .join("\t")}`,
                );
            }
            const score = metrics[esKey];
            if (bestIteration < 0 || (esMax ? score > bestScore : score < bestScore)) {
                bestScore = score;
                bestIteration = round;
            }
            if (options.onIteration && options.onIteration(round, metrics) === true) {
                stopReason = "callback";
                break;
            }
            if (hp.early_stopping_rounds !== undefined && round - bestIteration >= hp.early_stopping_rounds) {
                stopReason = "early_stopping";
                break;
            }
        } else if (options.onIteration && options.onIteration(round, {}) === true) {
            stopReason = "callback";
            break;
        }
    }
    const roundsTrained = trees.length;
    const attributes: Record<string, string> = {};
    if (stopReason === "early_stopping") {
        // keep the trees up to and including the best round (SageMaker saves the best model)
        trees.length = bestIteration + 1;
    }
    if (hp.early_stopping_rounds !== undefined) {
        attributes.best_iteration = String(bestIteration);
        attributes.best_ntree_limit = String(bestIteration + 1);
        attributes.best_score = String(bestScore);
    }
    const booster = new Booster(trees, hp.base_score, nf, dtrain.featureNames.slice(), attributes, hp.scale_pos_weight);
    return {
        booster,
        hyperParameters: hp,
        history,
        roundsTrained,
        bestIteration,
        bestScore: evals.length > 0 ? bestScore : undefined,
        stopReason,
    };
}

function leafFor(t: TreeModel, vals: Float32Array, off: number): number {
    const left = t.left;
    const cond = t.splitCondition;
    let nd = 0;
    while (left[nd] !== -1) {
        const v = vals[off + t.splitIndex[nd]];
        nd = v !== v ? (t.defaultLeft[nd] ? left[nd] : t.right[nd]) : v < cond[nd] ? left[nd] : t.right[nd];
    }
    return cond[nd];
}
