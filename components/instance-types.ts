/**
 * Facts about SageMaker `ml.*` instance types: vCPUs, memory and GPUs.
 *
 * Pure data + lookups (no resources). Used to normalise `CPUUtilization` (which SageMaker reports as a sum over cores:
 * 0-100 × vCPUs) into a fraction of the instance, and to detect GPU instance types (the policy pack uses it too).
 * Figures are those of the underlying EC2 instance types (SageMaker ml.* instances share their hardware).
 *
 * Resource types created: none.
 */
import { NVME_INSTANCE_STORE_FAMILIES } from "../policies/lib/instanceTypes";

export interface InstanceTypeFacts {
    vcpus: number;
    memoryGiB: number;
    /** Number of GPUs (0 for CPU instances). */
    gpus: number;
    /** GPU model when gpus > 0. */
    gpuModel?: string;
    /** Burstable (CPU credits) instance family: sustained CPU above the baseline is not guaranteed. */
    burstable: boolean;
    /**
     * The ML storage volume is local NVMe instance storage (hardware-encrypted). SageMaker rejects a KMS key for the
     * storage volume of such instances (endpoint config `KmsKeyId` / job `VolumeKmsKeyId`).
     */
    nvmeInstanceStore: boolean;
}

type Size = [size: string, vcpus: number, memoryGiB: number, gpus?: number];

interface Family {
    family: string;
    sizes: Size[];
    gpuModel?: string;
    burstable?: boolean;
    nvmeInstanceStore?: boolean;
}

const FAMILIES: Family[] = [
    {
        family: "t2",
        burstable: true,
        sizes: [
            ["medium", 2, 4],
            ["large", 2, 8],
            ["xlarge", 4, 16],
            ["2xlarge", 8, 32],
        ],
    },
    {
        family: "t3",
        burstable: true,
        sizes: [
            ["medium", 2, 4],
            ["large", 2, 8],
            ["xlarge", 4, 16],
            ["2xlarge", 8, 32],
        ],
    },
    {
        family: "m5",
        sizes: [
            ["large", 2, 8],
            ["xlarge", 4, 16],
            ["2xlarge", 8, 32],
            ["4xlarge", 16, 64],
            ["12xlarge", 48, 192],
            ["24xlarge", 96, 384],
        ],
    },
    {
        family: "m6i",
        sizes: [
            ["large", 2, 8],
            ["xlarge", 4, 16],
            ["2xlarge", 8, 32],
            ["4xlarge", 16, 64],
            ["8xlarge", 32, 128],
            ["12xlarge", 48, 192],
            ["16xlarge", 64, 256],
            ["24xlarge", 96, 384],
            ["32xlarge", 128, 512],
        ],
    },
    {
        family: "c5",
        sizes: [
            ["large", 2, 4],
            ["xlarge", 4, 8],
            ["2xlarge", 8, 16],
            ["4xlarge", 16, 32],
            ["9xlarge", 36, 72],
            ["18xlarge", 72, 144],
        ],
    },
    {
        family: "c6i",
        sizes: [
            ["large", 2, 4],
            ["xlarge", 4, 8],
            ["2xlarge", 8, 16],
            ["4xlarge", 16, 32],
            ["8xlarge", 32, 64],
            ["12xlarge", 48, 96],
            ["16xlarge", 64, 128],
            ["24xlarge", 96, 192],
            ["32xlarge", 128, 256],
        ],
    },
    {
        family: "r5",
        sizes: [
            ["large", 2, 16],
            ["xlarge", 4, 32],
            ["2xlarge", 8, 64],
            ["4xlarge", 16, 128],
            ["12xlarge", 48, 384],
            ["24xlarge", 96, 768],
        ],
    },
    {
        family: "g4dn",
        gpuModel: "NVIDIA T4",
        nvmeInstanceStore: true,
        sizes: [
            ["xlarge", 4, 16, 1],
            ["2xlarge", 8, 32, 1],
            ["4xlarge", 16, 64, 1],
            ["8xlarge", 32, 128, 1],
            ["12xlarge", 48, 192, 4],
            ["16xlarge", 64, 256, 1],
        ],
    },
    {
        family: "g5",
        gpuModel: "NVIDIA A10G",
        nvmeInstanceStore: true,
        sizes: [
            ["xlarge", 4, 16, 1],
            ["2xlarge", 8, 32, 1],
            ["4xlarge", 16, 64, 1],
            ["8xlarge", 32, 128, 1],
            ["12xlarge", 48, 192, 4],
            ["16xlarge", 64, 256, 1],
            ["24xlarge", 96, 384, 4],
            ["48xlarge", 192, 768, 8],
        ],
    },
    {
        family: "p3",
        gpuModel: "NVIDIA V100",
        sizes: [
            ["2xlarge", 8, 61, 1],
            ["8xlarge", 32, 244, 4],
            ["16xlarge", 64, 488, 8],
        ],
    },
    // https://aws.amazon.com/ec2/instance-types/p4/ (p4d.24xlarge: 96 vCPUs, 1152 GiB, 8 A100, 8 x 1 TB NVMe SSD) and
    // https://aws.amazon.com/ec2/instance-types/p5/ (p5.48xlarge: 192 vCPUs, 2048 GiB, 8 H100, NVMe SSD).
    { family: "p4d", gpuModel: "NVIDIA A100", nvmeInstanceStore: true, sizes: [["24xlarge", 96, 1152, 8]] },
    { family: "p5", gpuModel: "NVIDIA H100", nvmeInstanceStore: true, sizes: [["48xlarge", 192, 2048, 8]] },
];

