/**
 * Observed traffic from CloudWatch: `GetMetricData` over the `AWS/SageMaker` endpoint invocation metrics
 * (Invocations Sum, ModelLatency / OverheadLatency Average in microseconds, dimensions EndpointName + VariantName,
 * period 60 s) - https://docs.aws.amazon.com/sagemaker/latest/dg/monitoring-cloudwatch.html and
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricData.html (at most 500 queries per
 * request, results paginated with NextToken).
 */
import { CloudWatchClient, GetMetricDataCommand, GetMetricDataCommandInput, MetricDataQuery } from "@aws-sdk/client-cloudwatch";
import { INVOCATION_METRICS, SAGEMAKER_NAMESPACE } from "../../contracts/metrics";
import { MINUTE, summariseTraffic, VariantTraffic } from "./traffic";

export function trafficQueries(endpointName: string, variants: string[]): MetricDataQuery[] {
    const q: MetricDataQuery[] = [];
    variants.forEach((v, i) => {
        const dims = [
            { Name: "EndpointName", Value: endpointName },
            { Name: "VariantName", Value: v },
        ];
        for (const [id, metric, stat] of [
            [`inv${i}`, INVOCATION_METRICS.invocations, "Sum"],
            [`mlat${i}`, INVOCATION_METRICS.modelLatency, "Average"],
            [`olat${i}`, INVOCATION_METRICS.overheadLatency, "Average"],
        ] as const) {
            q.push({
                Id: id,
                MetricStat: { Metric: { Namespace: SAGEMAKER_NAMESPACE, MetricName: metric, Dimensions: dims }, Period: 60, Stat: stat },
                ReturnData: true,
            });
        }
    });
    return q;
}

export async function trafficFromCloudWatch(
    cw: CloudWatchClient,
    endpointName: string,
    variants: string[],
    fromMs: number,
    toMs: number,
): Promise<{ traffic: VariantTraffic[]; requests: number; partial: string[] }> {
    const input: GetMetricDataCommandInput = {
        MetricDataQueries: trafficQueries(endpointName, variants),
        StartTime: new Date(fromMs),
        EndTime: new Date(toMs),
        ScanBy: "TimestampAscending",
    };
    const series = new Map<string, Map<number, number>>();
    const partial: string[] = [];
    let next: string | undefined;
    let requests = 0;
    do {
        const out = await cw.send(new GetMetricDataCommand({ ...input, NextToken: next }));
        requests++;
        for (const r of out.MetricDataResults ?? []) {
            if (!r.Id) continue;
            if (r.StatusCode && r.StatusCode !== "Complete" && r.StatusCode !== "PartialData") partial.push(`${r.Id}: ${r.StatusCode}`);
            let m = series.get(r.Id);
            if (!m) series.set(r.Id, (m = new Map()));
            (r.Timestamps ?? []).forEach((t, k) => {
                const v = r.Values?.[k];
                if (typeof v === "number") m!.set(Math.floor(new Date(t).getTime() / MINUTE) * MINUTE, v);
            });
        }
        for (const m of out.Messages ?? []) partial.push(`${m.Code}: ${m.Value}`);
        next = out.NextToken;
        if (requests > 1000) throw new Error("GetMetricData kept returning NextToken after 1000 requests: narrow --from/--to");
    } while (next);
    const traffic = variants.map((v, i) => {
        const inv = series.get(`inv${i}`) ?? new Map<number, number>();
        const ml = series.get(`mlat${i}`) ?? new Map<number, number>();
        const ol = series.get(`olat${i}`) ?? new Map<number, number>();
        const pts = new Map<number, { n: number; latSum: number; latN: number }>();
        for (const [t, n] of inv) {
            const lat = ml.has(t) ? (ml.get(t)! + (ol.get(t) ?? 0)) / 1000 : undefined;
            pts.set(t, { n, latSum: lat !== undefined ? lat * n : 0, latN: lat !== undefined ? n : 0 });
        }
        return summariseTraffic(v, pts, fromMs, toMs);
    });
    return { traffic, requests, partial };
}
