import { corpusTests } from "./corpus-rule";

corpusTests("vpc-default-deny");
