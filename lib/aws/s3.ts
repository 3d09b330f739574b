/**
 * The one S3 layer of the project: object reads, listings and SSE-KMS writes for the `--target aws` steps, and the
 * folder transfers (`downloadS3`, `uploadDir`) the monitor CLI uses for its s3:// inputs and outputs.
 * Main decisions: every write is SSE-KMS (the steps' writes also carry the platform tags and the stack key the bucket
 * policy expects; the CLI names a key or takes the bucket's default); every call retries on throttling; a failed
 * request is reported with the URI and the likely fix (credentials/KMS, bucket name, region).
 */
import * as fs from "fs";
import * as path from "path";
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { StackOutputs } from "../../contracts/stack-outputs";
import { s3Tagging } from "./common";
import { withThrottlingRetry } from "./retry";
import { MONITORING_CONTENT_TYPES, parseS3Uri } from "../../contracts/s3-layout";

export interface PutOptions {
    /** KMS key for SSE-KMS: one of the stack's keys (data for datasets, artifacts for models and reports). */
    kmsKeyArn: string;
    contentType?: string;
}

export async function putObject(s3: S3Client, out: StackOutputs, uri: string, body: Buffer | string, o: PutOptions): Promise<void> {
    const { bucket, key } = parseS3Uri(uri);
    if (!key || key.endsWith("/")) throw new Error(`putObject: '${uri}' names a prefix, not an object; give the full key`);
    await withThrottlingRetry(`PutObject ${uri}`, () =>
        s3.send(
            new PutObjectCommand({
                Bucket: bucket,
                Key: key,
                Body: body,
                ContentType: o.contentType,
                ServerSideEncryption: "aws:kms",
                SSEKMSKeyId: o.kmsKeyArn,
                BucketKeyEnabled: true,
                Tagging: s3Tagging(out),
            }),
        ),
    );
}

/** The bytes of a GetObject Body: the SDK's stream mixin, or a plain stream / bytes / string (as test doubles give). */
async function bodyBytes(body: unknown): Promise<Buffer> {
    if (typeof body === "string") return Buffer.from(body);
    if (body instanceof Uint8Array) return Buffer.from(body);
    const b = body as { transformToByteArray?: () => Promise<Uint8Array> };
    if (typeof b.transformToByteArray === "function") return Buffer.from(await b.transformToByteArray());
    const chunks: Buffer[] = [];
    for await (const c of body as AsyncIterable<Buffer | string>) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c));
    return Buffer.concat(chunks);
}

/** GetObject with the throttling retry; errors as the SDK throws them. */
async function getBytes(s3: S3Client, uri: string): Promise<Buffer> {
    const { bucket, key } = parseS3Uri(uri);
    const res = await withThrottlingRetry(`GetObject ${uri}`, () => s3.send(new GetObjectCommand({ Bucket: bucket, Key: key })));
    if (!res.Body) throw new Error(`${uri}: S3 returned an empty body`);
    return bodyBytes(res.Body);
}

export async function getObjectBuffer(s3: S3Client, uri: string): Promise<Buffer> {
    try {
        return await getBytes(s3, uri);
    } catch (e) {
        const name = (e as Error).name;
        if (name === "NoSuchKey" || name === "NotFound") throw new Error(`${uri} does not exist; run the step that writes it first`);
        throw e;
    }
}

export async function getObjectText(s3: S3Client, uri: string): Promise<string> {
    return (await getObjectBuffer(s3, uri)).toString("utf8");
}

/** Keys (as s3:// URIs) under a prefix, following continuation tokens. */
export async function listObjects(s3: S3Client, prefixUri: string): Promise<string[]> {
    const { bucket, key } = parseS3Uri(prefixUri);
    const uris: string[] = [];
    let token: string | undefined;
    do {
        const res = await withThrottlingRetry(`ListObjectsV2 ${prefixUri}`, () =>
            s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: key, ContinuationToken: token })),
        );
        for (const o of res.Contents ?? []) if (o.Key) uris.push(`s3://${bucket}/${o.Key}`);
        token = res.IsTruncated ? res.NextContinuationToken : undefined;
    } while (token);
    return uris;
}

/**
 * A failed S3 request as an error naming the URI, the service's answer and the likely fix:
 * `<uri>: S3 request failed (<code> <status>: <message>). Fix: <what to check>`.
 */
