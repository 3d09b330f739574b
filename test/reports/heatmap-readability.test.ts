/**
 * Heatmaps people read (the evaluation report's confusion matrix, the EDA correlation matrix): darker cells mean more,
 * and every cell's number stays readable on its cell (WCAG 2.1 contrast ratio >= 4.5 between the label's colour and
 * the cell's fill, https://www.w3.org/TR/WCAG21/#contrast-minimum), in the SVG Vega renders.
 */
import { strict as assert } from "assert";
import { heatmapSpec, lineSpec, renderVegaLite } from "../../lib/reports";

type RGB = [number, number, number];
const parse = (c: string): RGB => {
    if (c === "white") return [255, 255, 255];
    if (c === "black") return [0, 0, 0];
    const m = /rgb\((\d+), (\d+), (\d+)\)/.exec(c);
    if (m) return [Number(m[1]), Number(m[2]), Number(m[3])];
    const h = /^#([0-9a-f]{6})$/i.exec(c);
    if (h) return [0, 2, 4].map((i) => parseInt(h[1].slice(i, i + 2), 16)) as RGB;
    throw new Error(`colour ${c}`);
};
/** WCAG relative luminance. */
const lum = (c: RGB) => {
    const [r, g, b] = c.map((v) => {
        const s = v / 255;
        return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
};
const contrast = (a: RGB, b: RGB) => (Math.max(lum(a), lum(b)) + 0.05) / (Math.min(lum(a), lum(b)) + 0.05);

async function cells(spec: ReturnType<typeof heatmapSpec>) {
    const svg = await renderVegaLite(spec);
    const fills = new Map<string, RGB>();
    for (const m of svg.matchAll(/<path aria-label="x: ([^;]+); y: ([^;]+); value: ([^"]+)"[^>]*fill="([^"]+)"/g)) fills.set(`${m[1]}|${m[2]}`, parse(m[4]));
    const labels = new Map<string, { text: string; fill: RGB }>();
    for (const m of svg.matchAll(/<text aria-label="x: ([^;]+); y: ([^;]+); value: [^"]+"[^>]*fill="([^"]+)"[^>]*>([^<]*)<\/text>/g))
        labels.set(`${m[1]}|${m[2]}`, { text: m[4], fill: parse(m[3]) });
    return { fills, labels };
}

describe("heatmaps: darker = more, a readable label on every cell", () => {
    it("confusion matrix (the evaluation report's options)", async () => {
        const data = [
            { x: "predicted 0", y: "actual 0", value: 11693 },
            { x: "predicted 1", y: "actual 0", value: 737 },
            { x: "predicted 0", y: "actual 1", value: 1335 },
            { x: "predicted 1", y: "actual 1", value: 2511 },
        ];
        const { fills, labels } = await cells(
            heatmapSpec(data, { format: ",d", scheme: "blues", diverging: false, xOrder: ["predicted 0", "predicted 1"], yOrder: ["actual 0", "actual 1"] }),
        );
        assert.equal(fills.size, 4);
        const byValue = [...data].sort((a, b) => a.value - b.value).map((d) => lum(fills.get(`${d.x}|${d.y}`)!));
        for (let i = 1; i < byValue.length; i++)
            assert.ok(byValue[i] < byValue[i - 1], `more must be darker: luminances ${byValue.map((l) => l.toFixed(3)).join(" ")}`);
        for (const d of data) {
            const k = `${d.x}|${d.y}`;
            const l = labels.get(k)!;
            assert.equal(l.text, d.value.toLocaleString("en-US"));
            assert.ok(contrast(l.fill, fills.get(k)!) >= 4.5, `${k}: contrast ${contrast(l.fill, fills.get(k)!).toFixed(2)}`);
        }
    });

    it("correlation matrix (diverging, centred on 0): every label readable", async () => {
        const vals = [1, 0.62, -0.45, 0.05, -0.9, 0.3];
        const data = vals.map((v, i) => ({ x: `f${i % 3}`, y: `g${Math.floor(i / 3)}`, value: v }));
        const { fills, labels } = await cells(heatmapSpec(data, { domain: [-1, 1] }));
        for (const d of data) {
            const k = `${d.x}|${d.y}`;
            assert.ok(
                contrast(labels.get(k)!.fill, fills.get(k)!) >= 4.5,
                `${k} (${d.value}): contrast ${contrast(labels.get(k)!.fill, fills.get(k)!).toFixed(2)}`,
            );
        }
    });

    it("column labels: horizontal when short, slanted when long (no overlap)", () => {
        const angle = (names: string[]) =>
            (heatmapSpec(names.map((x) => ({ x, y: "a", value: 1 }))) as { encoding: { x: { axis: { labelAngle: number } } } }).encoding.x.axis.labelAngle;
        assert.equal(angle(["predicted 0", "predicted 1"]), 0);
        assert.equal(angle(["age", "hours_per_week", "education_num"]), -45);
    });

    it("a line chart with fitY spans the data, not 0..1", async () => {
        const svg = await renderVegaLite(
            lineSpec(
                [
                    { x: 0, y: 0.905 },
                    { x: 1, y: 0.93 },
                    { x: 2, y: 0.921 },
                ],
                { yTitle: "auc", fitY: true },
            ),
        );
        const m = /Y-axis titled 'auc' for a linear scale with values from ([\d.]+) to ([\d.]+)/.exec(svg);
        assert.ok(m && Number(m[1]) > 0.89 && Number(m[1]) <= 0.905 && Number(m[2]) >= 0.93 && Number(m[2]) < 0.95, m?.[0]);
    });
});
