/**
 * Image URIs of SageMaker's first-party framework containers used by the AWS target: the built-in XGBoost algorithm
 * (`sagemaker-xgboost`, training, tuning, hosting, batch transform) and the SKLearn processing container
 * (`sagemaker-scikit-learn`, the prepare step). Both are published from the same ECR registry account per region;
 * the table below lists it (source: SageMaker's "Docker Registry Paths and Example Code" documentation, one account per
 * region, the same registries the SageMaker Python SDK resolves). A region missing here fails with the fix (add its account, or pass an explicit image with the
 * step's --image option).
 *
 *   <account>.dkr.ecr.<region>.<amazonaws.com | amazonaws.com.cn>/<repository>:<tag>
 */

/** ECR registry account of sagemaker-xgboost (1.x) and sagemaker-scikit-learn, per region. */
export const FRAMEWORK_IMAGE_ACCOUNTS: Readonly<Record<string, string>> = {
    "af-south-1": "510948584623",
    "ap-east-1": "651117190479",
    "ap-northeast-1": "354813040037",
    "ap-northeast-2": "366743142698",
    "ap-northeast-3": "867004704886",
    "ap-south-1": "720646828776",
    "ap-south-2": "628508329040",
    "ap-southeast-1": "121021644041",
    "ap-southeast-2": "783357654285",
    "ap-southeast-3": "951798379941",
    "ap-southeast-4": "106583098589",
    "ca-central-1": "341280168497",
    "ca-west-1": "190319476487",
    "cn-north-1": "450853457545",
    "cn-northwest-1": "451049120500",
    "eu-central-1": "492215442770",
    "eu-central-2": "680994064768",
    "eu-north-1": "662702820516",
    "eu-south-1": "978288397137",
    "eu-south-2": "104374241257",
    "eu-west-1": "141502667606",
    "eu-west-2": "764974769150",
    "eu-west-3": "659782779980",
    "il-central-1": "898809789911",
    "me-central-1": "272398656194",
    "me-south-1": "801668240914",
    "sa-east-1": "737474898029",
    "us-east-1": "683313688378",
    "us-east-2": "257758044811",
    "us-gov-east-1": "237065988967",
    "us-gov-west-1": "414596584902",
    "us-west-1": "746614075791",
    "us-west-2": "246618743249",
};

/** Regions of the table where sagemaker-scikit-learn (1.2-1) is not published (only XGBoost is). */
export const SKLEARN_UNAVAILABLE = new Set(["ca-west-1", "il-central-1"]);

export const XGBOOST_VERSION = "1.7-1";
export const SKLEARN_VERSION = "1.2-1";

export type FrameworkImage = "xgboost" | "sklearn";

function registryHost(region: string): string {
    const account = FRAMEWORK_IMAGE_ACCOUNTS[region];
    if (!account) {
        throw new Error(
            `no SageMaker framework image registry known for region '${region}' (lib/aws/images.ts knows ${Object.keys(FRAMEWORK_IMAGE_ACCOUNTS).length} regions); ` +
                `add the region's account from the SageMaker "Docker Registry Paths" documentation to FRAMEWORK_IMAGE_ACCOUNTS, or pass --image <uri>`,
        );
    }
    const domain = region.startsWith("cn-") ? "amazonaws.com.cn" : "amazonaws.com";
    return `${account}.dkr.ecr.${region}.${domain}`;
}

/** `sagemaker-xgboost:1.7-1` or `sagemaker-scikit-learn:1.2-1-cpu-py3` in the region's registry. */
export function frameworkImageUri(image: FrameworkImage, region: string, version?: string): string {
    if (image === "sklearn" && SKLEARN_UNAVAILABLE.has(region)) {
        throw new Error(
            `sagemaker-scikit-learn is not published in region '${region}'; run the prepare step with --image <a SKLearn processing image URI you can pull there>`,
        );
    }
    const host = registryHost(region);
    if (image === "xgboost") return `${host}/sagemaker-xgboost:${version ?? XGBOOST_VERSION}`;
    return `${host}/sagemaker-scikit-learn:${version ?? SKLEARN_VERSION}-cpu-py3`;
}
