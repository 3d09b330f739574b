/**
 * The local target's S3: every bucket of the stack outputs is a folder `<workdir>/s3/<bucket>/`, and an object
 * `s3://<bucket>/<key>` is the file `<workdir>/s3/<bucket>/<key>` — the same key layout S3 would have, so artifacts
 * written locally can be synced to the real buckets (`aws s3 sync <workdir>/s3/<bucket> s3://<bucket>`) unchanged.
 */
import * as path from "path";
import { parseS3Uri as parseUri } from "../../contracts/s3-layout";

/** The one S3 URI parser (contracts/s3-layout.ts), with S3's bucket naming rules: a bucket becomes a folder here. */
export function parseS3Uri(uri: string): { bucket: string; key: string } {
    return parseUri(uri, { bucketNamingRules: true });
}

export function s3Uri(bucket: string, key: string): string {
    return `s3://${bucket}/${key.replace(/^\/+/, "")}`;
}

export class LocalS3 {
    constructor(readonly root: string) {}

    /** Local path of an S3 URI. Keys may not escape their bucket folder. */
    pathOf(uri: string): string {
        const { bucket, key } = parseS3Uri(uri);
        const base = path.resolve(this.root, bucket);
        const p = path.resolve(base, key);
        if (p !== base && !p.startsWith(base + path.sep)) throw new Error(`'${uri}': key escapes the bucket folder`);
        return p;
    }

    /** S3 URI of a local path inside the local S3 root. */
    uriOf(localPath: string): string {
        const rel = path.relative(path.resolve(this.root), path.resolve(localPath));
        if (rel.startsWith("..") || path.isAbsolute(rel)) throw new Error(`${localPath} is not inside the local S3 root ${this.root}`);
        const [bucket, ...rest] = rel.split(path.sep);
        return s3Uri(bucket, rest.join("/"));
    }
}
