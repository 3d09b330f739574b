import { corpusTests } from "./corpus-rule";

corpusTests("ebs-rds-encryption");
