/**
 * Entry script of a background endpoint process (started by `startEndpoint`):
 *
 *   node scripts/run-ts.cjs lib/serving/server-main.ts --config <config.json> --state <state.json>
 *
 * Loads the models, listens, then atomically writes the state file
 * `{endpointName, pid, port, host, url, configHash, startedAt, ...}` (the endpoint's pid file).
 * SIGTERM / SIGINT: graceful shutdown (stop accepting, drain, flush capture + metrics), then the state
 * file is removed (only if it still names this pid) and the process exits 0.
 */
import * as fs from "fs";
import * as path from "path";
import { writeFileAtomic } from "../data/io";
import { EndpointServer } from "./server";
import { configHash } from "./process";

function arg(name: string): string | undefined {
    const i = process.argv.indexOf(name);
    return i >= 0 ? process.argv[i + 1] : undefined;
}

function removeStateIfOurs(stateFile: string | undefined): void {
    if (!stateFile) return;
    try {
        const st = JSON.parse(fs.readFileSync(stateFile, "utf8")) as { pid?: number };
        if (st.pid === process.pid) fs.unlinkSync(stateFile);
    } catch {
        /* already gone */
    }
}

async function main(): Promise<void> {
    const configFile = arg("--config");
    const stateFile = arg("--state");
    if (!configFile) throw new Error("usage: server-main.ts --config <endpoint-config.json> [--state <state.json>]");
    const config = JSON.parse(fs.readFileSync(configFile, "utf8"));
    const server = new EndpointServer(config);
    let stopping = false;
    const shutdown = (reason: string, exitCode: number) => {
        if (stopping) return;
        stopping = true;
        server.log.info("shutdown", { reason });
        server
            .stop()
            .catch((e) => server.log.error("shutdown_failed", { error: (e as Error).message }))
            .finally(() => {
                removeStateIfOurs(stateFile);
                process.exit(exitCode);
            });
    };
    process.on("SIGTERM", () => shutdown("SIGTERM", 0));
    process.on("SIGINT", () => shutdown("SIGINT", 0));
    // a bug, not bad input (input errors are answered 4XX): log it, drain what is in flight, exit non-zero
    process.on("uncaughtException", (e) => {
        server.log.error("uncaught_exception", { error: e.stack });
        shutdown("uncaughtException", 1);
    });
    process.on("unhandledRejection", (e) => {
        server.log.error("unhandled_rejection", { error: e instanceof Error ? e.stack : String(e) });
        shutdown("unhandledRejection", 1);
    });
    const port = await server.start();
    if (stateFile) {
        fs.mkdirSync(path.dirname(stateFile), { recursive: true });
        writeFileAtomic(
            stateFile,
            JSON.stringify(
                {
                    endpointName: server.config.endpointName,
                    pid: process.pid,
                    port,
                    host: server.config.host,
                    url: server.url,
                    configHash: configHash(server.config),
                    configFile: path.resolve(configFile),
                    logFile: server.config.logFile,
                    metricsFile: server.config.metricsFile,
                    captureRoot: server.capture?.endpointRoot,
                    startedAt: new Date().toISOString(),
                },
                null,
                2,
            ) + "\n",
        );
    }
}

main().catch((e) => {
    process.stderr.write(`endpoint failed to start: ${(e as Error).message}\n`);
    process.exit(1);
});
