import { corpusTests } from "./corpus-rule";

corpusTests("iam-privilege-escalation");
