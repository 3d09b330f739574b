import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ADULT_SCHEMA, parseBuffer } from "../../lib/data";
import { HtmlReport, barSpec, escapeHtml, heatmapSpec, lineSpec, pearson, renderVegaLite, writeEdaReport, buildEdaReport } from "../../lib/reports";

const countSvg = (html: string) => (html.match(/<svg[\s>]/g) ?? []).length;

function assertSelfContained(html: string): void {
    assert.doesNotMatch(html, /<script/i, "no scripts");
    assert.doesNotMatch(html, /<link\b/i, "no external stylesheets");
    assert.doesNotMatch(html, /@import/i);
    assert.doesNotMatch(html, /\b(?:src|href)\s*=\s*["']?\s*(?:https?:)?\/\//i, "no http(s) or protocol-relative src/href");
    assert.doesNotMatch(html, /url\(\s*["']?https?:/i);
}

describe("reports: charts and HTML builder", () => {
    it("escapes every piece of text", () => {
        assert.equal(escapeHtml(`<a href="x">'&'</a>`), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
        const html = new HtmlReport("Title <b>", { subtitle: "a & b" })
            .heading("<script>alert(1)</script>")
            .paragraph('"quoted"')
            .keyValues([["k<", "v>"]])
            .table(["col<1>"], [["<img src=x onerror=alert(1)>"], [1.23456], [null]])
            .render();
        assert.doesNotMatch(html, /<script>alert/);
        assert.doesNotMatch(html, /<img/);
        assert.match(html, /<title>Title &lt;b&gt;<\/title>/);
        assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
        assert.match(html, /<th>col&lt;1&gt;<\/th>/);
        assert.match(html, /<td class="num">1\.235<\/td>/);
        assert.match(html, /<td>—<\/td>/);
        assertSelfContained(html);
    });

    it("rejects SVG with scripts or external references", () => {
        const r = new HtmlReport("x");
        assert.throws(() => r.svg("<div>not svg</div>"), /expected an <svg>/);
        assert.throws(() => r.svg("<svg><script>alert(1)</script></svg>"), /scripts/);
        assert.throws(() => r.svg('<svg><image href="https://evil.example/x.png"/></svg>'), /external references/);
        assert.throws(() => r.svg('<svg><rect onclick="x()"/></svg>'), /event handlers/);
        r.svg('<svg xmlns="http://www.w3.org/2000/svg"><rect/></svg>', "ok");
        assert.equal(r.chartCount, 1);
    });

    it("renders vega-lite specs to SVG headlessly, with escaped data text", async () => {
        const svg = await renderVegaLite(
            barSpec(
                [
                    { category: "<b>&x", value: 3 },
                    { category: "y", value: 1 },
                ],
                { title: "T" },
            ),
        );
        assert.match(svg, /^<svg[^>]+xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
        assert.match(svg, /&lt;b&gt;&amp;x/);
        assert.doesNotMatch(svg, /<b>/);
        const line = await renderVegaLite(
            lineSpec(
                [
                    { x: 0, y: 0, series: "roc" },
                    { x: 1, y: 1, series: "roc" },
                ],
                { title: "ROC" },
            ),
        );
        assert.match(line, /role-line|mark-line/);
        const heat = await renderVegaLite(
            heatmapSpec(
                [
                    { x: "a", y: "a", value: 1 },
                    { x: "a", y: "b", value: -0.5 },
                    { x: "b", y: "a", value: -0.5 },
                    { x: "b", y: "b", value: 1 },
                ],
                { domain: [-1, 1], order: ["a", "b"] },
            ),
        );
        assert.equal((heat.match(/aria-roledescription="rect mark"/g) ?? []).length, 4);
        assert.match(heat, />−0\.50</);
        await assert.rejects(renderVegaLite({ mark: "nonsense-mark" }), /vega-lite/);
    });

    it("pearson", () => {
        assert.equal(pearson([1, 2, 3], [2, 4, 6]), 1);
        assert.ok(Math.abs(pearson([1, 2, 3, 4], [4, 3, 2, 1])! + 1) < 1e-12);
        assert.equal(pearson([1, null, 3], [1, 5, 3]), 1, "pairwise complete");
        assert.equal(pearson([1, 1, 1], [1, 2, 3]), null, "constant column");
    });
});

describe("reports: EDA", () => {
    const text = fs.readFileSync(path.join(__dirname, "../../data/adult/adult.data"), "utf8").split("\n").slice(0, 801).join("\n");
    const { rows } = parseBuffer(Buffer.from(text), "adult.data", ADULT_SCHEMA, { sourceTag: "d" });

    it("writes one self-contained HTML file with an <svg> per chart", async function () {
        this.timeout(30000);
        const evil = rows.map((r, i) => (i === 0 ? { ...r, occupation: '<script>alert("x")</script>' } : r));
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "eda-test-"));
        const file = path.join(dir, "eda.html");
        const res = await writeEdaReport(evil, file, { title: "Adult <sample>" });
        const html = fs.readFileSync(file, "utf8");
        assert.equal(res.bytes, Buffer.byteLength(html));
        assertSelfContained(html);
        // 1 missingness + 1 label + 1 correlation + 6 histograms + 8 × (distribution + label rate)
        assert.equal(res.charts, 25);
        assert.equal(countSvg(html), 25);
        assert.match(html, /<title>Adult &lt;sample&gt;<\/title>/);
        assert.ok(!html.includes("<script>alert"), "category text is escaped");
        assert.ok(html.includes("&lt;script&gt;alert"), "the escaped category is shown");
        for (const c of ADULT_SCHEMA.columns) assert.ok(html.includes(`<td>${c.name}</td>`), c.name);
        assert.ok(html.includes("doi:10.24432/C5XW20, licensed CC BY 4.0"), "the data set attribution is shown");
        // summary numbers match a direct computation
        const ages = rows.map((r) => r.age as number);
        const age = res.columns.find((c) => c.name === "age")!;
        assert.equal(age.count, rows.length);
        assert.ok(Math.abs(age.mean! - ages.reduce((s, x) => s + x, 0) / ages.length) < 1e-9);
        assert.equal(age.min, Math.min(...ages));
        assert.equal(age.max, Math.max(...ages));
        const occ = res.columns.find((c) => c.name === "occupation")!;
        assert.equal(occ.missing, rows.filter((r) => r.occupation === null).length);
        assert.ok(occ.missing > 0);
        assert.equal(res.labelRate, rows.filter((r) => r.label === 1).length / rows.length);
        const li = res.correlation.columns.indexOf("label");
        const ei = res.correlation.columns.indexOf("education_num");
        assert.ok(res.correlation.matrix[li][ei]! > 0.2, "education correlates with income");
        assert.equal(res.correlation.matrix[li][ei], res.correlation.matrix[ei][li]);
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("accepts the object form writeEdaReport({ rows, outFile, ...opts })", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "eda-test-"));
        const file = path.join(dir, "sub", "eda.html");
        const res = await writeEdaReport({
            rows: rows.slice(0, 200),
            outFile: file,
            title: "object form",
            columns: [
                { name: "hours_per_week", type: "integer" },
                { name: "race", type: "categorical" },
            ],
        });
        const html = fs.readFileSync(file, "utf8");
        assert.equal(res.charts, 1 + 1 + 1 + 1 + 2, "missingness, label, correlation (hours + label), histogram, race ×2");
        assert.equal(countSvg(html), res.charts);
        assert.match(html, /<title>object form<\/title>/);
        await assert.rejects(writeEdaReport({ rows: rows.slice(0, 10) } as never), /outFile/);
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("handles unlabelled data and custom columns; rejects unusable input", async () => {
        const rowsNoLabel = rows.slice(0, 100).map(({ label, ...r }) => r);
        const res = await buildEdaReport(rowsNoLabel, {
            label: null,
            columns: [
                { name: "age", type: "integer" },
                { name: "sex", type: "categorical" },
            ],
            title: "x",
        });
        assert.equal(res.charts, 1 + 1 + 1, "missingness + histogram + one bar chart; no label charts, no correlation for one numeric column");
        assert.equal(countSvg(res.html), res.charts);
        await assert.rejects(buildEdaReport([], {}), /no rows to profile/);
        await assert.rejects(buildEdaReport(rowsNoLabel, {}), /column\(s\)|label column "label"/);
        await assert.rejects(buildEdaReport(rowsNoLabel, { columns: [{ name: "nope", type: "integer" }], label: null }), /column\(s\) nope not found/);
    });
});
