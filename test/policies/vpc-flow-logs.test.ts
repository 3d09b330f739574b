import { corpusTests } from "./corpus-rule";

corpusTests("vpc-flow-logs");
