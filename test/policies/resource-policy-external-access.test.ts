import { corpusTests } from "./corpus-rule";

corpusTests("resource-policy-external-access");
