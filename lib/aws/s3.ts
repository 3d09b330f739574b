/** S3 reads and SSE-KMS writes for the AWS target (every object written carries the platform tags and a stack KMS key). */
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { StackOutputs } from "../../contracts/stack-outputs";
import { parseS3Uri, s3Tagging } from "./common";
import { withThrottlingRetry } from "./retry";

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

export async function getObjectBuffer(s3: S3Client, uri: string): Promise<Buffer> {
    const { bucket, key } = parseS3Uri(uri);
    let res;
    try {
        res = await withThrottlingRetry(`GetObject ${uri}`, () => s3.send(new GetObjectCommand({ Bucket: bucket, Key: key })));
    } catch (e) {
        const name = (e as Error).name;
        if (name === "NoSuchKey" || name === "NotFound") throw new Error(`${uri} does not exist; run the step that writes it first`);
        throw e;
    }
    if (!res.Body) throw new Error(`${uri}: S3 returned an empty body`);
    return Buffer.from(await res.Body.transformToByteArray());
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
        const res = await withThrottlingRetry(`ListObjectsV2 ${prefixUri}`, () => s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: key, ContinuationToken: token })));
        for (const o of res.Contents ?? []) if (o.Key) uris.push(`s3://${bucket}/${o.Key}`);
        token = res.IsTruncated ? res.NextContinuationToken : undefined;
    } while (token);
    return uris;
}
