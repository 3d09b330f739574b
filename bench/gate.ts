/**
 * Policy gate benchmark.
 *  (a) the whole gate for prod as a CLI process (`npm run plan -- --stack prod`): wall time including Node/TypeScript
 *      start-up, several runs, median;
 *  (b) the pack (gate/gate.ts evaluatePack, prod pack config) over a generated ~10,000-resource stack export: the
 *      prod program's resources (from a gate run, written as a checkpoint-v3 export) duplicated as N renamed copies of
 *      the stack, read back with inputsFromExport - resources/second and peak RSS (sampled, and the process's maxRSS).
 *
 *   node scripts/run-ts.cjs bench/gate.ts [--runs 5] [--resources 10000] [--skip-cli]
 * or through bench/index.ts (`npm run bench`), which calls run().
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { evaluatePack, inputsFromExport, runGate } from "../gate/gate";
import { buildExport, ExportedResource, StackExport } from "../test-support/stack-export";

const ROOT = path.resolve(__dirname, "..");

function median(xs: number[]): number {
    const s = [...xs].sort((a, b) => a - b);
    const m = Math.floor(s.length / 2);
    return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Wall time and CPU time (user+sys of npm, Node and the gate, from bash's `time`) of one CLI run. */
function timeCli(args: string[], env: Record<string, string> = {}): Promise<{ ms: number; cpuMs: number; code: number | null }> {
    return new Promise((resolve, reject) => {
        const t0 = process.hrtime.bigint();
        const cmd = `TIMEFORMAT='%U %S'; time npm run -s ${args.map((a) => `'${a}'`).join(" ")} > /dev/null 2> /dev/null`;
        const p = spawn("bash", ["-c", cmd], { cwd: ROOT, stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, ...env } });
        let err = "";
        p.stderr.on("data", (d) => (err += d));
        p.on("error", reject);
        p.on("close", (code) => {
            const ms = Number(process.hrtime.bigint() - t0) / 1e6;
            const [user, sys] = err.trim().split(/\s+/).slice(-2).map(Number);
            if (code !== 0 && code !== 1) reject(new Error(`${args.join(" ")} exited ${code}: ${err}`));
            else resolve({ ms, cpuMs: Math.round((user + sys) * 1000), code });
        });
    });
}

/**
 * Whole renamed copies of the stack's resources (URNs, references and names inside the props), under one stack root:
 * at least `target` resources (no partial copy, whose half-declared buckets would be findings of their own).
 */
export function scaleExport(doc: StackExport, target: number): StackExport {
    const rs = doc.deployment.resources;
    const root = rs.find((r) => r.type === "pulumi:pulumi:Stack")!;
    const body = rs.filter((r) => r !== root);
    const copies = Math.max(1, Math.ceil((target - 1) / body.length));
    const out: ExportedResource[] = [root];
    for (let c = 0; c < copies; c++) {
        const tag = `c${c}`;
        // Every copy is its own platform: resource names, URNs and the names/ARNs inside the props all get a suffix.
        const rename = (s: string) => s.replace(/mlp-prod/g, `mlp-prod${tag}`).replace(/::([^:]+)$/, (_m, n) => (s === root.urn ? `::${n}` : `::${n}-${tag}`));
        const renameUrn = (u: string) => (u === root.urn ? u : rename(u));
        const renameRef = (p: string) => {
            const i = p.lastIndexOf("::");
            return `${renameUrn(p.slice(0, i))}::${p.slice(i + 2)}`;
        };
        for (const r of body) {
            out.push({
                ...r,
                urn: renameUrn(r.urn),
                parent: r.parent ? renameUrn(r.parent) : undefined,
                provider: r.provider ? renameRef(r.provider) : undefined,
                inputs: JSON.parse(JSON.stringify(r.inputs).replace(/mlp-prod/g, `mlp-prod${tag}`)),
                outputs: JSON.parse(JSON.stringify(r.outputs).replace(/mlp-prod/g, `mlp-prod${tag}`)),
                dependencies: r.dependencies.map(renameUrn),
                propertyDependencies: Object.fromEntries(Object.entries(r.propertyDependencies).map(([k, us]) => [k, us.map(renameUrn)])),
            });
        }
    }
    return { ...doc, deployment: { ...doc.deployment, resources: out } };
}

