/**
 * ebs-rds-encryption: EBS volumes and RDS databases are encrypted at rest and databases are not publicly accessible.
 *   - aws.ebs.Volume `encrypted: true`; aws.ebs.EncryptionByDefault `enabled` not false (FSBP EC2.3, EC2.7);
 *   - aws.rds.Instance / aws.rds.Cluster `storageEncrypted: true` (FSBP RDS.3, RDS.4 for clusters), instances not
 *     `publiclyAccessible` (FSBP RDS.2).
 */
import { resourceRule } from "../lib/types";
import { peek } from "../lib/unknowns";

const T = {
    volume: "aws:ebs/volume:Volume",
    byDefault: "aws:ebs/encryptionByDefault:EncryptionByDefault",
    rdsInstance: "aws:rds/instance:Instance",
    rdsCluster: "aws:rds/cluster:Cluster",
};

function isTrue(props: Record<string, any>, key: string): boolean {
    const p = peek(props, key);
    return !p.known || p.value === true;
}

export const ebsRdsEncryption = resourceRule(
    {
        name: "ebs-rds-encryption",
        description:
            "EBS volumes and RDS instances/clusters are encrypted at rest; EBS encryption by default stays on; RDS instances are not publicly accessible.",
        severity: "high",
        exemptable: true,
        frameworks: [
            "AWS FSBP EC2.3",
            "AWS FSBP EC2.7",
            "AWS FSBP RDS.2",
            "AWS FSBP RDS.3",
            "Checkov CKV_AWS_3",
            "Checkov CKV_AWS_106",
            "Checkov CKV_AWS_16",
            "Checkov CKV_AWS_17",
            "NIST SP 800-53 SC-28",
        ],
        tags: ["security", "encryption", "public-access"],
        remediationSteps:
            "Set `encrypted: true` (and `kmsKeyId`) on EBS volumes, keep aws.ebs.EncryptionByDefault enabled, set `storageEncrypted: true` and `publiclyAccessible: false` on RDS.",
    },
    Object.values(T),
    {},
    (type, props) => {
        const f: string[] = [];
        if (type === T.volume && !isTrue(props, "encrypted")) f.push("encrypted is not true: the volume and its snapshots are unencrypted");
        if (type === T.byDefault && props.enabled === false) f.push("EBS encryption by default is turned off for the region");
        if ((type === T.rdsInstance || type === T.rdsCluster) && !isTrue(props, "storageEncrypted"))
            f.push("storageEncrypted is not true: database storage, backups and snapshots are unencrypted");
        if (type === T.rdsInstance && props.publiclyAccessible === true) f.push("publiclyAccessible is true: the database gets a public DNS name and address");
        return f;
    },
);
