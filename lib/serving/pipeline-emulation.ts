/**
 * Local emulation of the platform's two-container inference pipeline (see ./pipeline.ts): the preprocessing container
 * (lib/aws/scripts/preprocess.py from the same sourcedir.tar.gz that goes to AWS, under emulation/sklearn_serving.py,
 * the scikit-learn serving contract, with Debian's python3) and the XGBoost container (our scorer, an EndpointServer
 * with the bare model and no transform, speaking the built-in container's /ping and /invocations).
 */
import * as fs from "fs";
import * as path from "path";
import * as zlib from "zlib";
import { spawn, ChildProcess } from "child_process";
import { buildPreprocessArchive, preprocessContainerEnvironment } from "../aws/preprocess";
import { readTar } from "../training/artifact";
import { loadModelArtifact } from "./artifact";
import { EndpointServer } from "./server";

export const DEBIAN_PYTHON = "/usr/bin/python3";
export const SKLEARN_SERVING_EMULATION = path.join(__dirname, "emulation", "sklearn_serving.py");

export interface PipelineEmulationOptions {
    /** The trained model (XGBoost JSON or model.tar.gz); a transform.json inside it is ignored, as the XGBoost container ignores it. */
    modelPath: string;
    /** The fitted transform (packed with the script into sourcedir.tar.gz exactly as for AWS). */
    transformPath: string;
    /** Folder for the extracted archive (the container's /opt/ml/model) and the bare model. */
    workdir: string;
    /** Interpreter for the preprocessing container (default Debian's /usr/bin/python3). */
    python?: string;
    /** SAGEMAKER_BIND_TO_PORT of the two containers (default 0 = free ports; SageMaker chooses them on AWS). */
    ports?: [number, number];
    /** CSV layout of the scorer's multi-row answers (match the endpoint you compare with; see EndpointConfig.csvOutput). */
    csvOutput?: "lines" | "comma";
}

export interface PipelineEmulation {
    /** Container base URLs in pipeline order (preprocessing, XGBoost). */
    urls: [string, string];
    preprocessPid: number;
    stop(): Promise<void>;
}

function waitListening(child: ChildProcess, what: string, timeoutMs: number): Promise<number> {
    return new Promise((resolve, reject) => {
        let out = "";
        let err = "";
        const timer = setTimeout(() => done(new Error(`${what} did not start within ${timeoutMs} ms; stderr: ${err.trim().slice(-2000)}`)), timeoutMs);
        const done = (e: Error | null, port?: number) => {
            clearTimeout(timer);
            child.stdout?.removeAllListeners("data");
            child.removeAllListeners("exit");
            if (e) reject(e);
            else resolve(port!);
        };
        child.stderr?.on("data", (c: Buffer) => (err += c.toString()));
        child.stdout?.on("data", (c: Buffer) => {
            out += c.toString();
            const m = /\{"listening": (\d+)\}/.exec(out);
            if (m) done(null, Number(m[1]));
        });
        child.on("exit", (code) => done(new Error(`${what} exited with status ${code} before listening: ${err.trim().slice(-2000)}`)));
    });
}

/** Starts the two containers of the pipeline locally; `stop()` ends both. */
export async function startPipelineEmulation(o: PipelineEmulationOptions): Promise<PipelineEmulation> {
    const python = o.python ?? DEBIAN_PYTHON;
    if (!fs.existsSync(python))
        throw new Error(`${python} not found: the preprocessing container's emulation runs the script with Python 3 (apt-get install python3, or pass python)`);
    // The preprocessing container's /opt/ml/model: sourcedir.tar.gz extracted, as SageMaker does with its ModelDataUrl.
    const modelDir = path.join(o.workdir, "preprocess-model");
    fs.rmSync(modelDir, { recursive: true, force: true });
    const archive = buildPreprocessArchive(fs.readFileSync(o.transformPath));
    for (const e of readTar(zlib.gunzipSync(archive.tarGz))) {
        fs.mkdirSync(path.dirname(path.join(modelDir, e.name)), { recursive: true });
        fs.writeFileSync(path.join(modelDir, e.name), e.data);
    }
    // The XGBoost container's /opt/ml/model: the bare model only.
    const bareModel = path.join(o.workdir, "xgboost-model.json");
    const mj = loadModelArtifact(o.modelPath).modelJson as unknown;
    fs.writeFileSync(bareModel, typeof mj === "string" || Buffer.isBuffer(mj) ? mj : JSON.stringify(mj));
    const scorer = new EndpointServer({
        endpointName: "xgboost-container",
        variants: [{ name: "AllTraffic", modelPath: bareModel, weight: 1 }],
        capture: { enabled: false, samplingPercentage: 0, destination: "", prefix: "" },
        port: o.ports?.[1] ?? 0,
        host: "127.0.0.1",
        csvOutput: o.csvOutput,
    });
    const scorerPort = await scorer.start();
    const env = {
        ...process.env,
        ...preprocessContainerEnvironment(),
        SAGEMAKER_SUBMIT_DIRECTORY: path.join(modelDir, "code"),
        SAGEMAKER_BIND_TO_PORT: String(o.ports?.[0] ?? 0),
        SAGEMAKER_SAFE_PORT_RANGE: "0-0",
        PYTHONDONTWRITEBYTECODE: "1",
    };
    const child = spawn(python, [SKLEARN_SERVING_EMULATION, "--model-dir", modelDir], { env, stdio: ["ignore", "pipe", "pipe"] });
    let port: number;
    try {
        port = await waitListening(child, `preprocessing container (${python} ${path.basename(SKLEARN_SERVING_EMULATION)})`, 30_000);
    } catch (e) {
        child.kill("SIGKILL");
        await scorer.stop(0);
        throw e;
    }
    child.stderr?.resume();
    return {
        urls: [`http://127.0.0.1:${port}`, `http://127.0.0.1:${scorerPort}`],
        preprocessPid: child.pid!,
        async stop() {
            if (child.exitCode === null) {
                const exited = new Promise<void>((r) => child.once("exit", () => r()));
                child.kill("SIGTERM");
                await exited;
            }
            await scorer.stop(1000);
        },
    };
}