export async function run(opts: { runs?: number; resources?: number; skipCli?: boolean } = {}): Promise<Record<string, unknown>> {
    const runs = opts.runs ?? 5;
    const target = opts.resources ?? 10_000;
    const result: Record<string, unknown> = { node: process.version, cpus: os.cpus().length, loadavg1: Number(os.loadavg()[0].toFixed(2)) };

    // (b) the pack over a generated stack export.
    const { run: progRun } = await runGate({ stack: "prod" });
    const big = scaleExport(buildExport(progRun), target);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-gate-"));
    const file = path.join(dir, "stack-export.json");
    fs.writeFileSync(file, JSON.stringify(big));
    const packConfigFile = path.join(ROOT, "policies", "config", "prod.json");
    const packConfig = JSON.parse(fs.readFileSync(packConfigFile, "utf8"));
    const { inputs } = inputsFromExport(file);
    fs.rmSync(dir, { recursive: true, force: true });
    const typeMix: Record<string, number> = {};
    for (const i of inputs) typeMix[i.type] = (typeMix[i.type] ?? 0) + 1;

    let peakRss = process.memoryUsage().rss;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);
    const rssBefore = process.memoryUsage().rss;
    const passes: number[] = [];
    const cpuPasses: number[] = [];
    let report: Awaited<ReturnType<typeof evaluatePack>> | undefined;
    for (let i = 0; i < 3; i++) {
        const t0 = process.hrtime.bigint();
        const c0 = process.cpuUsage();
        report = await evaluatePack(inputs, { stack: "prod", packConfig, packConfigFile, source: "export", mode: "export" });
        const c = process.cpuUsage(c0);
        passes.push(Number(process.hrtime.bigint() - t0) / 1e6);
        cpuPasses.push((c.user + c.system) / 1000);
        await new Promise((r) => setImmediate(r));
    }
    clearInterval(sampler);
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    const packMs = median(passes);
    result.pack = {
        resources: inputs.length,
        distinctTypes: Object.keys(typeMix).length,
        copiesOfProdStack: Math.ceil((inputs.length - 1) / (progRun.resources.length - 1)),
        passesMs: passes.map((x) => Math.round(x)),
        medianMs: Math.round(packMs),
        resourcesPerSecond: Math.round(inputs.length / (packMs / 1000)),
        // CPU time of this process during a pass: what the pass costs on an idle core (the machine is shared).
        cpuMsEach: cpuPasses.map((x) => Math.round(x)),
        resourcesPerCpuSecond: Math.round(inputs.length / (median(cpuPasses) / 1000)),
        violations: report!.violations.length,
        mandatory: report!.counts.mandatory,
        exemptions: report!.exemptions.length,
        rssBeforeMb: Math.round(rssBefore / 2 ** 20),
        peakRssMb: Math.round(peakRss / 2 ** 20),
        maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
        target: ">= 50000 resources/s",
    };

    // (a) the prod gate as a CLI process.
    if (!opts.skipCli) {
        const times: number[] = [];
        const cpu: number[] = [];
        let code: number | null = null;
        for (let i = 0; i < runs; i++) {
            const r = await timeCli(["plan", "--", "--stack", "prod"]);
            times.push(r.ms);
            cpu.push(r.cpuMs);
            code = r.code;
        }
        result.cliProdGate = {
            command: "npm run plan -- --stack prod",
            runs,
            msEach: times.map((x) => Math.round(x)),
            medianMs: Math.round(median(times)),
            // CPU time of the whole process tree: the wall time on an otherwise idle machine is about this.
            cpuMsEach: cpu,
            medianCpuMs: Math.round(median(cpu)),
            exitCode: code,
            target: "<= 5000 ms",
        };
        // The same without the transpile cache (every module transpiled again, as on a first run: scripts/run-ts.cjs).
        const u = await timeCli(["plan", "--", "--stack", "prod"], { MLPLATFORM_TS_CACHE: "0" });
        result.cliProdGateUncached = { ms: Math.round(u.ms), cpuMs: u.cpuMs };
    }
    result.loadavg1After = Number(os.loadavg()[0].toFixed(2));
    return result;
}

if (require.main === module) {
    const argv = process.argv.slice(2);
    const val = (k: string) => {
        const i = argv.indexOf(k);
        return i >= 0 ? Number(argv[i + 1]) : undefined;
    };
    run({ runs: val("--runs"), resources: val("--resources"), skipCli: argv.includes("--skip-cli") }).then(
        (r) => {
            process.stdout.write(JSON.stringify(r, null, 2) + "\n");
            process.exit(0);
        },
        (e: Error) => {
            process.stderr.write(`${e.stack ?? e.message}\n`);
            process.exit(2);
        },
    );
}
