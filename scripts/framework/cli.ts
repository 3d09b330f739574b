/**
 * The command-line conventions every CLI of the project shares (scripts/cli/*, scripts/tools/*, bench/index.ts):
 *   - `--help` / `-h` (anywhere) prints usage, options and examples to stdout and exits 0;
 *   - options are `--name value`, `--name=value` or boolean `--flag`; an unknown option is refused with the list of
 *     valid ones; a missing value names the option; a non-repeatable option given twice is refused;
 *   - bad usage exits 2 with `error: <argument>: <problem>` and a pointer to `--help`.
 * One parser for all of them: a CLI declares its options once (the same list drives parsing and the help text).
 * It lives in scripts/framework (not lib/): only command lines use it, engines never parse argv.
 */

import * as path from "path";
import { nearest } from "../../lib/common/suggest";

export interface FlagSpec {
    name: string;
    /** Placeholder of the value, e.g. "FILE"; absent = a boolean flag. */
    value?: string;
    help: string;
    /** May be given more than once (values collected in order). */
    repeatable?: boolean;
    /** The value may itself start with "--" (e.g. a request body). */
    rawValue?: boolean;
}

export interface CommandSpec {
    name: string;
    /** The command's arguments as shown in the usage line, e.g. "--version N --reason TEXT". */
    args?: string;
    summary: string;
    /** Options of this command only (in addition to the CLI's common ones). */
    flags?: FlagSpec[];
}

export interface CliSpec {
    /** How a user runs it, e.g. "npm run plan --". */
    program: string;
    /** One line: what it does. */
    summary: string;
    /** Positional arguments after the command (or after the program when there are no commands). */
    positionals?: { name: string; help: string; max?: number };
    commands?: CommandSpec[];
    /** Options common to every command. */
    flags: FlagSpec[];
    /** Options matching this prefix are accepted as `--<prefix><anything> VALUE` (e.g. "hp."). */
    prefixFlags?: { prefix: string; value: string; help: string }[];
    examples: string[];
    /** Trailing lines: exit codes, notes. */
    notes?: string[];
}

/** Bad usage: the message names the argument. Exit code 2. */
export class UsageError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "UsageError";
    }
}

export interface ParsedCli {
    command?: string;
    /** Last value of each given option (`true` for boolean flags). */
    flags: Record<string, string | true>;
    /** Every value of repeatable options. */
    lists: Record<string, string[]>;
    positionals: string[];
    help: boolean;
}

const HELP = new Set(["--help", "-h"]);

function flagsFor(spec: CliSpec, command: string | undefined): FlagSpec[] {
    const cmd = spec.commands?.find((c) => c.name === command);
    return [...(cmd?.flags ?? []), ...spec.flags];
}

function listFlags(flags: FlagSpec[], spec: CliSpec): string {
    return [...flags.map((f) => `--${f.name}`), ...(spec.prefixFlags ?? []).map((p) => `--${p.prefix}*`)].join(", ") || "(none)";
}

/** Parses argv against the spec. Throws UsageError on anything the spec does not allow. */
export function parseCli(spec: CliSpec, argv: string[]): ParsedCli {
    const out: ParsedCli = {
        flags: {},
        lists: {},
        positionals: [],
        help: argv.some((a) => HELP.has(a)) || (spec.commands !== undefined && argv[0] === "help"),
    };
    if (out.help) return out;
    let rest = argv;
    if (spec.commands) {
        const [first, ...tail] = argv;
        if (first === undefined || first.startsWith("-")) throw new UsageError(`a command is required: one of ${spec.commands.map((c) => c.name).join(", ")}`);
        if (!spec.commands.some((c) => c.name === first))
            throw new UsageError(`command '${first}' is unknown: use one of ${spec.commands.map((c) => c.name).join(", ")}`);
        out.command = first;
        rest = tail;
    }
    const flags = flagsFor(spec, out.command);
    const where = out.command ? ` of '${out.command}'` : "";
    for (let i = 0; i < rest.length; i++) {
        const a = rest[i];
        if (!a.startsWith("--") || a === "--") {
            const max = spec.positionals?.max ?? (spec.positionals ? Infinity : 0);
            if (out.positionals.length >= max)
                throw new UsageError(`argument '${a}' is not expected${where}: options are written --name value (valid options: ${listFlags(flags, spec)})`);
            out.positionals.push(a);
            continue;
        }
        let key = a.slice(2);
        let inline: string | undefined;
        const eq = key.indexOf("=");
        if (eq > 0) {
            inline = key.slice(eq + 1);
            key = key.slice(0, eq);
        }
        const f = flags.find((x) => x.name === key);
        const prefix = f ? undefined : spec.prefixFlags?.find((p) => key.startsWith(p.prefix) && key.length > p.prefix.length);
        if (!f && !prefix) {
            const near = nearest(
                key,
                flags.map((x) => x.name),
            );
            throw new UsageError(`option --${key} is unknown${where}${near ? ` (did you mean --${near}?)` : ""}: valid options are ${listFlags(flags, spec)}`);
        }
        let value: string | true;
        if (f && f.value === undefined) {
            if (inline !== undefined) throw new UsageError(`option --${key} takes no value (got '${inline}')`);
            value = true;
        } else if (inline !== undefined) value = inline;
        else {
            const next = rest[i + 1];
            const placeholder = f?.value ?? prefix!.value;
            if (next === undefined || (next.startsWith("--") && !f?.rawValue)) throw new UsageError(`option --${key} needs a value: --${key} ${placeholder}`);
            value = next;
            i++;
        }
        if (f?.repeatable) (out.lists[key] ??= []).push(value as string);
        else if (key in out.flags) throw new UsageError(`option --${key} is given more than once; give it once`);
        out.flags[key] = value;
    }
    return out;
}

