/**
 * The one HTTP client of the local endpoint (the deploy step's smoke request, `npm run endpoint`, `npm run monitor --
 * ab --apply`): a request to a loopback URL, answered with status, body and headers.
 * Main decision: loopback only (127.0.0.1, [::1], localhost over http); any other URL is refused before a socket is
 * opened, so no tool built on it can reach a remote host. No keep-alive agent: one request, one connection.
 */
import * as http from "http";

export interface HttpAnswer {
    status: number;
    body: string;
    headers: http.IncomingHttpHeaders;
}

/** A loopback HTTP request (the local endpoint only). Rejects on a non-loopback URL, a socket error or the timeout. */
export function loopbackRequest(
    url: string,
    method: "GET" | "POST",
    pathName: string,
    body?: string,
    headers: Record<string, string> = {},
    timeoutMs = 10_000,
): Promise<HttpAnswer> {
    const u = new URL(url);
    if (u.protocol !== "http:" || !["127.0.0.1", "[::1]", "localhost"].includes(u.hostname)) {
        return Promise.reject(new Error(`endpoint url ${url} is not a loopback address; the local endpoint only listens on 127.0.0.1`));
    }
    return new Promise((resolve, reject) => {
        const req = http.request(
            {
                host: u.hostname.replace(/^\[|\]$/g, ""),
                port: Number(u.port),
                path: pathName,
                method,
                timeout: timeoutMs,
                agent: false,
                headers: body !== undefined ? { ...headers, "Content-Length": Buffer.byteLength(body) } : headers,
            },
            (res) => {
                const chunks: Buffer[] = [];
                res.on("data", (c: Buffer) => chunks.push(c));
                res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8"), headers: res.headers }));
                res.on("error", reject);
            },
        );
        req.on("timeout", () => req.destroy(new Error(`no answer from ${url}${pathName} within ${timeoutMs} ms`)));
        req.on("error", reject);
        req.end(body);
    });
}
