/**
 * # lib/registry — a local model registry mirroring SageMaker's ModelPackageGroup / ModelPackage
 *
 * Layout: `<root>/<group>/group.json` (DescribeModelPackageGroup shape) and `<root>/<group>/packages/<version>.json`
 * (DescribeModelPackage shape plus our `Lineage`, `Metrics` and `ApprovalHistory`). Versions are 1, 2, 3… in
 * creation order; files are written atomically, and a version number is claimed with an exclusive create so two
 * registrations never get the same version.
 *
 * Approval rules (the service allows any change; we refuse the ones that lose the audit trail):
 *   PendingManualApproval → Approved | Rejected;   Approved → Rejected (revocation, e.g. a rollback);
 *   Rejected is final — register a new version instead. Setting the current status again is refused.
 * Every change records who, when and why in `ApprovalHistory`.
 */
import * as fs from "fs";
import * as path from "path";
import { writeFileAtomic } from "../data/io";

export type ApprovalStatus = "PendingManualApproval" | "Approved" | "Rejected";
export const APPROVAL_STATUSES: readonly ApprovalStatus[] = ["PendingManualApproval", "Approved", "Rejected"];

const ALLOWED: Record<ApprovalStatus, ApprovalStatus[]> = {
    PendingManualApproval: ["Approved", "Rejected"],
    Approved: ["Rejected"],
    Rejected: [],
};

export interface ModelPackageGroup {
    ModelPackageGroupName: string;
    ModelPackageGroupArn: string;
    ModelPackageGroupDescription?: string;
    CreationTime: string;
    ModelPackageGroupStatus: "Completed";
}

export interface Lineage {
    /** sha256 of the training data (prepared splits). */
    dataHash: string;
    /** sha256 of the persisted feature transform. */
    featuresHash: string;
    /** Code version: git commit (or "unknown" outside a git checkout). */
    codeVersion: string;
    /** Training/tuning job that produced the model. */
    trainingJob?: string;
}

export interface ModelPackage {
    ModelPackageGroupName: string;
    ModelPackageVersion: number;
    ModelPackageArn: string;
    ModelPackageDescription?: string;
    CreationTime: string;
    LastModifiedTime: string;
    ModelPackageStatus: "Completed";
    ModelApprovalStatus: ApprovalStatus;
    ApprovalDescription?: string;
    InferenceSpecification: {
        Containers: { Image: string; ModelDataUrl: string; Framework?: string; FrameworkVersion?: string }[];
        SupportedContentTypes: string[];
        SupportedResponseMIMETypes: string[];
        SupportedRealtimeInferenceInstanceTypes?: string[];
        SupportedTransformInstanceTypes?: string[];
    };
    ModelMetrics?: { ModelQuality?: { Statistics?: { ContentType: string; S3Uri: string }; Constraints?: { ContentType: string; S3Uri: string } } };
    CustomerMetadataProperties: Record<string, string>;
    MetadataProperties?: { CommitId?: string; GeneratedBy?: string; ProjectId?: string };
    /** Our additions. */
    Metrics: Record<string, number>;
    HyperParameters: Record<string, string>;
    Lineage: Lineage;
    ApprovalHistory: { status: ApprovalStatus; at: string; by: string; reason: string }[];
}

export interface RegisterInput {
    description?: string;
    image: string;
    modelDataUrl: string;
    metrics: Record<string, number>;
    hyperParameters: Record<string, string | number>;
    lineage: Lineage;
    modelQualityStatisticsUri?: string;
    modelQualityConstraintsUri?: string;
    /** Initial status; PendingManualApproval by default. */
    status?: ApprovalStatus;
    approvedBy?: string;
    approvalReason?: string;
    instanceTypes?: string[];
}

export class RegistryError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "RegistryError";
    }
}

const NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;

export class LocalModelRegistry {
    readonly root: string;
    constructor(
        root: string,
        private readonly arnPrefix = "arn:aws:sagemaker:us-east-1:000000000000",
        private readonly now: () => Date = () => new Date(),
    ) {
        this.root = path.resolve(root);
    }