export function s3Failure(uri: string, e: unknown): Error {
    const err = e as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
    const code = err.$metadata?.httpStatusCode;
    const fix =
        code === 403 || err.name === "AccessDenied"
            ? "check the credentials (AWS_PROFILE) have s3:GetObject/ListBucket/PutObject on it and kms:Decrypt/GenerateDataKey on its key"
            : err.name === "NoSuchBucket"
              ? "check the bucket name (stack outputs: buckets.<purpose>.uri)"
              : "check the URI, region (AWS_REGION) and network";
    return new Error(`${uri}: S3 request failed (${err.name ?? "error"}${code ? ` ${code}` : ""}: ${err.message ?? String(e)}). Fix: ${fix}`);
}

export interface DownloadOptions {
    /** Keep only the objects under the prefix for which this returns true (e.g. capture hours in a time window). */
    keep?: (key: string) => boolean;
}

/**
 * Downloads an S3 object, or every object under a prefix, into `dest` (the key layout below the prefix kept).
 * Returns the local path of the object, or `dest` for a prefix. Throws naming the URI when nothing is there, when a
 * key would leave `dest` (a `..` segment) or when a request fails (`s3Failure`).
 */
export async function downloadS3(s3: S3Client, uri: string, dest: string, o: DownloadOptions = {}): Promise<string> {
    const { bucket, key } = parseS3Uri(uri);
    let keys: string[];
    try {
        keys = (await listObjects(s3, uri)).map((u) => parseS3Uri(u).key).filter((k) => !k.endsWith("/"));
    } catch (e) {
        throw s3Failure(uri, e);
    }
    if (keys.includes(key) && key !== "") {
        const local = path.join(dest, path.basename(key));
        await download(s3, uri, local);
        return local;
    }
    const prefix = key === "" || key.endsWith("/") ? key : `${key}/`;
    const under = keys.filter((k) => k.startsWith(prefix));
    if (!under.length) throw new Error(`${uri}: holds no object. Fix: check the URI (a file, or a prefix ending in /) and that the job that writes it has run`);
    for (const k of under) {
        if (o.keep && !o.keep(k)) continue;
        const rel = k.slice(prefix.length);
        if (rel.split("/").includes("..")) throw new Error(`s3://${bucket}/${k}: has a ".." path segment. Fix: rename the object`);
        await download(s3, `s3://${bucket}/${k}`, path.join(dest, ...rel.split("/")));
    }
    return dest;
}

async function download(s3: S3Client, uri: string, local: string): Promise<void> {
    let bytes: Buffer;
    try {
        bytes = await getBytes(s3, uri);
    } catch (e) {
        throw s3Failure(uri, e);
    }
    fs.mkdirSync(path.dirname(local), { recursive: true });
    fs.writeFileSync(local, bytes);
}

/** The Content-Type an uploaded file is given, by its extension (application/octet-stream when unknown). */
export function contentTypeOf(file: string): string {
    return MONITORING_CONTENT_TYPES[path.extname(file)] ?? "application/octet-stream";
}

function listFiles(dir: string, out: string[] = []): string[] {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) listFiles(p, out);
        else if (e.isFile()) out.push(p);
    }
    return out.sort();
}

/**
 * Uploads every file under `dir` below the prefix `uri` with SSE-KMS: the key `kmsKeyId` when given, else the
 * bucket's default key. Returns the uploaded URIs in file order; a failed request throws `s3Failure`.
 */
export async function uploadDir(s3: S3Client, dir: string, uri: string, kmsKeyId?: string): Promise<string[]> {
    const { bucket, key } = parseS3Uri(uri);
    const prefix = key === "" || key.endsWith("/") ? key : `${key}/`;
    const done: string[] = [];
    for (const f of listFiles(dir)) {
        const k = prefix + path.relative(dir, f).split(path.sep).join("/");
        const target = `s3://${bucket}/${k}`;
        try {
            await withThrottlingRetry(`PutObject ${target}`, () =>
                s3.send(
                    new PutObjectCommand({
                        Bucket: bucket,
                        Key: k,
                        Body: fs.readFileSync(f),
                        ContentType: contentTypeOf(f),
                        ServerSideEncryption: "aws:kms",
                        ...(kmsKeyId ? { SSEKMSKeyId: kmsKeyId } : {}),
                    }),
                ),
            );
        } catch (e) {
            throw s3Failure(target, e);
        }
        done.push(target);
    }
    return done;
}
