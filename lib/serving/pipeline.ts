/**
 * Inference-pipeline variants of the local endpoint, and a local emulation of the AWS pipeline model.
 *
 * On AWS the endpoint's model is a SageMaker inference pipeline: AWS's scikit-learn serving container running
 * `lib/aws/scripts/preprocess.py` (raw record -> model features, text/csv), then the built-in XGBoost container (model
 * features -> score). SageMaker handles an invocation as a sequence of HTTP requests: the first container gets the
 * client's request, each intermediate response is sent as the request to the next container, and the last response
 * goes back to the client ("Inference pipelines in Amazon SageMaker AI", SageMaker Developer Guide). Each container
 * listens on the port SageMaker passes in SAGEMAKER_BIND_TO_PORT instead of 8080, with SAGEMAKER_SAFE_PORT_RANGE for
 * any second port ("Run Real-time Predictions with an Inference Pipeline").
 *
 * `PipelineChain` is that sequence for a local endpoint variant configured with `pipeline: [url, ...]`: POST
 * /invocations to each container in order; the first gets the client's Content-Type and Accept, the next ones the
 * previous response's Content-Type and the client's Accept; a non-2xx answer stops the chain and is the answer.
 * (On AWS a container's error reaches the client as InvokeEndpoint's ModelError, whose OriginalStatusCode and
 * OriginalMessage carry the container's status and body.) Routing, target variant, inference id, payload limit, data
 * capture and metrics stay with the endpoint, as they stay with the SageMaker runtime.
 *
 * `startPipelineEmulation` (./pipeline-emulation.ts) runs the two containers locally: the preprocessing script under
 * `emulation/sklearn_serving.py` (the scikit-learn serving contract, Debian's python3) and our XGBoost scorer speaking
 * the built-in container's protocol (an EndpointServer with the bare model, no transform).
 */
import * as http from "http";

export interface ContainerAnswer {
    status: number;
    contentType: string;
    body: Buffer;
    /** 0-based index of the container that answered (the last one on success). */
    container: number;
}

export class PipelineChain {
    private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

    constructor(readonly urls: string[]) {}

    private post(
        url: string,
        body: Buffer,
        contentType: string | undefined,
        accept: string | undefined,
    ): Promise<{ status: number; contentType: string; body: Buffer }> {
        return new Promise((resolve, reject) => {
            const headers: http.OutgoingHttpHeaders = { "Content-Length": body.length };
            if (contentType !== undefined) headers["Content-Type"] = contentType;
            if (accept !== undefined) headers.Accept = accept;
            const req = http.request(`${url}/invocations`, { method: "POST", headers, agent: this.agent }, (res) => {
                const chunks: Buffer[] = [];
                res.on("data", (c: Buffer) => chunks.push(c));
                res.on("end", () =>
                    resolve({ status: res.statusCode ?? 0, contentType: String(res.headers["content-type"] ?? ""), body: Buffer.concat(chunks) }),
                );
                res.on("error", reject);
            });
            req.on("error", (e) => reject(new Error(`container ${url} did not answer: ${e.message}`)));
            req.end(body);
        });
    }

    async invoke(body: Buffer, contentType: string | undefined, accept: string | undefined): Promise<ContainerAnswer> {
        let payload = body;
        let ct = contentType;
        for (let i = 0; i < this.urls.length; i++) {
            const r = await this.post(this.urls[i], payload, ct, accept);
            if (r.status < 200 || r.status > 299 || i === this.urls.length - 1) return { ...r, container: i };
            payload = r.body;
            ct = r.contentType || undefined;
        }
        throw new Error("inference pipeline has no containers");
    }

    close(): void {
        this.agent.destroy();
    }
}