    private groupDir(group: string): string {
        if (!NAME.test(group)) throw new RegistryError(`model package group name '${group}': use 1-63 letters, digits and hyphens`);
        return path.join(this.root, group);
    }

    createGroup(group: string, description?: string): ModelPackageGroup {
        const dir = this.groupDir(group);
        const file = path.join(dir, "group.json");
        if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, "utf8")) as ModelPackageGroup;
        const g: ModelPackageGroup = {
            ModelPackageGroupName: group,
            ModelPackageGroupArn: `${this.arnPrefix}:model-package-group/${group.toLowerCase()}`,
            ...(description ? { ModelPackageGroupDescription: description } : {}),
            CreationTime: this.now().toISOString(),
            ModelPackageGroupStatus: "Completed",
        };
        fs.mkdirSync(path.join(dir, "packages"), { recursive: true });
        writeFileAtomic(file, JSON.stringify(g, null, 2) + "\n");
        return g;
    }

    describeGroup(group: string): ModelPackageGroup {
        const file = path.join(this.groupDir(group), "group.json");
        if (!fs.existsSync(file))
            throw new RegistryError(`model package group '${group}' does not exist in ${this.root}; create it with createGroup (the register step does)`);
        return JSON.parse(fs.readFileSync(file, "utf8")) as ModelPackageGroup;
    }

    /** All packages of a group, oldest first (ListModelPackages). */
    list(group: string, status?: ApprovalStatus): ModelPackage[] {
        this.describeGroup(group);
        const dir = path.join(this.groupDir(group), "packages");
        return (
            fs
                .readdirSync(dir)
                .filter((f) => /^\d+\.json$/.test(f))
                .map((f) => fs.readFileSync(path.join(dir, f), "utf8"))
                // An empty file is a version being registered right now by another process: not listed yet.
                .filter((text) => text.length > 0)
                .map((text) => JSON.parse(text) as ModelPackage)
                .sort((a, b) => a.ModelPackageVersion - b.ModelPackageVersion)
                .filter((p) => !status || p.ModelApprovalStatus === status)
        );
    }

    describe(group: string, version: number): ModelPackage {
        const file = path.join(this.groupDir(group), "packages", `${version}.json`);
        if (!fs.existsSync(file)) {
            const have = this.list(group).map((p) => p.ModelPackageVersion);
            throw new RegistryError(`model package ${group}/${version} does not exist (versions: ${have.join(", ") || "none"})`);
        }
        return JSON.parse(fs.readFileSync(file, "utf8")) as ModelPackage;
    }

    /** The newest approved package, or undefined. */
    latestApproved(group: string): ModelPackage | undefined {
        const approved = this.list(group, "Approved");
        return approved[approved.length - 1];
    }

    register(group: string, input: RegisterInput): ModelPackage {
        this.describeGroup(group);
        for (const [k, v] of Object.entries(input.metrics)) {
            if (typeof v !== "number" || !Number.isFinite(v)) throw new RegistryError(`metric '${k}' = ${v}: metrics must be finite numbers`);
        }
        if (!input.modelDataUrl.startsWith("s3://")) throw new RegistryError(`modelDataUrl '${input.modelDataUrl}': expected an s3:// URI of model.tar.gz`);
        const dir = path.join(this.groupDir(group), "packages");
        fs.mkdirSync(dir, { recursive: true });
        // Claim the next version with an exclusive create (safe against concurrent registrations).
        let version = fs.readdirSync(dir).reduce((m, f) => (/^\d+\.json$/.test(f) ? Math.max(m, parseInt(f, 10)) : m), 0) + 1;
        for (;;) {
            try {
                fs.closeSync(fs.openSync(path.join(dir, `${version}.json`), "wx"));
                break;
            } catch (e) {
                if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
                version++;
            }
        }
        const at = this.now().toISOString();
        const status = input.status ?? "PendingManualApproval";
        const pkg: ModelPackage = {
            ModelPackageGroupName: group,
            ModelPackageVersion: version,
            ModelPackageArn: `${this.arnPrefix}:model-package/${group.toLowerCase()}/${version}`,
            ...(input.description ? { ModelPackageDescription: input.description } : {}),
            CreationTime: at,
            LastModifiedTime: at,
            ModelPackageStatus: "Completed",
            ModelApprovalStatus: status,
            ...(input.approvalReason ? { ApprovalDescription: input.approvalReason } : {}),
            InferenceSpecification: {
                Containers: [{ Image: input.image, ModelDataUrl: input.modelDataUrl, Framework: "XGBOOST", FrameworkVersion: "1.7" }],
                SupportedContentTypes: ["text/csv", "application/json"],
                SupportedResponseMIMETypes: ["text/csv", "application/json"],
                ...(input.instanceTypes
                    ? { SupportedRealtimeInferenceInstanceTypes: input.instanceTypes, SupportedTransformInstanceTypes: input.instanceTypes }
                    : {}),
            },
            ...(input.modelQualityStatisticsUri
                ? {
                      ModelMetrics: {
                          ModelQuality: {
                              Statistics: { ContentType: "application/json", S3Uri: input.modelQualityStatisticsUri },
                              ...(input.modelQualityConstraintsUri
                                  ? { Constraints: { ContentType: "application/json", S3Uri: input.modelQualityConstraintsUri } }
                                  : {}),
                          },
                      },
                  }
                : {}),
            CustomerMetadataProperties: Object.fromEntries(Object.entries(input.metrics).map(([k, v]) => [`metric:${k}`, String(v)])),
            MetadataProperties: { CommitId: input.lineage.codeVersion, GeneratedBy: input.lineage.trainingJob },
            Metrics: input.metrics,
            HyperParameters: Object.fromEntries(Object.entries(input.hyperParameters).map(([k, v]) => [k, String(v)])),
            Lineage: input.lineage,
            ApprovalHistory: [{ status, at, by: input.approvedBy ?? "register", reason: input.approvalReason ?? "registered" }],
        };
        writeFileAtomic(path.join(dir, `${version}.json`), JSON.stringify(pkg, null, 2) + "\n");
        return pkg;
    }

    /** UpdateModelPackage(ModelApprovalStatus) with our transition rules. */
    setApproval(group: string, version: number, status: ApprovalStatus, by: string, reason: string): ModelPackage {
        if (!APPROVAL_STATUSES.includes(status)) throw new RegistryError(`approval status '${status}': expected one of ${APPROVAL_STATUSES.join(", ")}`);
        if (!reason || reason.trim().length < 3) throw new RegistryError(`changing ${group}/${version} to ${status}: give a reason (--reason "...")`);
        const pkg = this.describe(group, version);
        const from = pkg.ModelApprovalStatus;
        if (!ALLOWED[from].includes(status)) {
            const allowed = ALLOWED[from];
            throw new RegistryError(
                `model package ${group}/${version} is ${from}; it cannot become ${status}` +
                    (allowed.length ? ` (allowed: ${allowed.join(", ")})` : ` (${from} is final: register a new version instead)`),
            );
        }
        const at = this.now().toISOString();
        pkg.ModelApprovalStatus = status;
        pkg.ApprovalDescription = reason;
        pkg.LastModifiedTime = at;
        pkg.ApprovalHistory.push({ status, at, by, reason });
        writeFileAtomic(path.join(this.groupDir(group), "packages", `${version}.json`), JSON.stringify(pkg, null, 2) + "\n");
        return pkg;
    }
}

/**
 * The registry of a local run: `<workdir>/registry`, with ARNs in the stack's region and account as the service
 * names them (the register, deploy and batch-infer steps and `npm run registry` open the same one).
 */
export function registryFor(workdir: string, region: string, accountId: string): LocalModelRegistry {
    return new LocalModelRegistry(`${workdir}/registry`, `arn:aws:sagemaker:${region}:${accountId}`);
}