function build(): Record<string, InstanceTypeFacts> {
    const out: Record<string, InstanceTypeFacts> = {};
    for (const f of FAMILIES) {
        for (const [size, vcpus, memoryGiB, gpus = 0] of f.sizes) {
            out[`ml.${f.family}.${size}`] = Object.freeze({
                vcpus,
                memoryGiB,
                gpus,
                ...(gpus > 0 ? { gpuModel: f.gpuModel } : {}),
                burstable: f.burstable ?? false,
                nvmeInstanceStore: f.nvmeInstanceStore ?? false,
            });
        }
    }
    return Object.freeze(out);
}

/** Every known ml.* instance type → facts. */
export const ML_INSTANCE_TYPES: Readonly<Record<string, InstanceTypeFacts>> = build();

/** Families whose every size has at least one GPU (detects GPU types even for sizes missing from the table). */
export const GPU_FAMILIES: readonly string[] = Object.freeze(["g4dn", "g4ad", "g5", "g6", "g6e", "p2", "p3", "p3dn", "p4d", "p4de", "p5", "p5e"]);

/** Families whose storage volume is local NVMe instance storage (the "d" variants and the large GPU families). */
export { NVME_INSTANCE_STORE_FAMILIES };

/** Facts for an instance type, or undefined when it is not in the table. */
export function instanceTypeFacts(instanceType: string): InstanceTypeFacts | undefined {
    return Object.prototype.hasOwnProperty.call(ML_INSTANCE_TYPES, instanceType) ? ML_INSTANCE_TYPES[instanceType] : undefined;
}

/** The instance family of an `ml.<family>.<size>` type ("m5" for ml.m5.large), or undefined when malformed. */
export function instanceFamily(instanceType: string): string | undefined {
    const m = /^ml\.([a-z0-9-]+)\.[a-z0-9]+$/.exec(instanceType);
    return m ? m[1] : undefined;
}

/**
 * vCPUs of an instance type. Throws for types not in the table: a wrong core count would silently mis-scale the CPU
 * alarm, so an unknown type must be added to the table rather than guessed.
 */
export function vcpusOf(instanceType: string): number {
    const f = instanceTypeFacts(instanceType);
    if (!f) {
        throw new Error(`Unknown SageMaker instance type ${JSON.stringify(instanceType)}: add it to ML_INSTANCE_TYPES in components/instance-types.ts`);
    }
    return f.vcpus;
}

/** True when the type has GPUs (table first, then the family list for sizes not in the table). */
export function isGpuInstanceType(instanceType: string): boolean {
    const f = instanceTypeFacts(instanceType);
    if (f) return f.gpus > 0;
    const family = instanceFamily(instanceType);
    return family !== undefined && GPU_FAMILIES.includes(family);
}

/** True when the type's ML storage volume is NVMe instance storage (no KMS key may be given for it). */
export function hasNvmeInstanceStore(instanceType: string): boolean {
    const f = instanceTypeFacts(instanceType);
    if (f) return f.nvmeInstanceStore;
    const family = instanceFamily(instanceType);
    return family !== undefined && NVME_INSTANCE_STORE_FAMILIES.includes(family);
}
