/**
 * Loads HTML reports in headless Chromium (Debian's /usr/bin/chromium driven by playwright-core) and returns what a
 * reader sees: the visible text, console errors and page errors, optionally a screenshot. Tests that use it skip with
 * a message when Chromium is not installed (CI installs it: .ci/run).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { pathToFileURL } from "url";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export function chromiumMissing(): string | undefined {
    if (!fs.existsSync(CHROMIUM)) return `skipped: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`;
    try {
        require.resolve("playwright-core");
    } catch {
        return "skipped: playwright-core is not installed (npm ci)";
    }
    return undefined;
}

export interface LoadedPage {
    file: string;
    title: string;
    text: string;
    consoleErrors: string[];
    pageErrors: string[];
    /** Number of <svg> charts with a non-zero size. */
    visibleCharts: number;
    screenshot?: string;
}

/**
 * Opens each file in a fresh page of one browser. Screenshots (full page, PNG) go to `screenshotDir` when given, or to
 * $REPORT_SCREENSHOTS when set.
 */
export async function loadReports(files: string[], screenshotDir = process.env.REPORT_SCREENSHOTS): Promise<LoadedPage[]> {
    const { chromium } = require("playwright-core") as typeof import("playwright-core");
    const profile = fs.mkdtempSync(path.join(os.tmpdir(), "chromium-profile-"));
    const context = await chromium.launchPersistentContext(profile, {
        executablePath: CHROMIUM,
        headless: true,
        args: [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
        viewport: { width: 1280, height: 900 },
    });
    try {
        const out: LoadedPage[] = [];
        for (const file of files) {
            const page = await context.newPage();
            const consoleErrors: string[] = [];
            const pageErrors: string[] = [];
            page.on("console", (m) => {
                if (m.type() === "error") consoleErrors.push(m.text());
            });
            page.on("pageerror", (e) => pageErrors.push(e.message));
            // Reports are self-contained: any request other than the file itself is an error.
            await page.route("**/*", (route) =>
                route.request().url().startsWith("file:") || route.request().url().startsWith("data:") ? route.continue() : route.abort(),
            );
            await page.goto(pathToFileURL(file).toString(), { waitUntil: "load" });
            // Evaluated in the page (strings: this project's TypeScript config has no DOM types).
            const text = (await page.evaluate("document.body.innerText")) as string;
            const visibleCharts = (await page.evaluate(
                '[...document.querySelectorAll("svg")].filter((s) => s.getBoundingClientRect().width > 20 && s.getBoundingClientRect().height > 20).length',
            )) as number;
            let screenshot: string | undefined;
            if (screenshotDir) {
                fs.mkdirSync(screenshotDir, { recursive: true });
                screenshot = path.join(screenshotDir, `${path.basename(file, ".html")}.png`);
                await page.screenshot({ path: screenshot, fullPage: true });
            }
            out.push({ file, title: await page.title(), text, consoleErrors, pageErrors, visibleCharts, screenshot });
            await page.close();
        }
        return out;
    } finally {
        await context.close();
        fs.rmSync(profile, { recursive: true, force: true });
    }
}
