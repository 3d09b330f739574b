import { corpusTests } from "./corpus-rule";

corpusTests("iam-users-and-keys");