function flagLines(flags: FlagSpec[], indent: string): string[] {
    const left = flags.map((f) => `--${f.name}${f.value ? ` ${f.value}` : ""}${f.repeatable ? " (repeatable)" : ""}`);
    const w = Math.min(34, Math.max(0, ...left.map((l) => l.length)));
    return flags.map((f, i) => `${indent}${left[i].padEnd(w)}  ${f.help}`);
}

/** The `--help` text: usage, summary, commands, options, examples, notes. */
export function formatHelp(spec: CliSpec): string {
    const lines: string[] = [];
    const pos = spec.positionals ? ` [${spec.positionals.name}...]` : "";
    lines.push(`usage: ${spec.program}${spec.commands ? " <command>" : ""}${pos} [options]`, "", spec.summary);
    if (spec.positionals) lines.push("", `  ${spec.positionals.name}  ${spec.positionals.help}`);
    if (spec.commands) {
        lines.push("", "commands:");
        const w = Math.max(...spec.commands.map((c) => c.name.length));
        for (const c of spec.commands) {
            lines.push(`  ${c.name.padEnd(w)}  ${c.summary}${c.args ? `\n  ${" ".repeat(w)}  ${c.args}` : ""}`);
            if (c.flags?.length) lines.push(...flagLines(c.flags, `  ${" ".repeat(w)}    `));
        }
    }
    if (spec.flags.length || spec.prefixFlags?.length) {
        lines.push("", spec.commands ? "options (every command):" : "options:");
        lines.push(...flagLines(spec.flags, "  "));
        for (const p of spec.prefixFlags ?? []) lines.push(`  --${p.prefix}<name> ${p.value}  ${p.help}`);
    }
    lines.push(...flagLines([{ name: "help", help: "show this help and exit" }], "  "));
    lines.push("", "examples:", ...spec.examples.map((e) => `  ${e}`));
    if (spec.notes?.length) lines.push("", ...spec.notes);
    return lines.join("\n");
}

export interface CliIo {
    out(text: string): void;
    err(text: string): void;
}

const STDIO: CliIo = { out: (t) => process.stdout.write(t + "\n"), err: (t) => process.stderr.write(t + "\n") };

/**
 * Parses argv, answers `--help`, runs `run` and turns a UsageError (from parsing or from `run`) into exit code 2.
 * Other errors propagate to the caller (each CLI knows its own failure exit code).
 */
export async function withCli(spec: CliSpec, argv: string[], run: (p: ParsedCli) => Promise<number> | number, io: CliIo = STDIO): Promise<number> {
    let parsed: ParsedCli;
    try {
        parsed = parseCli(spec, argv);
        if (parsed.help) {
            io.out(formatHelp(spec));
            return 0;
        }
        return await run(parsed);
    } catch (e) {
        if (e instanceof UsageError) {
            io.err(`error: ${e.message}\n(${spec.program} --help shows the usage and examples)`);
            return 2;
        }
        throw e;
    }
}

/** Value of a string option (undefined when absent). */
export function str(p: ParsedCli, name: string): string | undefined {
    const v = p.flags[name];
    return typeof v === "string" ? v : undefined;
}

/** Value of a required string option. */
export function need(p: ParsedCli, name: string, example: string): string {
    const v = str(p, name);
    if (v === undefined) throw new UsageError(`option --${name} is required, e.g. --${name} ${example}`);
    return v;
}

/** The repository root: where build_ml_environment.sh, package.json and Pulumi.<stack>.yaml are. */
export const PROJECT_DIR = path.resolve(__dirname, "..", "..");

/** The workdir of a run: `--workdir` when given, else `.ml-env/<stack>` in the repository, as build_ml_environment.sh. */
export function runWorkdir(stack: string, workdir?: string): string {
    return path.resolve(workdir ?? path.join(PROJECT_DIR, ".ml-env", stack));
}
