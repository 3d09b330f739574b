/**
 * Declared schemas for tabular data sets handled by the local pipeline.
 *
 * A schema lists every raw column (in file order), its type, whether it may be
 * missing, and the allowed range / values. The label column additionally
 * carries a mapping from raw label text to the numeric target.
 */

export type ColumnType = "integer" | "number" | "categorical";

export interface ColumnSpec {
    /** Column name exactly as in the header line. */
    name: string;
    type: ColumnType;
    /** When false a missing value (`?` or empty) drops the row. */
    nullable: boolean;
    /** Inclusive lower bound for integer/number columns. */
    min?: number;
    /** Inclusive upper bound for integer/number columns. */
    max?: number;
    /**
     * Allowed values for categorical columns. A value outside the list is not
     * dropped: it is counted as `unknown_category` and kept (the feature
     * transform buckets it into "other"), so the schema documents the domain
     * without silently destroying rows. Leave undefined for open domains.
     */
    values?: readonly string[];
    description?: string;
}

export interface LabelSpec {
    /** Raw column name holding the label in the source file. */
    sourceColumn: string;
    /** Name of the numeric label column in prepared outputs. */
    name: string;
    /** Raw label text (after trimming and stripping `stripSuffix`) → numeric target. */
    mapping: Readonly<Record<string, number>>;
    /** A suffix removed from raw labels before mapping (Adult's test file uses `>50K.`). */
    stripSuffix?: string;
    /** The value that counts as the positive class (for rates and stratification reports). */
    positive: number;
}

export interface DatasetSchema {
    name: string;
    /** Raw feature columns in file order (label excluded). */
    columns: readonly ColumnSpec[];
    label: LabelSpec;
    /** Raw tokens that mean "missing" (compared after trimming). */
    missingTokens: readonly string[];
    /** Field delimiter of the raw files. Surrounding whitespace is trimmed. */
    delimiter: string;
    /** Source citation / license to show wherever the data is shown (reports). */
    attribution?: string;
}

/** Full raw header (features + label) in file order. */
export function headerOf(schema: DatasetSchema): string[] {
    return [...schema.columns.map((c) => c.name), schema.label.sourceColumn];
}

export function featureColumnNames(schema: DatasetSchema): string[] {
    return schema.columns.map((c) => c.name);
}

export function numericColumns(schema: DatasetSchema): ColumnSpec[] {
    return schema.columns.filter((c) => c.type !== "categorical");
}

export function categoricalColumns(schema: DatasetSchema): ColumnSpec[] {
    return schema.columns.filter((c) => c.type === "categorical");
}

/** Domain values as documented in `data/adult/adult.names`. */
const WORKCLASS = ["Private", "Self-emp-not-inc", "Self-emp-inc", "Federal-gov", "Local-gov", "State-gov", "Without-pay", "Never-worked"];
const EDUCATION = [
    "Bachelors",
    "Some-college",
    "11th",
    "HS-grad",
    "Prof-school",
    "Assoc-acdm",
    "Assoc-voc",
    "9th",
    "7th-8th",
    "12th",
    "Masters",
    "1st-4th",
    "10th",
    "Doctorate",
    "5th-6th",
    "Preschool",
];
const MARITAL = ["Married-civ-spouse", "Divorced", "Never-married", "Separated", "Widowed", "Married-spouse-absent", "Married-AF-spouse"];
const OCCUPATION = [
    "Tech-support",
    "Craft-repair",
    "Other-service",
    "Sales",
    "Exec-managerial",
    "Prof-specialty",
    "Handlers-cleaners",
    "Machine-op-inspct",
    "Adm-clerical",
    "Farming-fishing",
    "Transport-moving",
    "Priv-house-serv",
    "Protective-serv",
    "Armed-Forces",
];
const RELATIONSHIP = ["Wife", "Own-child", "Husband", "Not-in-family", "Other-relative", "Unmarried"];
const RACE = ["White", "Asian-Pac-Islander", "Amer-Indian-Eskimo", "Other", "Black"];
const SEX = ["Female", "Male"];
const COUNTRY = [
    "United-States",
    "Cambodia",
    "England",
    "Puerto-Rico",
    "Canada",
    "Germany",
    "Outlying-US(Guam-USVI-etc)",
    "India",
    "Japan",
    "Greece",
    "South",
    "China",
    "Cuba",
    "Iran",
    "Honduras",
    "Philippines",
    "Italy",
    "Poland",
    "Jamaica",
    "Vietnam",
    "Mexico",
    "Portugal",
    "Ireland",
    "France",
    "Dominican-Republic",
    "Laos",
    "Ecuador",
    "Taiwan",
    "Haiti",
    "Columbia",
    "Hungary",
    "Guatemala",
    "Nicaragua",
    "Scotland",
    "Thailand",
    "Yugoslavia",
    "El-Salvador",
    "Trinadad&Tobago",
    "Peru",
    "Hong",
    "Holand-Netherlands",
];

/**
 * UCI Adult (census income). Ranges are sanity bounds, wider than the observed
 * data (age 17–90, hours 1–99, capital_gain ≤ 99999) so that only impossible
 * values are rejected.
 */
export const ADULT_SCHEMA: DatasetSchema = {
    name: "adult",
    delimiter: ",",
    attribution: 'Data: UCI Machine Learning Repository, "Adult" (Becker, B. and Kohavi, R., 1996), doi:10.24432/C5XW20, licensed CC BY 4.0.',
    missingTokens: ["?", ""],
    columns: [
        { name: "age", type: "integer", nullable: false, min: 0, max: 120, description: "Age in years" },
        { name: "workclass", type: "categorical", nullable: true, values: WORKCLASS },
        { name: "fnlwgt", type: "integer", nullable: false, min: 1, max: 10_000_000, description: "Census final sampling weight" },
        { name: "education", type: "categorical", nullable: false, values: EDUCATION },
        { name: "education_num", type: "integer", nullable: false, min: 1, max: 16 },
        { name: "marital_status", type: "categorical", nullable: false, values: MARITAL },
        { name: "occupation", type: "categorical", nullable: true, values: OCCUPATION },
        { name: "relationship", type: "categorical", nullable: false, values: RELATIONSHIP },
        { name: "race", type: "categorical", nullable: false, values: RACE },
        { name: "sex", type: "categorical", nullable: false, values: SEX },
        { name: "capital_gain", type: "integer", nullable: false, min: 0, max: 1_000_000 },
        { name: "capital_loss", type: "integer", nullable: false, min: 0, max: 1_000_000 },
        { name: "hours_per_week", type: "integer", nullable: false, min: 1, max: 168 },
        { name: "native_country", type: "categorical", nullable: true, values: COUNTRY },
    ],
    label: {
        sourceColumn: "ltgt50k",
        name: "label",
        mapping: { "<=50K": 0, ">50K": 1 },
        stripSuffix: ".",
        positive: 1,
    },
};
