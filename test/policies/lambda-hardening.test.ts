import { corpusTests } from "./corpus-rule";

corpusTests("lambda-hardening");
