import { corpusTests } from "./corpus-rule";

corpusTests("s3-public-access");
