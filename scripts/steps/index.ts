/** The lifecycle's steps, in order. Modules load lazily so a step only pays for the engines it uses. */
import { StepDefinition } from "../../lib/pipeline/step";

const MODULES: Record<string, () => StepDefinition> = {
    provision: () => require("./provision").default,
    prepare: () => require("./prepare").default,
    features: () => require("./features").default,
    train: () => require("./train").default,
    tune: () => require("./tune").default,
    register: () => require("./register").default,
};

export const STEP_NAMES = Object.keys(MODULES);

export function loadStep(name: string): StepDefinition {
    const f = MODULES[name];
    if (!f) throw new Error(`unknown step '${name}': steps are ${STEP_NAMES.join(", ")}`);
    return f();
}
